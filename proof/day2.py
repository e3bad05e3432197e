"""The day-2 scenario: a deployed cluster changed the way an operator changes it.

One deployment at a time, each followed by a second plan that must say "No changes".

It runs on a cluster the e2e has just deployed (``e2e.run_preset(..., day2=run_day2)``). Each change
is a deployment of the committed src with new params (or a new vpc connection), exactly as
Massdriver would run it. The class change is also read from the emulator's timeline
(``availability``): what it did to the writer and the readers while it ran.
"""

from __future__ import annotations

import copy
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aurora_bundle.inputs.spec import Example
from proof.availability import Availability, assess, read_timeline
from proof.provisioner import Step, changed_resources
from proof.terraform import TerraformError

Params = dict[str, Any]


@dataclass
class Change:
    name: str
    actions: dict[str, list[str]] = field(default_factory=dict)  # address -> actions of the deployment
    replan: list[str] = field(default_factory=list)  # what the second plan would still change
    seconds: float = 0.0
    error: str | None = None
    running_version: str | None = None  # the engine version the cluster runs after the change (engine part)
    warnings: list[str] = field(default_factory=list)  # ids of the check blocks that warned (unplanned failover)


@dataclass
class Restore:
    """A new package created from a snapshot of the day-2 cluster, then decommissioned."""

    snapshot_username: str
    username: str
    error: str | None
    replan_changes: dict[str, list[str]]
    leftovers: list[str]
    second_deploy: dict[str, list[str]]  # address -> attributes the package's second deployment changed
    first_deploy_warnings: list[str]  # ids of the check blocks that warned at the end of the first deployment
    iam_after_second_deploy: bool | None = None  # IAM authentication as AWS reports it after the second deployment
    apply_immediately: bool | None = None  # the restored package's database.apply_immediately


@dataclass
class Day2Result:
    changes: list[Change] = field(default_factory=list)
    rolling_change: Availability | None = None  # the class change after the unplanned failover
    restored_username: str | None = None
    original_username: str | None = None
    params: Params = field(default_factory=dict)  # what the package is deployed with at the end
    restore: Restore | None = None
    failed_over_to: str | None = None  # the reader an unplanned failover made the writer before the class change
    # A class change cut short (SIGINT once the new writer is being created), then two deployments: what
    # the emulator saw from the interrupted apply to the end of the first one, and each member's class after.
    interrupted_roll: Availability | None = None
    classes_after_resume: dict[str, str] = field(default_factory=dict)


def _with(params: Params, path: str, value: Any) -> Params:
    changed = copy.deepcopy(params)
    *parents, leaf = path.split(".")
    node = changed
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return changed


