"""The offline proof: every example input set deployed, re-planned and decommissioned in the emulator.

What runs is what ships: per preset, ``build/e2e/<preset>/`` holds the bundle as Massdriver has it
after ``mass bundle publish`` (``massdriver.yaml``, the ``schema-*.json`` files mass writes, the
committed ``kms/`` and ``src/``), and each step is run as Massdriver's OpenTofu provisioner runs it
(``provisioner``), with the random and massdriver providers stood in for (``standins``) and the AWS
provider pointed at the emulator by one override file.

Per preset: create in the emulator the VPC and subnets its vpc connection names (with those IDs);
deploy kms then src (plan -> tfplan.json, kept in ``build/e2e/<preset>/plans/`` for checkov;
apply); plan both again (must say "No changes"); read what the massdriver stand-in would have sent
(artifacts, alarm registrations); optionally try a src whose artifact template is broken (the apply
must fail with the provider's message) and plan a what-if change of params; then decommission as an
operator would: with deletion protection on, a decommission must fail before deleting anything;
then protection off and deploy, and decommission src (kms has ``skip_on_delete``: the key stays).
Presets run concurrently: the time is almost all the provider polling, not CPU.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml

from aurora_bundle.aws.alarm_table import ALARMS
from aurora_bundle.aws.instances import AUTOSCALED_READER_PREFIX
from aurora_bundle.aws.naming import KEY_ALIAS_FORMAT
from aurora_bundle.inputs.params_root import P
from aurora_bundle.inputs.spec import Example
from aurora_bundle.terraform.synth import STEPS
from proof.day2 import RESTORES, Day2Result, EngineControl, Restore, restore_example, run_day2
from proof.emulator import CUSTOM_ID_TAG, ENGINE_VERSION_TAG
from proof.mass_build import write_schemas
from proof.mutations import REFUSED_AT_PLAN, mutations
from proof.provisioner import ACTIONS, Deployment, Step, changed_resources, lay_out_bundle
from proof.schema_proxy import types_used
from proof.sweep import plan_variants
from proof.terraform import (
    ReattachedProvider,
    TerraformError,
    UnmanagedStandIn,
    cli_environment,
    reattach_environment,
)

# Concurrent `terraform init`s race to fill an empty plugin cache ("file exists"), which exists only when
# there is no AWS provider mirror (``terraform.cli_environment``): the first fill of each step's providers
# is one at a time. With a mirror, or once the cache holds them, every package's inits run at once.
_INIT_LOCK = threading.Lock()
_CACHE_FILLED: set[str] = set()  # the step names whose providers the plugin cache holds


def _init(step: Step) -> None:
    if "TF_PLUGIN_CACHE_DIR" not in step.base_env or step.name in _CACHE_FILLED:
        step.init()
        return
    with _INIT_LOCK:
        step.init()
        _CACHE_FILLED.add(step.name)


@dataclass
class PresetResult:
    slug: str
    identifier: str = ""
    applied: bool = False
    replan_changes: dict[str, list[str]] = field(default_factory=dict)  # step -> changed resources
    artifacts: dict[str, Any] = field(default_factory=dict)  # field -> payload sent
    artifact_names: dict[str, str] = field(default_factory=dict)
    artifact_types: dict[str, str] = field(default_factory=dict)
    alarms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # alarm key -> registrations sent
    master_username: str = ""  # as the emulator has it
    broken_artifact_error: str | None = None
    downgrade_error: str | None = None  # a plan of the next older major against the deployed cluster
    after_minor_upgrade: list[str] = field(default_factory=list)  # a plan after AWS upgraded the minor itself
    subnet_removed: dict[str, list[str]] = field(default_factory=dict)  # address -> actions, first zone's subnet gone
    interrupted_exit: int | None = None  # the first src apply, cancelled while the writer was being created
    heal_actions: dict[str, list[str]] = field(default_factory=dict)  # the next deployment: actions + reason
    killed_exit: int | None = None  # the first src apply, SIGKILLed 5 s after the writer's creation began
    kill_heal_actions: dict[str, list[str]] = field(default_factory=dict)  # its successor: actions (+ "import")
    outside_state_after_kill: list[str] = field(default_factory=list)  # cluster members state does not know
    foreign_after_kill: list[str] = field(default_factory=list)  # instances in state that are not the cluster's
    leaked_by_kill: list[str] = field(default_factory=list)  # objects named from a prefix, made but never recorded
    mutations: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # param path -> address -> actions
    mutation_refusals: dict[str, str] = field(default_factory=dict)  # param path -> the refused plan's error
    # Immutable params the plan refuses (mutations.REFUSED_AT_PLAN) changed alone: path -> the plan's error,
    # or "(planned: <address -> actions>)" when it was not refused.
    immutable_refusals: dict[str, str] = field(default_factory=dict)
    protected_decommission_error: str | None = None  # a decommission with deletion protection on
    left_after_protected_decommission: list[str] = field(default_factory=list)
    autoscaled_decommission_error: str | None = None  # a decommission with reader autoscaling on
    left_after_autoscaled_decommission: list[str] = field(default_factory=list)
    # A decommission with AWS's autoscaled readers left after autoscaling was turned off.
    readers_left_decommission_error: str | None = None
    left_after_readers_left_decommission: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    kept_key: bool = False
    final_snapshots: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    day2: Day2Result | None = None
    # A package restored from a snapshot: what the second deployment changed (address -> attributes),
    # the settings the AWS provider does not pass to RestoreDBClusterFromSnapshot.
    second_deploy: dict[str, list[str]] = field(default_factory=dict)
    first_deploy_warnings: list[str] = field(default_factory=list)  # ids of the check blocks that warned
    # IAMDatabaseAuthenticationEnabled as AWS reports it after the second deployment (None: not read).
    iam_after_second_deploy: bool | None = None
    what_if: dict[str, list[str]] = field(default_factory=dict)  # address -> actions, for changed params
    # Deployed first with an older bundle's src: what the first plan of this bundle's src changes (address ->
    # actions), and with which attributes (address -> attributes).
    bundle_upgrade: dict[str, list[str]] | None = None
    bundle_upgrade_attributes: dict[str, list[str]] = field(default_factory=dict)
    # Every root password the artifacts carried, in the order published (the older bundle's deployment first).
    published_passwords: list[str] = field(default_factory=list)
    error: str | None = None


def check_warnings(log: str) -> list[str]:
    """The ids (``[rule-id]`` ending the message) of the check blocks whose assertion failed, in a Terraform log."""
    return re.findall(r"Check block assertion failed.*?\[([a-z][a-z0-9-]+)\]", log, re.S)


def changed_attributes(plan: dict[str, Any]) -> dict[str, list[str]]:
    """address -> the attributes a plan changes, for every resource it changes."""
    found = {}
    for address, change in changed_resources(plan).items():
        before, after = change.get("before") or {}, change.get("after") or {}
        found[address] = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return found


def region_of(connections: dict[str, Any]) -> str:
    vpc = connections["vpc"]
    return vpc.get("specs", {}).get("aws", {}).get("region") or vpc["data"]["infrastructure"]["arn"].split(":")[3]


def _client(service: str, endpoint: str, region: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=region,
                        aws_access_key_id="test", aws_secret_access_key="test")


def _tag(resource: str, custom_id: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource, "Tags": [{"Key": CUSTOM_ID_TAG, "Value": custom_id}]}]


def create_network(endpoint: str, connections: dict[str, Any]) -> tuple[str, list[str]]:
    """Create the VPC and subnets the vpc connection describes, with its IDs. Returns their IDs."""
    infra = connections["vpc"]["data"]["infrastructure"]
    region = region_of(connections)
    ec2 = _client("ec2", endpoint, region)
    vpc_id = infra["arn"].rsplit("/", 1)[1]
    ec2.create_vpc(CidrBlock=infra["cidr"], TagSpecifications=_tag("vpc", vpc_id))
    base = infra["cidr"].split("/")[0].rsplit(".", 2)[0]
    subnet_ids = []
    for offset, kind in enumerate(("internal_subnets", "private_subnets", "public_subnets")):
        for i, subnet in enumerate(infra.get(kind, [])):
            subnet_id = subnet["arn"].rsplit("/", 1)[1]
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{base}.{offset * 10 + i}.0/24",
                              AvailabilityZone=f"{region}{'abc'[i % 3]}", TagSpecifications=_tag("subnet", subnet_id))
            subnet_ids.append(subnet_id)
    return vpc_id, subnet_ids


def added_subnet(endpoint: str, connections: dict[str, Any], params: dict[str, Any], existing: list[str]
                 ) -> tuple[dict[str, Any], str]:
    """One more subnet of the kind the cluster uses, in a zone it has none in; the vpc connection listing it."""
    vpc = json.loads(json.dumps(connections["vpc"]))
    infra = vpc["data"]["infrastructure"]
    region = region_of(connections)
    subnet_id = f"subnet-0a1b2c3d4e5f{len(existing):04d}d"  # 17 hex digits, as AWS issues them
    base = infra["cidr"].split("/")[0].rsplit(".", 2)[0]
    ec2 = _client("ec2", endpoint, region)
    ec2.create_subnet(VpcId=infra["arn"].rsplit("/", 1)[1], CidrBlock=f"{base}.99.0/24", AvailabilityZone=f"{region}d",
                      TagSpecifications=_tag("subnet", subnet_id))
    account = infra["arn"].split(":")[4]
    infra[f"{params['networking']['subnet_type']}_subnets"].append(
        {"arn": f"arn:aws:ec2:{region}:{account}:subnet/{subnet_id}"})
    return vpc, subnet_id


def delete_network(endpoint: str, connections: dict[str, Any], vpc_id: str, subnet_ids: list[str]) -> None:
    ec2 = _client("ec2", endpoint, region_of(connections))
    for subnet_id in subnet_ids:
        ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)


def leftovers(endpoint: str, region: str, identifier: str, name_prefix: str, vpc_id: str
              ) -> tuple[list[str], bool, list[str]]:
    """What the src step left behind, whether the key is kept, and the final snapshots.

    What the src step created that still exists (should be nothing), whether the kms step's key is kept (it should be:
    ``skip_on_delete``), and the final snapshots kept."""
    rds = _client("rds", endpoint, region)
    left = [f"rds cluster {c['DBClusterIdentifier']}" for c in rds.describe_db_clusters()["DBClusters"]
            if c["DBClusterIdentifier"].startswith(identifier)]
    left += [f"rds instance {i['DBInstanceIdentifier']}" for i in rds.describe_db_instances()["DBInstances"]
             if i.get("DBClusterIdentifier") == identifier]  # its own and autoscaled readers, whatever their names
    left += [f"cluster parameter group {g['DBClusterParameterGroupName']}"
             for g in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
             if g["DBClusterParameterGroupName"].startswith(identifier)]
    left += [f"parameter group {g['DBParameterGroupName']}" for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
             if g["DBParameterGroupName"].startswith(identifier)]
    left += [f"subnet group {g['DBSubnetGroupName']}" for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
             if g["DBSubnetGroupName"].startswith(identifier)]
    ec2 = _client("ec2", endpoint, region)
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    left += [f"security group {g['GroupId']}" for g in groups if g["GroupName"].startswith(f"{identifier}-")]
    cloudwatch = _client("cloudwatch", endpoint, region)
    left += [f"alarm {a['AlarmName']}" for a in cloudwatch.describe_alarms(AlarmNamePrefix=identifier)["MetricAlarms"]]
    sns = _client("sns", endpoint, region)
    left += [f"topic {t['TopicArn']}" for t in sns.list_topics()["Topics"] if name_prefix in t["TopicArn"]]
    logs = _client("logs", endpoint, region)
    left += [f"log group {g['logGroupName']}" for g in
             logs.describe_log_groups(logGroupNamePrefix=f"/aws/rds/cluster/{identifier}/")["logGroups"]]
    iam = _client("iam", endpoint, region)
    left += [f"iam role {r['RoleName']}" for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(identifier[:32])]
    left += [f"iam policy {p['PolicyName']}" for p in iam.list_policies(Scope="Local")["Policies"]
             if p["PolicyName"].startswith(identifier[:40])]
    autoscaling = _client("application-autoscaling", endpoint, region)
    left += [f"scalable target {t['ResourceId']}" for t in
             autoscaling.describe_scalable_targets(ServiceNamespace="rds")["ScalableTargets"]
             if t["ResourceId"] == f"cluster:{identifier}"]
    kms = _client("kms", endpoint, region)
    kept_key = any(a["AliasName"] == KEY_ALIAS_FORMAT % name_prefix for a in kms.list_aliases()["Aliases"])
    snapshots = [s["DBClusterSnapshotIdentifier"] for s in rds.describe_db_cluster_snapshots()["DBClusterSnapshots"]
                 if s["DBClusterSnapshotIdentifier"].startswith(f"{identifier}-final-")]
    return left, kept_key, snapshots


def _actions(plan: dict[str, Any]) -> dict[str, list[str]]:
    return {address: change["actions"] for address, change in changed_resources(plan).items()}


def read_requests(record: Path, identifier: str, result: PresetResult) -> None:
    """What the massdriver stand-in would have sent: the artifacts and the alarm registrations."""
    if not record.exists():
        return
    for line in record.read_text().splitlines():
        request = json.loads(line)
        if request.get("resource") == "massdriver_resource" and request["method"] in ("POST", "PUT"):
            body = request["body"]
            result.artifacts[body["field"]] = body["payload"]
            password = body["payload"].get("data", {}).get("authentication", {}).get("password")
            if password is not None and password not in result.published_passwords:
                result.published_passwords.append(password)
            result.artifact_names[body["field"]] = body["name"]
            result.artifact_types[body["field"]] = body["type"]
        elif request.get("graphql") == "createInstanceAlarm":
            sent = request["variables"]["input"]
            key = sent["cloudResourceId"].rsplit(":", 1)[1].removeprefix(f"{identifier}-").replace("-", "_")
            # A per-instance alarm is named <identifier>-<key>-<instance>: its registrations gather under its key.
            key = next((a.key for a in ALARMS if a.per_instance and key.startswith(f"{a.key}_")), key)
            result.alarms.setdefault(key, []).append({"instance_id": request["variables"]["instanceId"], **sent})


def _try_broken_src(src: Step, broken_src: Path, result: PresetResult) -> None:
    """Deploy a src whose artifact template is broken: the apply must fail, then the good src is back."""
    originals = {p.name: p.read_bytes() for p in src.dir.glob("*.tf.json")}
    for path in broken_src.glob("*.tf.json"):
        shutil.copy2(path, src.dir / path.name)
    try:
        src.plan(label="broken.plan")
        src.apply(label="broken.apply")
    except TerraformError as exc:
        result.broken_artifact_error = str(exc)
    finally:
        for name, data in originals.items():
            (src.dir / name).write_bytes(data)


def _deploy_previous_src(src: Step, previous_src: Path, bundle_src: Path, example: Example) -> None:
    """Deploy an older bundle version's src, then lay this version's back.

    The older version's src with that version's params of the example (``examples/`` beside its ``src``: the package
    as it runs before taking this version); then this bundle's src and the example's params are laid back. The
    bundle's own files are swapped (this version's that the older one lacks are left out meanwhile); the emulator's
    and backend's files stay."""
    previous_params = json.loads((previous_src.parent / "examples" / example.slug / "params.json").read_text())
    src.configure(previous_params, example.connections)
    ours = {p.name for p in bundle_src.glob("*.tf.json")}
    originals = {name: (src.dir / name).read_bytes() for name in ours}
    for name in ours:
        (src.dir / name).unlink()
    for path in previous_src.glob("*.tf.json"):
        shutil.copy2(path, src.dir / path.name)
    try:
        src.deploy(label="previous.")
    finally:
        for path in previous_src.glob("*.tf.json"):
            (src.dir / path.name).unlink(missing_ok=True)
        for name, data in originals.items():
            (src.dir / name).write_bytes(data)
        src.configure(example.params, example.connections)


