"""A step run the way Massdriver's OpenTofu provisioner runs it (provisioner-opentofu, ``entrypoint.sh``).

The bundle is laid out as Massdriver has it after ``mass bundle publish``: ``massdriver.yaml`` and the
``schema-*.json`` files at the root, the step directories unchanged beside them. Into a step
directory the provisioner writes ``_params.auto.tfvars.json`` (the params, ``md_metadata`` included)
and ``_connections.auto.tfvars.json``, and ``backend.tf.json`` (the ``http`` backend of Massdriver's
state service, here ``state_server``). Then: ``init -input=false``, ``plan -input=false -out
tf.plan``, ``show -json tf.plan`` into ``tfplan.json`` (what checkov scans), ``apply -input=false
tf.plan``; a decommission plans and applies with ``-destroy``. The deployment's identity arrives as
``MASSDRIVER_*`` environment variables, which the massdriver provider reads.

The one file added that Massdriver would not have is ``emulator_override.tf.json``: a Terraform
override file giving the AWS provider the emulator's credentials; ``AWS_ENDPOINT_URL`` in the
commands' environment points it at the emulator (``emulator_environment``).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from proof.emulator import emulator_environment
from proof.planfile import changed_actions, changes, resource_actions
from proof.terraform import Terraform

PARAMS_FILE = "_params.auto.tfvars.json"
CONNECTIONS_FILE = "_connections.auto.tfvars.json"
BACKEND_FILE = "backend.tf.json"
OVERRIDE_FILE = "emulator_override.tf.json"
PLAN_FILE = "tf.plan"
PLAN_JSON = "tfplan.json"
ACTIONS = ("provision", "decommission")  # MASSDRIVER_DEPLOYMENT_ACTION: a deployment, a decommission


@dataclass(frozen=True)
class Deployment:
    """Who is deploying what: the identity Massdriver hands a provisioner in its environment."""

    package_name: str  # <name_prefix>, e.g. proj-env-db-a1b2
    bundle_name: str
    bundle_version: str
    state_url: str
    record: Path  # where the massdriver stand-in records the requests it would have sent
    organization: str = "offline-org"
    deployment_id: str = "offline-deployment"
    token: str = "offline-token"

    @property
    def instance_id(self) -> str:
        return self.package_name.rsplit("-", 1)[0]  # the package name without its 4-character suffix

    def environment(self, step: str, action: str) -> dict[str, str]:
        return {
            "MASSDRIVER_ORGANIZATION_ID": self.organization,
            "MASSDRIVER_DEPLOYMENT_ID": self.deployment_id,
            "MASSDRIVER_TOKEN": self.token,
            "MASSDRIVER_BUNDLE_NAME": self.bundle_name,
            "MASSDRIVER_BUNDLE_VERSION": self.bundle_version,
            "MASSDRIVER_DEPLOYMENT_ACTION": action,
            "MASSDRIVER_INSTANCE_ID": self.instance_id,
            "MASSDRIVER_PACKAGE_NAME": self.package_name,
            "MASSDRIVER_STEP_PATH": step,
            "MASSDRIVER_URL": self.state_url,
            "AURORA_STANDIN_RECORD": str(self.record),
        }

    def state_path(self, step: str) -> str:
        return f"/state/{self.instance_id}/{step}"


def changed_resources(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """address -> change, for every resource a plan (``show -json``) changes (reads and no-ops left out)."""
    return {rc["address"]: rc["change"] | {"reason": rc.get("action_reason", "")}
            for rc in plan.get("resource_changes", []) if rc["change"]["actions"] not in (["no-op"], ["read"])}


def _same_actions(plan: dict[str, Any], plan_file: Path) -> None:
    """Checks that the plan file's actions equal ``show -json``'s.

    The plan file's actions (``planfile``, what the what-if sweeps read) equal ``show -json``'s, on every plan the e2e
    shows: the reader is checked against Terraform on each run. Deposed objects share their instance's address: each
    change is compared with its deposed key."""
    shown = {(rc["address"], rc.get("deposed", ""), tuple(rc["change"]["actions"]))
             for rc in plan.get("resource_changes", []) if changes(rc["address"], rc["change"]["actions"])}
    read = {(address, deposed, tuple(actions)) for address, deposed, actions in resource_actions(plan_file)
            if changes(address, actions)}
    if shown != read:
        raise AssertionError(f"{plan_file}: the plan file reads {sorted(read - shown)} where show -json has "
                             f"{sorted(shown - read)}")


def lay_out_bundle(source: Path, target: Path, steps: tuple[str, ...]) -> None:
    """Copy massdriver.yaml and the step directories as published (no local Terraform leftovers)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "massdriver.yaml", target / "massdriver.yaml")
    ignore = shutil.ignore_patterns(".terraform", "*.tfstate*", "*.tfvars.json", ".terraform.lock.hcl", "tf.plan")
    for step in steps:
        shutil.copytree(source / step, target / step, ignore=ignore)