@dataclass
class Operator:
    """Deploys one change after another to the same package, as an operator would from the UI."""

    src: Step
    params: Params
    connections: dict[str, Any]
    result: Day2Result
    running_version: Callable[[], str] | None = None  # reads the emulator: what the cluster runs
    unplanned_failover: Callable[[], str] | None = None  # moves the writer role to a reader; returns it

    def change(self, name: str, params: Params | None = None, connections: dict[str, Any] | None = None) -> Change:
        self.params = params if params is not None else self.params
        self.connections = connections if connections is not None else self.connections
        change = Change(name)
        self.result.changes.append(change)
        started = time.monotonic()
        self.src.configure(self.params, self.connections)
        try:
            change.actions = self.src.deploy(label=f"day2.{name.replace(' ', '-')}.")
            change.replan = self.src.changes(label=f"day2.{name.replace(' ', '-')}.replan")
        except TerraformError as exc:
            change.error = str(exc)
        change.seconds = round(time.monotonic() - started, 1)
        if self.running_version is not None:
            change.running_version = self.running_version()
        return change

    def refused(self, name: str, params: Params) -> Change:
        """Plan params the bundle must refuse: the plan fails, nothing changes, the package keeps its params."""
        change = Change(name)
        self.result.changes.append(change)
        self.src.configure(params, self.connections)
        try:
            change.actions = {a: c["actions"] for a, c in changed_resources(self.src.plan(label="day2.refused.plan")).items()}
        except TerraformError as exc:
            change.error = str(exc)
        finally:
            self.src.configure(self.params, self.connections)
        change.replan = self.src.changes(label="day2.refused.replan")
        return change

    def interrupted(self, name: str, params: Params, interrupt_on: str) -> Change:
        """Deploy ``params`` and cancel the apply once ``interrupt_on`` shows.

        SIGINT, a provisioner's graceful cancel. No second plan: the next deployment is the one that must finish it."""
        self.params = params
        change = Change(name)
        self.result.changes.append(change)
        started = time.monotonic()
        self.src.configure(self.params, self.connections)
        label = f"day2.{name.replace(' ', '-')}."
        try:
            change.actions = self.src.plan_actions(label=f"{label}plan")
            exit_code = self.src.apply_interrupted(interrupt_on, label=f"{label}apply").returncode
            change.error = None if exit_code != 0 else "the apply finished before it was interrupted"
        except TerraformError as exc:
            change.error = str(exc)
        change.seconds = round(time.monotonic() - started, 1)
        return change

    def set(self, name: str, path: str, value: Any) -> Change:
        return self.change(name, _with(self.params, path, value))

    def fail_over(self, name: str) -> Change:
        """AWS moves the writer role to a reader (an instance failure); nothing is deployed.

        The next plan must have nothing to do (which instance is the writer is no input of the bundle)."""
        change = Change(name)
        self.result.changes.append(change)
        started = time.monotonic()
        if self.unplanned_failover is not None:
            self.result.failed_over_to = self.unplanned_failover()
        from proof.e2e import check_warnings  # e2e imports this module

        self.src.configure(self.params, self.connections)
        seen = len(self.src.log.read_text()) if self.src.log.exists() else 0
        change.replan = self.src.changes(label=f"day2.{name.replace(' ', '-')}.replan")
        change.warnings = check_warnings(self.src.log.read_text()[seen:])
        change.seconds = round(time.monotonic() - started, 1)
        return change


# An analytics endpoint pinned to the first reader.
CUSTOM_ENDPOINT = {"name": "analytics", "type": "READER", "static_members": ["reader1"], "excluded_members": []}


def bigger_class(current: str) -> str:
    """The next size of the same family: db.r7g.large -> db.r7g.xlarge."""
    family, size = current.rsplit(".", 1)
    sizes = ["medium", "large", "xlarge", "2xlarge", "4xlarge"]
    return f"{family}.{sizes[sizes.index(size) + 1]}"


def same_size_class(current: str) -> str:
    """A class of another family with as much memory (db.r7g.large -> db.r6g.large).

    A rolling change to instances of the same size, the case where AWS may promote the old writer (a CA change is the
    other one, but a CA other than the default makes the provider modify and reboot each new instance, four 30 s waits
    apiece)."""
    family, size = current.removeprefix("db.").split(".", 1)
    return f"db.{'r6g' if family != 'r6g' else 'r7g'}.{size}"


def day2_example(example: Example, part: str, vpc_digits: str) -> Example:
    """The example as its own package for one part of the scenario.

    Its own name, VPC and subnet IDs, and one engine major older, so the scenario can upgrade it."""
    params = _with(example.params, "database.engine_version", str(int(example.params["database"]["engine_version"]) - 1))
    prefix = example.params["md_metadata"]["name_prefix"]
    params = _with(params, "md_metadata.name_prefix", f"{prefix.split('-')[0]}-day2-{part}-{prefix.rsplit('-', 1)[1]}")
    slug = f"{example.slug}-day-2-{part}"
    if part not in ("instances", "scaling"):  # without reader autoscaling, this package's decommission is direct
        params = _with(params, "scaling.autoscaling.mode", "disabled")
    vpc = json.dumps(example.connections["vpc"])
    vpc = re.sub(r"(vpc|subnet)-([0-9a-f]+)([0-9a-f]{2})\b", lambda m: f"{m[1]}-{m[2]}{vpc_digits}", vpc)
    vpc = re.sub(r'"10\.\d+\.0\.0/16"', f'"10.{int(vpc_digits)}.0.0/16"', vpc)
    return replace(example, slug=slug, params=params, connections={**example.connections, "vpc": json.loads(vpc)})