INSTANCE_CREATING = "aws_rds_cluster_instance.writer: Creating..."


def _interrupt_then_heal(src: Step, result: PresetResult) -> None:
    """The first apply cancelled mid-way; the next deployment must converge.

    The first apply is cancelled while the writer is being created (as a provisioner timeout would); the next
    deployment must replace what was left half-made and converge."""
    interrupted = src.apply_interrupted(INSTANCE_CREATING)
    result.interrupted_exit = interrupted.returncode
    plan = src.plan(label="heal.plan")
    result.heal_actions = {address: [*change["actions"], change["reason"]]
                           for address, change in changed_resources(plan).items()}
    src.apply(label="heal.apply")


def _engine_control(endpoint: str, region: str, identifier: str) -> EngineControl:
    """The engine outside Terraform: AWS's catalog, the test-only "created long ago" tag, the operator's CLI."""
    rds = _client("rds", endpoint, region)

    def oldest_minor(major: str) -> str:
        listed = [v["EngineVersion"] for v in rds.describe_db_engine_versions(
            Engine="aurora-postgresql", EngineVersion=major)["DBEngineVersions"]]
        return min((v for v in listed if re.fullmatch(rf"{major}\.\d+", v)), key=lambda v: int(v.split(".")[1]))

    def created_long_ago(version: str) -> None:
        arn = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]["DBClusterArn"]
        rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": ENGINE_VERSION_TAG, "Value": version}])

    def modify_version(version: str) -> None:
        rds.modify_db_cluster(DBClusterIdentifier=identifier, EngineVersion=version, ApplyImmediately=True)

    return EngineControl(oldest_minor=oldest_minor, created_long_ago=created_long_ago, modify_version=modify_version)


