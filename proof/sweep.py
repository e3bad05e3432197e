"""Many what-if plans of a deployed package in one Terraform run.

The e2e plans every leaf param changed alone against a deployed cluster (``mutations``): about 40 plans a
preset, each a Terraform process that starts the AWS provider and loads its schema, which on a 2-core
machine was a fifth of the whole suite. Here every variant is a module of one configuration, planned
once (``-refresh=false``, as the single plans were: the package's state was refreshed by the clean plan
just before):

- ``v<i>/`` is the step's directory as shipped, less what Terraform allows only in a root module:
  its provider blocks (one root configuration serves every copy: the step's own, with the emulator's
  override and the region and default tags the package runs with) and its ``import`` blocks (the
  adoption of instances a killed deployment left: none on a healthy package, whose state has every slot);
- ``main.tf.json`` calls ``v<i>/`` as ``module.v<i>`` with variant i's params and connections (a copy each,
  so that an error's file names its variant);
- ``terraform.tfstate`` is the package's state, copied under each module's address.

A variant whose plan fails is retried alone, against the shipped step (``Step.plan_actions``), so its
error reads as a deployment's would.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

from proof.planfile import changed_actions
from proof.provisioner import BACKEND_FILE, OVERRIDE_FILE, Step
from proof.terraform import Terraform, TerraformError

SHIPPED_ONLY = ("provider", "import")  # blocks Terraform takes only in the root module
# Each variant calls its own copy of the step (v<i>/), so an error names it: "on v3/cluster.tf.json line 193".
MODULE_ERROR = re.compile(r"\bon (v\d+)/")


def _package(step_dir: Path, target: Path) -> None:
    """The step as a module: every file but the deployment's own, without provider and import blocks."""
    target.mkdir(parents=True)
    for path in step_dir.iterdir():
        if path.is_dir() or path.name in (BACKEND_FILE, OVERRIDE_FILE) or ".tfvars" in path.name \
                or path.name.startswith(("tf.", "tfplan")):
            continue
        if not path.name.endswith(".tf.json"):
            shutil.copy2(path, target / path.name)  # the failover function's archive
            continue
        document = json.loads(path.read_text())
        for block in SHIPPED_ONLY:
            document.pop(block, None)
        (target / path.name).write_text(json.dumps(document, indent=1))


Variant = tuple[dict[str, Any], dict[str, Any]]  # params (md_metadata included), connections


def _root(step_dir: Path, variants: list[Variant], region: str) -> dict[str, Any]:
    """The sweep's root module: one provider configuration and a module per variant.

    The root module: the step's provider configuration, with the values the package deploys with (the variants differ
    in params only: one md_metadata, one set of connections), and a module per variant."""
    providers = json.loads((step_dir / "providers.tf.json").read_text())
    aws = json.loads((step_dir / OVERRIDE_FILE).read_text())["provider"]["aws"]
    params, connections = variants[0]
    role = connections["aws_authentication"]["data"]
    shipped = providers["provider"]["aws"][0]
    assert set(shipped) == {"assume_role", "default_tags", "region"}, shipped  # what is given below
    return {
        "terraform": {"required_providers": providers["terraform"]["required_providers"]},
        "provider": {"aws": [{**aws, "region": region, "default_tags": [{"tags": params["md_metadata"].get("default_tags")}],
                              "assume_role": [{"role_arn": role["arn"], "external_id": role.get("external_id")}]}],
                     "massdriver": [{}], "random": [{}]},
        "module": {f"v{i}": {"source": f"./v{i}", **params, **connections}
                   for i, (params, connections) in enumerate(variants)},
    }


def _state(state: dict[str, Any], count: int) -> dict[str, Any]:
    """The package's state with every resource under ``module.v<i>`` for each variant."""
    resources = []
    for i in range(count):
        prefix = f"module.v{i}"
        for resource in state.get("resources", []):
            copy = json.loads(json.dumps(resource))
            copy["module"] = prefix
            for instance in copy.get("instances", []):
                instance["dependencies"] = [f"{prefix}.{d}" for d in instance.get("dependencies", [])]
            resources.append(copy)
    return {**state, "serial": state.get("serial", 0) + 1, "resources": resources, "check_results": None}


def plan_variants(src: Step, variants: dict[str, Variant], region: str, work: Path, *, apart: Collection[str] = ()
                  ) -> tuple[dict[str, dict[str, list[str]]], dict[str, str]]:
    """name -> (params, connections).

    Name -> address -> actions, and the plans refused (name -> the error of the variant planned alone, as a deployment
    would report it). ``apart``: variants planned in a run of their own, after the others: those a rule of the running
    cluster may refuse (a refused variant fails its whole run, and every other variant in it is planned again).
    ``src`` is left configured with the first variant planned alone, if any: the caller configures it back."""
    names = list(variants)
    if work.exists():
        shutil.rmtree(work)
    _package(src.dir, work / "v0")
    for i in range(1, len(names)):
        shutil.copytree(work / "v0", work / f"v{i}")
    state = json.loads(src.state_document() or b"{}")
    terraform = Terraform(work, src.environment("provision"), src.log, src.timings, nice=src.nice)
    refused: dict[str, str] = {}
    planned: dict[str, dict[str, list[str]]] = {}
    batches = [[n for n in names if n not in apart], [n for n in names if n in apart]]
    for batch in sorted(filter(None, batches), key=len, reverse=True):  # init installs the largest's modules
        _plan_batch(src, terraform, work, state, {n: variants[n] for n in batch}, region, planned, refused)
    return planned, refused


def _plan_batch(src: Step, terraform: Terraform, work: Path, state: dict[str, Any], variants: dict[str, Variant],
                region: str, planned: dict[str, dict[str, list[str]]], refused: dict[str, str]) -> None:
    """Plan ``variants`` as modules of one run; a variant the run refuses is planned alone, the rest again."""
    remaining = list(variants)
    while remaining:
        (work / "main.tf.json").write_text(json.dumps(_root(src.dir, [variants[n] for n in remaining], region)))
        (work / "terraform.tfstate").write_text(json.dumps(_state(state, len(remaining))))
        if not (work / ".terraform" / "modules" / "modules.json").exists():  # installs the modules main.tf.json calls
            Terraform(work, src.environment("provision", attach=False), src.log, src.timings, nice=src.nice).run(
                "init", "-input=false", timeout=300, label="sweep.init")
        planned_run = terraform.run("plan", "-input=false", "-refresh=false", "-lock=false", "-out=tf.plan",
                                    timeout=1800, ok_codes=(0, 1), label="sweep.plan")
        if planned_run.returncode != 0:
            failing = {remaining[int(m[1:])] for m in MODULE_ERROR.findall(planned_run.stderr)}
            if not failing:
                raise TerraformError(f"the sweep's plan in {work} failed outside any variant:\n{planned_run.stderr[-3000:]}")
            for name in failing:
                refused[name] = _alone(src, variants[name])
            remaining = [n for n in remaining if n not in failing]
            continue
        for address, actions in changed_actions(work / "tf.plan").items():
            module, _, inner = address.partition(".")[2].partition(".")
            planned.setdefault(remaining[int(module[1:])], {})[inner] = actions
        for name in remaining:
            planned.setdefault(name, {})
        break


def _alone(src: Step, variant: Variant) -> str:
    """The variant planned by itself against the shipped step: its error (or, if it plans, what it does)."""
    src.configure(*variant)
    try:
        return f"(planned: {src.plan_actions(label='sweep.alone.plan', refresh=False)})"
    except TerraformError as exc:
        return " ".join(str(exc).split())