def restore_example(example: Example, params: Params, snapshot_arn: str) -> Example:
    """A second package created from ``snapshot_arn``, decommissioned at once.

    A second package, in the same VPC, created from ``snapshot_arn`` with the params the cluster ran; unprotected,
    without autoscaling or a final snapshot, so it can be decommissioned at once. Changes not applied immediately: its
    second deployment must turn IAM authentication on all the same (AWS would keep it for the maintenance window
    otherwise)."""
    restored = _with(params, "database.snapshot_identifier", snapshot_arn)
    restored = _with(restored, "database.deletion_protection", False)
    restored = _with(restored, "backup.skip_final_snapshot", True)
    restored = _with(restored, "scaling.autoscaling.mode", "disabled")
    restored = _with(restored, "database.apply_immediately", False)
    prefix = params["md_metadata"]["name_prefix"]
    restored = _with(restored, "md_metadata.name_prefix", prefix.replace("-day2-", "-restored-"))
    return replace(example, slug=f"{example.slug}-restored", params=restored)


# The line Terraform prints when the writer's successor starts being created (the roll's first step).
WRITER_CREATING = "aws_rds_cluster_instance.writer: Creating..."


def _interrupted_class_change(operator: Operator, timeline: Path, identifier: str,
                              members: Callable[[], dict[str, str]] | None) -> None:
    """A class change cancelled once the new writer is being created, then two ordinary deployments.

    The first must finish the roll (replacing, never modifying, the instances left on the old class), the second and
    every plan after it must be clean."""
    started = time.time()
    bigger = bigger_class(operator.params["database"]["instance_class"])
    operator.interrupted("class change interrupted", _with(operator.params, "database.instance_class", bigger),
                         WRITER_CREATING)
    operator.change("interrupted class change resumed")
    operator.result.interrupted_roll = assess(read_timeline(timeline, identifier, started, time.time()))
    if members is not None:
        operator.result.classes_after_resume = members()
    operator.change("after the resumed class change")


def _instances(operator: Operator, timeline: Path, identifier: str) -> None:
    params = operator.params
    # The writer role on a reader when the roll starts, and a roll to instances of the same size: deleting
    # that reader would promote the old `writer` or the new one, AWS's choice.
    operator.fail_over("unplanned failover")
    started = time.time()
    operator.set("class change", "database.instance_class", same_size_class(params["database"]["instance_class"]))
    operator.result.rolling_change = assess(read_timeline(timeline, identifier, started, time.time()))
    readers = params["scaling"]["reader_count"]
    operator.set("readers down", "scaling.reader_count", readers - 1)
    operator.set("readers up", "scaling.reader_count", readers + 1)


def _window_and_scaling(operator: Operator, scale_out: Callable[[], str] | None) -> None:
    operator.set("maintenance window", "database.maintenance_window", "sat:06:00-sat:07:00")
    mode = operator.params["scaling"]["autoscaling"]["mode"]
    operator.set("autoscaling off", "scaling.autoscaling.mode", "disabled")
    operator.set("autoscaling on", "scaling.autoscaling.mode", mode if mode != "disabled" else "cpu")
    if scale_out is not None:
        _autoscaled_readers_left(operator, scale_out)


@dataclass(frozen=True)
class EngineControl:
    """What happens to the engine outside Terraform, in the emulator (``e2e.run_preset`` builds it)."""

    oldest_minor: Callable[[str], str]  # the oldest standard minor AWS lists for a major
    created_long_ago: Callable[[str], None]  # test only: the cluster runs this version at once (ENGINE_VERSION_TAG)
    # What the operator runs: aws rds modify-db-cluster --engine-version V --apply-immediately.
    modify_version: Callable[[str], None]


# The command the major-upgrade-target refusal names (aws/cluster.py engine_preconditions).
MINOR_FIRST = re.compile(r"--engine-version (\S+) --apply-immediately")


def _autoscaled_readers_left(operator: Operator, scale_out: Callable[[], str]) -> None:
    """AWS's autoscaled readers (``scale_out`` creates one with the RDS API, as a scale-out would).

    Turning autoscaling off while one runs is refused at plan with the runbook; the runbook's first step drains it.
    Then a reader AWS added while autoscaling was being turned off (created right after that deployment) is left: the
    next deployment records it in the decommission guard, and the e2e's decommission (``e2e._decommission``) is
    refused before anything is deleted, then follows the runbook."""
    scale_out()
    autoscaling = operator.params["scaling"]["autoscaling"]
    operator.refused("autoscaling off with AWS's readers", _with(operator.params, "scaling.autoscaling.mode", "disabled"))
    operator.change("autoscaling drained", _with(operator.params, "scaling.autoscaling",
                                                 {**autoscaling, "min_readers": 0, "max_readers": 0}))
    operator.set("autoscaling off, drained", "scaling.autoscaling.mode", "disabled")
    scale_out()
    operator.change("AWS's reader left after autoscaling off")