def cluster_members(endpoint: str, region: str, identifier: str) -> dict[str, str]:
    """The instances of the cluster as AWS (the emulator) has them: identifier -> class."""
    rds = _client("rds", endpoint, region)
    return {i["DBInstanceIdentifier"]: i["DBInstanceClass"] for i in rds.describe_db_instances()["DBInstances"]
            if i.get("DBClusterIdentifier") == identifier}


def instances_in_state(src: Step) -> dict[str, str]:
    """The instances the src state records (current and deposed objects): identifier -> cluster."""
    found = {}
    for resource in src.state_resources():
        if resource["type"] != "aws_rds_cluster_instance":
            continue
        for instance in resource.get("instances", []):
            attributes = instance.get("attributes", {})
            found[attributes.get("identifier", "?")] = attributes.get("cluster_identifier", "?")
    return found


def leaked_iam(endpoint: str, region: str, identifier: str, src: Step, delete: bool = False) -> list[str]:
    """The IAM roles and policies of the package that the state does not hold.

    IAM roles and policies named from the package's identifier (AWS completes a ``name_prefix``) that the state does
    not hold: what a killed deployment made in its last seconds and nothing can find by name. ``delete``: then delete
    them, as operator.md says to ("A deployment cancelled or killed")."""
    recorded: dict[str, set[str]] = {"aws_iam_role": set(), "aws_iam_policy": set()}
    for resource in src.state_resources():  # several of each type (the monitoring and the failover roles...)
        if resource["type"] in recorded:
            recorded[resource["type"]] |= {i.get("attributes", {}).get("name") for i in resource.get("instances", [])}
    iam = _client("iam", endpoint, region)
    policies = [p for p in iam.list_policies(Scope="Local")["Policies"]
                if p["PolicyName"].startswith(identifier[:40]) and p["PolicyName"] not in recorded["aws_iam_policy"]]
    roles = [r for r in iam.list_roles()["Roles"]
             if r["RoleName"].startswith(identifier[:32]) and r["RoleName"] not in recorded["aws_iam_role"]]
    if delete:
        for policy in policies:
            iam.delete_policy(PolicyArn=policy["Arn"])
        for role in roles:
            for attached in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]:
                iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=attached["PolicyArn"])
            iam.delete_role(RoleName=role["RoleName"])
    return [f"iam policy {p['PolicyName']}" for p in policies] + [f"iam role {r['RoleName']}" for r in roles]