def emulator_override() -> dict[str, Any]:
    """The AWS provider's credentials and checks for the emulator.

    Its address is in the environment (``emulator_environment``). Four attempts: with every package side by side on
    two cores, a response was once cut off twice in a row (a DescribeDBClusters read "use of closed network
    connection"); AWS's own errors are not retried, so a refusal still fails at once."""
    return {"provider": {"aws": {
        "access_key": "test", "secret_key": "test", "skip_credentials_validation": True,
        "skip_metadata_api_check": "true", "skip_region_validation": True, "skip_requesting_account_id": True,
        "max_retries": 4,
    }}}


class Step:
    """One step directory of a deployed bundle, driven as the provisioner drives it."""

    def __init__(self, bundle: Path, name: str, deployment: Deployment, env: dict[str, str], log: Path,
                 emulator: str, nice: int = 0) -> None:
        self.name = name
        self.dir = bundle / name
        self.deployment = deployment
        self.base_env = env
        self.log = log
        (self.dir / OVERRIDE_FILE).write_text(json.dumps(emulator_override(), indent=2) + "\n")
        self.emulator_env = emulator_environment(emulator)
        backend = {"terraform": {"backend": {"http": {
            "username": deployment.deployment_id, "password": deployment.token,
            **dict.fromkeys(("address", "lock_address", "unlock_address"),
                            deployment.state_url + deployment.state_path(name)),
        }}}}
        (self.dir / BACKEND_FILE).write_text(json.dumps(backend, indent=2))
        self.initialised = False
        self.timings: dict[str, float] = {}
        # action -> what attaches its commands to the package's shared providers (``e2e.run_preset``), when it has them
        self.attached: dict[str, dict[str, str]] = {}
        self.nice = nice  # terraform.niced

    def provider_environment(self) -> dict[str, str]:
        """What the AWS provider runs with: the machine's environment and the emulator's address."""
        return {**self.base_env, **self.emulator_env}

    def environment(self, action: str, *, attach: bool = True) -> dict[str, str]:
        """What a Terraform command of this step runs with.

        The provider's environment, the reattached provider if any (``attach``), and the deployment's
        ``MASSDRIVER_*``."""
        attached = self.attached[action] if attach and self.attached else {}
        return {**self.provider_environment(), **attached, **self.deployment.environment(self.name, action)}

    def terraform(self, action: str, *, attach: bool = True) -> Terraform:
        """A Terraform runner for this step.

        ``attach=False`` for ``init`` (it installs and locks the provider) and for the runs cut short (they must
        cancel or kill the provider they started): Terraform starts its own provider, as in production."""
        return Terraform(self.dir, self.environment(action, attach=attach), self.log, self.timings, nice=self.nice)

    def configure(self, params: dict[str, Any], connections: dict[str, Any]) -> None:
        """What Massdriver hands the step for a deployment: the params and connections documents."""
        (self.dir / PARAMS_FILE).write_text(json.dumps(params, indent=2))
        (self.dir / CONNECTIONS_FILE).write_text(json.dumps(connections, indent=2))

    def init(self) -> None:
        if not self.initialised:
            self.terraform("provision", attach=False).run("init", "-input=false", timeout=300)
            self.initialised = True

    def plan(self, action: str = "provision", label: str = "plan", *, refresh: bool = True) -> dict[str, Any]:
        """``plan -out tf.plan`` (``-destroy`` to decommission) and its JSON, ``tfplan.json``.

        ``refresh=False`` skips reading every resource back from AWS (data sources are still read): only for
        what-if plans right after a clean plan of the same state, whose refresh found nothing to change."""
        self.init()
        tf = self.terraform(action)
        destroy = ["-destroy"] if action == "decommission" else []
        no_refresh = [] if refresh else ["-refresh=false"]
        tf.run("plan", "-input=false", *destroy, *no_refresh, f"-out={PLAN_FILE}", timeout=900, label=label)
        shown = tf.run("show", "-json", PLAN_FILE, label=f"{label}.show").stdout
        (self.dir / PLAN_JSON).write_text(shown)
        plan: dict[str, Any] = json.loads(shown)
        _same_actions(plan, self.dir / PLAN_FILE)
        return plan

    def plan_actions(self, action: str = "provision", label: str = "plan", *, refresh: bool = True
                     ) -> dict[str, list[str]]:
        """``plan -out tf.plan`` and what it does to each resource.

        ``plan -out tf.plan``, and what it does to each resource (address -> actions), read from the plan file
        (``planfile``): no ``show -json``, which starts every provider again."""
        self.init()
        destroy = ["-destroy"] if action == "decommission" else []
        no_refresh = [] if refresh else ["-refresh=false"]
        self.terraform(action).run("plan", "-input=false", *destroy, *no_refresh, f"-out={PLAN_FILE}", timeout=900,
                                   label=label)
        return changed_actions(self.dir / PLAN_FILE)

    def apply(self, action: str = "provision", label: str = "apply") -> None:
        destroy = ["-destroy"] if action == "decommission" else []
        self.terraform(action).run("apply", "-input=false", *destroy, PLAN_FILE, timeout=1800, label=label)

    def apply_interrupted(self, interrupt_on: str, label: str = "interrupted.apply") -> subprocess.CompletedProcess[str]:
        """Apply the plan and cancel the apply gracefully once ``interrupt_on`` shows (a provisioner timeout)."""
        return self.terraform("provision", attach=False).run_interrupted("apply", "-input=false", PLAN_FILE,
                                                           interrupt_on=interrupt_on, label=label)

    def apply_killed(self, kill_on: str, delay: float = 5.0, label: str = "killed.apply"
                     ) -> subprocess.CompletedProcess[str]:
        """Apply the plan and SIGKILL the provisioner ``delay`` seconds after ``kill_on`` shows."""
        return self.terraform("provision", attach=False).run_killed("apply", "-input=false", PLAN_FILE, kill_on=kill_on,
                                                                    delay=delay, label=label)

    def _state_request(self, method: str) -> bytes:
        url = self.deployment.state_url + self.deployment.state_path(self.name)
        auth = base64.b64encode(f"{self.deployment.deployment_id}:{self.deployment.token}".encode()).decode()
        request = urllib.request.Request(url, method=method, headers={"Authorization": f"Basic {auth}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return bytes(response.read())

    def state_document(self) -> bytes:
        """The step's state as the backend stores it (Terraform's JSON state, version 4)."""
        return self._state_request("GET")

    def unlock(self) -> None:
        """Release the step's state lock a killed run left held (Massdriver's "unlock state", an operator's action)."""
        self._state_request("UNLOCK")

    def state_resources(self) -> list[dict[str, Any]]:
        """The managed resources of the step's state, as the backend stores them."""
        try:
            state = json.loads(self._state_request("GET") or b"{}")
        except urllib.error.HTTPError as exc:  # 404: no state yet
            if exc.code != 404:
                raise
            return []
        return [r for r in state.get("resources", []) if r.get("mode") == "managed"]

    def deploy(self, action: str = "provision", label: str = "") -> dict[str, list[str]]:
        """Plan and apply; what the plan did to each resource (address -> actions, from the plan file)."""
        actions = self.plan_actions(action, label=f"{label}plan")
        self.apply(action, label=f"{label}apply")
        return actions

    def deploy_shown(self, action: str = "provision", label: str = "") -> dict[str, Any]:
        """Plan and apply; the plan as ``show -json`` prints it (attribute values, not only actions)."""
        plan = self.plan(action, label=f"{label}plan")
        self.apply(action, label=f"{label}apply")
        return plan

    def changes(self, label: str = "replan") -> list[str]:
        """What a plan of the current inputs would change ([] when Terraform says 'No changes')."""
        self.init()
        tf = self.terraform("provision")
        proc = tf.run("plan", "-input=false", "-detailed-exitcode", "-out=tf.replan", ok_codes=(0, 2), timeout=900,
                      label=label)
        if proc.returncode == 0:
            return []
        return [f"{address}: {'/'.join(actions)}" for address, actions in changed_actions(self.dir / "tf.replan").items()]