def _network_endpoints_and_engine(operator: Operator, add_subnet: Callable[[], dict[str, Any]],
                                  engine: EngineControl | None) -> None:
    """The network, a custom endpoint, then the major upgrades.

    The package is one major older than the example (16), and its cluster was created long ago: it runs the oldest 16
    minor AWS lists, which lists no 17 target. A major upgrade waiting for the window is refused at plan
    (apply_immediately off); so is one from that minor, naming the minor to reach first and the command; the operator
    runs it; the upgrade then (immediately) lands on the newest 17 that minor lists, not the newest 17; then 17 -> 18
    at once."""
    major = int(operator.params["database"]["engine_version"])
    if engine is not None:
        engine.created_long_ago(engine.oldest_minor(str(major)))
    operator.change("subnet added", connections=add_subnet())
    operator.set("custom endpoint added", "database.custom_endpoints", [CUSTOM_ENDPOINT])
    upgrade = _with(operator.params, "database.engine_version", str(major + 1))
    operator.refused("major upgrade in the window", _with(upgrade, "database.apply_immediately", False))
    refused = operator.refused("major upgrade from a minor without a target",
                               _with(upgrade, "database.apply_immediately", True))
    first = MINOR_FIRST.search(" ".join((refused.error or "").split()))
    if engine is not None and first is not None:
        engine.modify_version(first[1])
    operator.change("major upgrade to a listed target", _with(upgrade, "database.apply_immediately", True))
    immediately = _with(operator.params, "database.engine_version", str(major + 2))
    operator.change("major upgrade, immediately", _with(immediately, "database.apply_immediately", True))


# The scenario in four parts, each on its own Production package, run side by side (each deployment
# mostly waits for the provider's polling): the instances; the maintenance window and reader autoscaling;
# the network, endpoints and engine, whose cluster is snapshotted once deployed and restored into a fifth
# package beside it;
# the interruptions (the package's first deployment killed, then a class change cut short).
PARTS = ("instances", "scaling", "engine", "interruptions")
RESTORES = "engine"


def run_day2(src: Step, example: Example, part: str, timeline: Path, identifier: str,
             add_subnet: Callable[[], dict[str, Any]], window: Callable[[], None],
             running_version: Callable[[], str], engine: EngineControl | None = None,
             scale_out: Callable[[], str] | None = None,
             unplanned_failover: Callable[[], str] | None = None,
             members: Callable[[], dict[str, str]] | None = None) -> Day2Result:
    """One part of the scenario (``PARTS``) on the deployed ``example`` (see ``day2_example``).

    ``add_subnet`` creates one more subnet in the emulator and returns the vpc connection listing it; ``window`` makes
    the cluster's maintenance window happen (its pending modifications are applied); ``running_version`` reads the
    engine version the cluster runs; ``engine``: what happens to the engine outside Terraform (the engine part);
    ``scale_out`` adds a reader as AWS's autoscaling would (``application-autoscaling-<id>``) and returns its
    identifier; ``unplanned_failover`` moves the writer role to a reader, as AWS does when the writer fails;
    ``members``: the cluster's instances (identifier -> class) as the emulator has them."""
    result = Day2Result()
    operator = Operator(src, example.params, example.connections, result, unplanned_failover=unplanned_failover)
    if part == "instances":
        _instances(operator, timeline, identifier)
    elif part == "scaling":
        _window_and_scaling(operator, scale_out)
    elif part == "interruptions":
        _interrupted_class_change(operator, timeline, identifier, members)
    else:
        operator.running_version = running_version
        _network_endpoints_and_engine(operator, add_subnet, engine)
    result.params = operator.params
    return result


def describe(result: Day2Result) -> str:
    """One line per change, for assertion messages."""
    return "\n".join(f"{c.name}: {c.seconds}s, error={c.error}, replan={c.replan}, runs={c.running_version}, "
                     f"actions={json.dumps(c.actions)}" for c in result.changes)