def _kill_then_heal(src: Step, result: PresetResult, members: Callable[[], dict[str, str]],
                    leaked: Callable[[], list[str]]) -> None:
    """The first apply killed outright; the operator's runbook must heal it.

    The first apply is killed outright (SIGKILL to the provisioner's process group) 5 s after the writer's creation
    began: RDS has the instance, the state never records it, the lock stays held. The operator unlocks the state and
    deploys again: that deployment must adopt the instance (``aws/adoption.py``); afterwards every member of the
    cluster is in state and nothing else is. What the kill left that nothing can find by name (``leaked_iam``) is
    recorded, then deleted as the operator's guide says, so the rest of the package's life measures the bundle alone."""
    killed = src.apply_killed(INSTANCE_CREATING, delay=5.0)
    result.killed_exit = killed.returncode
    src.unlock()
    plan = src.plan(label="kill-heal.plan")
    result.kill_heal_actions = {
        rc["address"]: [*rc["change"]["actions"], *(["import"] if rc["change"].get("importing") else [])]
        for rc in plan.get("resource_changes", []) if rc["change"]["actions"] not in (["no-op"], ["read"])
        or rc["change"].get("importing")}
    src.apply(label="kill-heal.apply")
    recorded = instances_in_state(src)
    result.outside_state_after_kill = sorted(set(members()) - set(recorded))
    result.foreign_after_kill = sorted(i for i, cluster in recorded.items() if cluster != result.identifier)
    result.leaked_by_kill = leaked()


def _after_aws_minor_upgrade(src: Step, endpoint: str, region: str, identifier: str) -> list[str]:
    """What the next deployment changes after AWS upgrades the minor by itself.

    AWS upgrades the minor in the maintenance window, behind Terraform's back; what the next deployment would then
    change. The cluster runs the newest minor, so first it is made to run an older one (test only: as if created long
    ago), then AWS moves it to a minor target that version lists."""
    rds = _client("rds", endpoint, region)
    running = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]["EngineVersion"]
    major, minor = running.split(".")
    older = f"{major}.{int(minor) - 2}"
    _engine_control(endpoint, region, identifier).created_long_ago(older)
    (listed,) = [v for v in rds.describe_db_engine_versions(Engine="aurora-postgresql", EngineVersion=older)[
        "DBEngineVersions"] if v["EngineVersion"] == older]
    target = min((t["EngineVersion"] for t in listed["ValidUpgradeTarget"] if not t["IsMajorVersionUpgrade"]),
                 key=lambda v: int(v.split(".")[1]))
    rds.modify_db_cluster(DBClusterIdentifier=identifier, EngineVersion=target, ApplyImmediately=True)
    return src.changes(label="minor.replan")


def maintenance_window(endpoint: str, region: str, identifier: str) -> None:
    """The cluster's maintenance window happens: what AWS would apply in it, the emulator applies now.

    ModifyDBCluster with ApplyImmediately applies "the modifications in this request and any pending modifications"
    (AWS's API reference); the emulator applies a pending major upgrade with its parameter groups
    (``emulator/patches/rds_availability.py``)."""
    _client("rds", endpoint, region).modify_db_cluster(DBClusterIdentifier=identifier, ApplyImmediately=True)


def unplanned_failover(endpoint: str, region: str, identifier: str) -> str:
    """The writer fails and Aurora promotes a reader, behind Terraform's back.

    FailoverDBCluster to the first fixed reader (``-reader1-``), as an instance failure would leave the cluster. Waits
    until the demoted writer is available again (it restarts as a reader); returns the new writer's identifier."""
    rds = _client("rds", endpoint, region)
    members = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]["DBClusterMembers"]
    target = next(m["DBInstanceIdentifier"] for m in members
                  if not m["IsClusterWriter"] and "-reader1-" in m["DBInstanceIdentifier"])
    rds.failover_db_cluster(DBClusterIdentifier=identifier, TargetDBInstanceIdentifier=target)
    for member in members:
        rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=member["DBInstanceIdentifier"],
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return target


def _mutate_each_param(src: Step, example: Example, params_schema: dict[str, Any], result: PresetResult) -> None:
    """Plan every leaf param changed alone against the deployed cluster.

    Dotted path -> address -> actions (``result.mutations``), or what the plan said when it refused the change
    (``result.mutation_refusals``: a rule only the running cluster can check; none of a single change is expected to
    be refused)."""
    base = {k: v for k, v in example.params.items() if k != "md_metadata"}
    try:
        # One Terraform run for all of them (``sweep``); the replan before it refreshed this state and found
        # nothing, so it is not read back from the emulator (-refresh=false).
        variants = {path: ({**changed, "md_metadata": example.params["md_metadata"]}, example.connections)
                    for path, changed in mutations(params_schema, base).items()}
        # A newer major is refused while apply_immediately is off (aws/cluster.py, a rule of the running cluster):
        # planned apart, so that the other variants are planned once.
        result.mutations, result.mutation_refusals = plan_variants(
            src, variants, region_of(example.connections), src.dir.parent / "sweep", apart=[P.database.engine_version.path])
        for path, changed in mutations(params_schema, base, immutable=REFUSED_AT_PLAN).items():
            src.configure({**changed, "md_metadata": example.params["md_metadata"]}, example.connections)
            try:
                result.immutable_refusals[path] = f"(planned: {src.plan_actions(label='immutable.plan', refresh=False)})"
            except TerraformError as exc:
                result.immutable_refusals[path] = str(exc)
    finally:
        src.configure(example.params, example.connections)


def _try_downgrade(src: Step, example: Example) -> str:
    """Plan a major downgrade of the deployed cluster: the plan must refuse it. Returns what it said."""
    current = int(example.params["database"]["engine_version"])
    older = {**example.params, "database": {**example.params["database"], "engine_version": str(current - 1)}}
    src.configure(older, example.connections)
    try:
        src.plan(label="downgrade.plan")
        return "(the downgrade was planned)"
    except TerraformError as exc:
        return str(exc)
    finally:
        src.configure(example.params, example.connections)


def _plan_without_first_subnet(src: Step, example: Example) -> dict[str, list[str]]:
    """What removing the subnet of the first zone from the vpc connection would do (planned only)."""
    kind = f"{example.params['networking']['subnet_type']}_subnets"
    vpc = json.loads(json.dumps(example.connections["vpc"]))
    vpc["data"]["infrastructure"][kind] = vpc["data"]["infrastructure"][kind][1:]
    src.configure(example.params, {**example.connections, "vpc": vpc})
    try:
        return _actions(src.plan(label="subnet.plan"))
    finally:
        src.configure(example.params, example.connections)


def run_preset(example: Example, bundle_root: Path, definitions: Path, endpoint: str, state_url: str, build_dir: Path,
               what_if: dict[str, Any] | None = None, broken_src: Path | None = None,
               interrupt: bool = False, mutate_with: dict[str, Any] | None = None,
               day2: tuple[str, Path] | None = None, network_of: tuple[str, list[str]] | None = None,
               previous_src: Path | None = None, kill: bool = False, nice: int = 0) -> PresetResult:
    """One example's life cycle.

    ``what_if``: params to plan (not apply) against the deployed cluster; ``broken_src``: a generated src whose
    artifact template is broken, to deploy once (it must fail); ``interrupt``: cancel the first src apply while the
    writer is being created, then deploy again; ``mutate_with``: the params schema, to plan every leaf param changed
    alone (``mutations``); ``day2``: (part, the emulator's timeline): run that part of the day-2 scenario
    (``day2.PARTS``); for the part that ``RESTORES``, restore a snapshot of the deployed cluster into a new package
    beside it; ``network_of``: the VPC and subnets exist already (that restore's case): neither create nor delete
    them; ``previous_src``: an older bundle version's generated src, deployed first (a package taking this version:
    ``bundle_upgrade``); ``kill``: SIGKILL the first src apply while the writer is being created, unlock the state,
    deploy again (``_kill_then_heal``); ``nice``: the package's Terraform runs at that lower CPU priority
    (``terraform.niced``)."""
    result = PresetResult(slug=example.slug)
    work = build_dir / "e2e" / example.slug
    shutil.rmtree(work, ignore_errors=True)
    lay_out_bundle(bundle_root, work, STEPS)
    write_schemas(bundle_root, work, definitions)
    plans = work / "plans"
    plans.mkdir()
    document = yaml.safe_load((bundle_root / "massdriver.yaml").read_text())
    name_prefix = example.params["md_metadata"]["name_prefix"]
    deployment = Deployment(package_name=name_prefix, bundle_name=document["name"],
                            bundle_version=str(document.get("version", "0.0.0")), state_url=state_url,
                            record=work / "massdriver-requests.jsonl")
    env = cli_environment(build_dir)
    steps = {name: Step(work, name, deployment, env, work / f"{name}.log", endpoint, nice) for name in STEPS}
    for step in steps.values():
        step.configure(example.params, example.connections)
    region = region_of(example.connections)
    network: tuple[str, list[str]] | None = None
    params = example.params  # what the package is deployed with now
    provider: ReattachedProvider | None = None
    shared: list[UnmanagedStandIn] = []  # the stand-ins the package's commands attach to
    restoring: tuple[Future[PresetResult], dict[str, Any], Example] | None = None  # the restored package, snapshot
    try:
        network = network_of or create_network(endpoint, example.connections)
        for step in steps.values():
            _init(step)
        binary = ReattachedProvider.installed(steps["src"].dir)
        if binary is not None:  # both steps' commands, one at a time; in src, where its relative paths point
            # Terraform sees the provider's schema for the types this package's configurations use: every step,
            # and the older or broken src it deploys (``schema_proxy``).
            used = types_used([step.dir for step in steps.values()] + [d for d in (previous_src, broken_src) if d])
            provider = ReattachedProvider(binary, steps["src"].provider_environment(), steps["src"].dir,
                                          work / "aws-provider.log", nice, keep_types=used).__enter__()
            random = UnmanagedStandIn("random", nice).__enter__()
            shared.append(random)
            for action in ACTIONS:  # src's massdriver stand-in reads the step and the action from its environment
                massdriver = UnmanagedStandIn("massdriver", nice, steps["src"].environment(action, attach=False),
                                              steps["src"].dir).__enter__()
                shared.append(massdriver)
                for name, step in steps.items():
                    step.attached[action] = reattach_environment(
                        provider.entry, random.entry, *([massdriver.entry] if name == "src" else []))
        for name, step in steps.items():
            if name == "src" and previous_src is not None:
                _deploy_previous_src(step, previous_src, bundle_root / "src", example)
            plan = step.plan()
            if name == "src" and previous_src is not None:
                result.bundle_upgrade = _actions(plan)
                result.bundle_upgrade_attributes = changed_attributes(plan)
            shutil.copy2(step.dir / "tfplan.json", plans / f"{name}.json")
            if name == "src":
                cluster = next(r for r in plan["planned_values"]["root_module"]["resources"]
                               if r["address"] == "aws_rds_cluster.main")
                result.identifier = cluster["values"]["cluster_identifier"]
            result.applied = True
            if name == "src" and interrupt:
                _interrupt_then_heal(step, result)
            elif name == "src" and kill:
                _kill_then_heal(step, result, lambda: cluster_members(endpoint, region, result.identifier),
                                lambda: leaked_iam(endpoint, region, result.identifier, steps["src"], delete=True))
            else:
                step.apply()
        result.first_deploy_warnings = check_warnings(steps["src"].log.read_text())
        if example.params["database"].get("snapshot_identifier"):
            # The AWS provider restores a snapshot without IAM authentication (it is not in its
            # RestoreDBClusterFromSnapshot call): the package's second deployment turns it on.
            result.second_deploy = changed_attributes(steps["src"].deploy_shown(label="second."))
            result.iam_after_second_deploy = bool(_client("rds", endpoint, region).describe_db_clusters(
                DBClusterIdentifier=result.identifier)["DBClusters"][0]["IAMDatabaseAuthenticationEnabled"])
        for name, step in steps.items():
            changes = step.changes()
            if changes:
                result.replan_changes[name] = changes
        read_requests(deployment.record, result.identifier, result)
        rds = _client("rds", endpoint, region)
        result.master_username = rds.describe_db_clusters(
            DBClusterIdentifier=result.identifier)["DBClusters"][0]["MasterUsername"]
        if mutate_with is not None:
            _mutate_each_param(steps["src"], example, mutate_with, result)
        if broken_src is not None:
            _try_broken_src(steps["src"], broken_src, result)
            result.after_minor_upgrade = _after_aws_minor_upgrade(steps["src"], endpoint, region, result.identifier)
            result.downgrade_error = _try_downgrade(steps["src"], example)
            result.subnet_removed = _plan_without_first_subnet(steps["src"], example)
        if day2 is not None and day2[0] == RESTORES and network is not None:
            # A snapshot of the deployed cluster, restored into a new package that lives beside this one's day-2
            # part and decommission (``_finish_restore`` joins it after the decommission): the two chains of
            # provider waits overlap instead of adding up.
            snapshot = _client("rds", endpoint, region).create_db_cluster_snapshot(
                DBClusterIdentifier=result.identifier, DBClusterSnapshotIdentifier=f"{result.identifier}-day2"
            )["DBClusterSnapshot"]
            restored_example = restore_example(example, params, snapshot["DBClusterSnapshotArn"])
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="restore")
            restoring = (pool.submit(run_preset, restored_example, bundle_root, definitions, endpoint, state_url,
                                     build_dir, network_of=network), snapshot, restored_example)
            pool.shutdown(wait=False)
        if day2 is not None and network is not None:
            subnets = network[1]

            def add_subnet() -> dict[str, Any]:
                vpc, subnet_id = added_subnet(endpoint, example.connections, example.params, subnets)
                subnets.append(subnet_id)
                return {**example.connections, "vpc": vpc}

            def window() -> None:
                maintenance_window(endpoint, region, result.identifier)

            def running_version() -> str:
                return str(_client("rds", endpoint, region).describe_db_clusters(
                    DBClusterIdentifier=result.identifier)["DBClusters"][0]["EngineVersion"])

            def scale_out() -> str:
                """A reader as AWS's autoscaling adds one (its name, the primary's class)."""
                rds = _client("rds", endpoint, region)
                cluster = rds.describe_db_clusters(DBClusterIdentifier=result.identifier)["DBClusters"][0]
                writer = next(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"])
                primary = rds.describe_db_instances(DBInstanceIdentifier=writer)["DBInstances"][0]
                name = f"{AUTOSCALED_READER_PREFIX}-{len(cluster['DBClusterMembers']):04d}{int(time.time()) % 10000:04d}"
                rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=result.identifier,
                                       Engine=cluster["Engine"], DBInstanceClass=primary["DBInstanceClass"],
                                       PromotionTier=15)
                return name

            def fail_over() -> str:
                return unplanned_failover(endpoint, region, result.identifier)

            part, timeline = day2
            result.day2 = run_day2(steps["src"], example, part, timeline, result.identifier, add_subnet, window,
                                   running_version, _engine_control(endpoint, region, result.identifier),
                                   scale_out, unplanned_failover=fail_over,
                                   members=lambda: cluster_members(endpoint, region, result.identifier))
            params = result.day2.params
        if what_if is not None:
            steps["src"].configure({**what_if, "md_metadata": example.params["md_metadata"]}, example.connections)
            result.what_if = _actions(steps["src"].plan(label="what-if"))
            steps["src"].configure(example.params, example.connections)
    except (TerraformError, OSError, KeyError, StopIteration, ValueError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    except Exception:
        result.error = traceback.format_exc()
    finally:
        def inspect() -> list[str]:
            if network is None or not result.identifier:
                return []
            return leftovers(endpoint, region, result.identifier, name_prefix, network[0])[0]

        try:
            _decommission(example, params, steps["src"], result, inspect)
            if restoring is not None:
                restore = _finish_restore(*restoring, _client("rds", endpoint, region))
                if result.day2 is not None:
                    result.day2.restore = restore
            if network is not None and network_of is None:
                if result.identifier:
                    result.leftovers, result.kept_key, result.final_snapshots = leftovers(
                        endpoint, region, result.identifier, name_prefix, network[0])
                    rds = _client("rds", endpoint, region)
                    for snapshot in result.final_snapshots:
                        rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snapshot)
                try:
                    delete_network(endpoint, example.connections, *network)
                except Exception as exc:
                    result.leftovers.append(f"vpc/subnets could not be deleted: {exc}")
            for name, step in steps.items():
                for label, seconds in step.timings.items():
                    result.timings[f"{name}.{label}"] = round(seconds, 1)
        finally:
            if provider is not None:
                provider.__exit__(None, None, None)
            for stand_in in shared:
                stand_in.__exit__()
    return result


def _finish_restore(future: Future[PresetResult], snapshot: dict[str, Any], restored_example: Example, rds: Any
                    ) -> Restore:
    """What the restored package (run beside its source's day-2 part and decommission) found; its snapshot deleted."""
    restored = future.result()
    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snapshot["DBClusterSnapshotIdentifier"])
    return Restore(snapshot_username=snapshot["MasterUsername"], username=restored.master_username,
                   error=restored.error, replan_changes=restored.replan_changes, leftovers=restored.leftovers,
                   second_deploy=restored.second_deploy, first_deploy_warnings=restored.first_deploy_warnings,
                   iam_after_second_deploy=restored.iam_after_second_deploy,
                   apply_immediately=restored_example.params["database"]["apply_immediately"])


def _decommission(example: Example, params: dict[str, Any], src: Step, result: PresetResult,
                  inspect: Callable[[], list[str]]) -> None:
    """As an operator would.

    With deletion protection on, and then with reader autoscaling on, a decommission must fail before it deletes
    anything (``inspect`` lists what still exists); each time the documented way through follows: the switch off,
    deploy, decommission again (src only: the kms step has ``skip_on_delete``, Massdriver keeps the key)."""
    if not result.applied:
        return

    def refused(label: str) -> tuple[str, list[str]]:
        try:
            src.deploy("decommission", label=f"{label}.decommission.")
            return "(the decommission succeeded)", inspect()
        except TerraformError as exc:
            return str(exc), inspect()

    try:
        if params["database"]["deletion_protection"]:
            result.protected_decommission_error, result.left_after_protected_decommission = refused("protected")
            params = {**params, "database": {**params["database"], "deletion_protection": False}}
            src.configure(params, example.connections)
            src.deploy(label="unprotect.")
        if params["scaling"]["autoscaling"]["mode"] != "disabled":
            result.autoscaled_decommission_error, result.left_after_autoscaled_decommission = refused("autoscaled")
            # The runbook: minimum and maximum to 0 (AWS removes the readers it added), then autoscaling off.
            drained = {**params["scaling"]["autoscaling"], "min_readers": 0, "max_readers": 0}
            params = {**params, "scaling": {**params["scaling"], "autoscaling": drained}}
            src.configure(params, example.connections)
            src.deploy(label="drain.")
            params = {**params, "scaling": {**params["scaling"], "autoscaling": {**drained, "mode": "disabled"}}}
            src.configure(params, example.connections)
            src.deploy(label="autoscaling-off.")
        if any(x.startswith(f"rds instance {AUTOSCALED_READER_PREFIX}-") for x in inspect()):
            # AWS's readers left after autoscaling was turned off: refused; the runbook: autoscaling on with
            # minimum and maximum 0 (AWS removes them), then off again.
            result.readers_left_decommission_error, result.left_after_readers_left_decommission = refused("readers-left")
            drained = {**params["scaling"]["autoscaling"], "mode": "cpu", "min_readers": 0, "max_readers": 0}
            params = {**params, "scaling": {**params["scaling"], "autoscaling": drained}}
            src.configure(params, example.connections)
            src.deploy(label="drain-left.")
            params = {**params, "scaling": {**params["scaling"], "autoscaling": {**drained, "mode": "disabled"}}}
            src.configure(params, example.connections)
            src.deploy(label="autoscaling-off-left.")
        src.deploy("decommission", label="decommission.")
    except TerraformError as exc:
        result.error = (result.error + "\n" if result.error else "") + str(exc)


def _report_done(on_done: Callable[[str, PresetResult], None], slug: str, done: Future[PresetResult]) -> None:
    """``on_done`` for a package that ended with its result; one that raised is reported by ``run_all`` itself."""
    if done.exception() is None:
        on_done(slug, done.result())


def run_all(examples: list[Example], bundle_root: Path, definitions: Path, endpoint: str, state_url: str,
            build_dir: Path, what_if: dict[str, dict[str, Any]] | None = None,
            broken_src: dict[str, Path] | None = None, interrupt: frozenset[str] = frozenset(),
            mutate: frozenset[str] = frozenset(), params_schema: dict[str, Any] | None = None,
            day2: dict[str, tuple[str, Path]] | None = None, previous_src: dict[str, Path] | None = None,
            kill: frozenset[str] = frozenset(), background: frozenset[str] = frozenset(),
            on_done: Callable[[str, PresetResult], None] | None = None) -> dict[str, PresetResult]:
    """Every example's life cycle, all packages at once.

    ``day2``: slug -> (part, the emulator's timeline), for the examples that run the day-2 scenario; ``previous_src``:
    slug -> an older bundle version's src, to deploy before this one; ``background``: the examples whose Terraform
    runs at a lower CPU priority (``terraform.niced``); ``on_done``: called with each example's slug and result as soon
    as its package is decommissioned (from that package's thread), while the others still run.

    Every package runs at once (each mostly waits on the provider's 10-30 s polls), at the same priority: once the
    schema proxy took a quarter of the suite's CPU away, the packages that ran niced
    (all but the day-2 ones and Production) became the last to finish (Production Serverless's chain: 826 s against
    743 s at most for the others, 2026-12-07). The day-2 ones are submitted first (they take the lock ``init``
    needs first, when there is one)."""
    what_if, broken_src = what_if or {}, broken_src or {}
    examples = sorted(examples, key=lambda ex: ex.slug not in (day2 or {}))
    with ThreadPoolExecutor(max_workers=max(len(examples), 1)) as pool:
        futures = {ex.slug: pool.submit(run_preset, ex, bundle_root, definitions, endpoint, state_url, build_dir,
                                        what_if.get(ex.slug), broken_src.get(ex.slug), ex.slug in interrupt,
                                        params_schema if ex.slug in mutate else None, (day2 or {}).get(ex.slug),
                                        previous_src=(previous_src or {}).get(ex.slug), kill=ex.slug in kill,
                                        nice=10 if ex.slug in background else 0)
                   for ex in examples}
        if on_done is not None:
            for slug, future in futures.items():
                future.add_done_callback(functools.partial(_report_done, on_done, slug))
        return {slug: future.result() for slug, future in futures.items()}
