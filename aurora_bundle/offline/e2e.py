"""The offline proof: every example input set through the full Terraform life cycle in the emulator.

Per preset, in its own working directories under ``build/e2e/<preset>/``: create in the emulator
the VPC and subnets its vpc connection names (with those exact IDs), then for the kms step and the
src step: init, validate, plan (kept as JSON in ``build/plans/``), apply; plan both again (must
be clean); read the artifact payloads and alarm registrations (``build/artifacts/<preset>/``);
destroy src then kms; list what is left in the emulator. Presets run concurrently: the time is
almost all the provider polling, not CPU.
"""

from __future__ import annotations

import json
import shutil
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from aurora_bundle.offline.terraform import Terraform, TerraformError, cli_environment
from aurora_bundle.spec import Example

ACCOUNT = "123456789012"
CUSTOM_ID_TAG = "_custom_id_"  # honoured by the emulator for VPCs and subnets
STEPS = ("kms", "src")
# Concurrent `terraform init`s race to fill an empty plugin cache ("file exists") when there is no mirror: one at a time.
_INIT_LOCK = threading.Lock()


@dataclass
class PresetResult:
    slug: str
    identifier: str = ""
    applied: bool = False
    replan_changes: dict[str, list[str]] = field(default_factory=dict)  # step -> changed resources
    artifacts: dict[str, Any] = field(default_factory=dict)  # field -> payload
    artifact_names: dict[str, str] = field(default_factory=dict)
    alarms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)
    final_snapshots: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    what_if: dict[str, list[str]] = field(default_factory=dict)  # address -> actions, for changed params
    error: str | None = None


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


def delete_network(endpoint: str, connections: dict[str, Any], vpc_id: str, subnet_ids: list[str]) -> None:
    ec2 = _client("ec2", endpoint, region_of(connections))
    for subnet_id in subnet_ids:
        ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)


def leftovers(endpoint: str, region: str, identifier: str, name_prefix: str, vpc_id: str) -> tuple[list[str], list[str]]:
    """What the bundle created that still exists (should be nothing), and final snapshots kept."""
    rds = _client("rds", endpoint, region)
    left = [f"rds cluster {c['DBClusterIdentifier']}" for c in rds.describe_db_clusters()["DBClusters"]
            if c["DBClusterIdentifier"].startswith(identifier)]
    left += [f"rds instance {i['DBInstanceIdentifier']}" for i in rds.describe_db_instances()["DBInstances"]
             if i["DBInstanceIdentifier"].startswith(identifier)]
    left += [f"cluster parameter group {g['DBClusterParameterGroupName']}"
             for g in rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
             if g["DBClusterParameterGroupName"].startswith(identifier)]
    left += [f"parameter group {g['DBParameterGroupName']}" for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
             if g["DBParameterGroupName"].startswith(identifier)]
    left += [f"subnet group {g['DBSubnetGroupName']}" for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
             if g["DBSubnetGroupName"].startswith(identifier)]
    ec2 = _client("ec2", endpoint, region)
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    left += [f"security group {g['GroupId']}" for g in groups if g["GroupName"] != "default"]
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
    for alias in kms.list_aliases()["Aliases"]:
        if alias["AliasName"] == f"alias/{name_prefix}-aurora":
            left.append(f"kms alias {alias['AliasName']}")
    snapshots = [s["DBClusterSnapshotIdentifier"] for s in rds.describe_db_cluster_snapshots()["DBClusterSnapshots"]
                 if s["DBClusterSnapshotIdentifier"].startswith(f"{identifier}-final-")]
    return left, snapshots


def _changed_resources(plan: dict[str, Any]) -> list[str]:
    return [f"{rc['address']}: {'/'.join(rc['change']['actions'])}" for rc in plan.get("resource_changes", [])
            if rc["change"]["actions"] not in (["no-op"], ["read"])]


def _actions(plan: dict[str, Any]) -> dict[str, list[str]]:
    return {rc["address"]: rc["change"]["actions"] for rc in plan.get("resource_changes", [])
            if rc["change"]["actions"] not in (["no-op"], ["read"])}


def run_preset(example: Example, offline_dir: Path, endpoint: str, build_dir: Path,
               what_if: dict[str, Any] | None = None) -> PresetResult:
    """Run one example's life cycle. ``what_if``: params to plan (not apply) against the deployed
    cluster, to see what a user's change would do to each resource."""
    result = PresetResult(slug=example.slug)
    work = build_dir / "e2e" / example.slug
    shutil.rmtree(work, ignore_errors=True)
    plans = build_dir / "plans"
    artifacts_dir = build_dir / "artifacts" / example.slug
    plans.mkdir(parents=True, exist_ok=True)
    artifacts_dir.mkdir(parents=True, exist_ok=True)
    env = cli_environment(build_dir)
    region = region_of(example.connections)
    name_prefix = example.params["md_metadata"]["name_prefix"]
    secrets = {"offline": {"endpoint": endpoint, "root_username": "root" + example.slug.replace("-", "")[:10],
                           "root_password": f"Offline-{example.slug}-Pa55word!", "snapshot_suffix": "e2e1"}}
    tf: dict[str, Terraform] = {}
    for step in STEPS:
        shutil.copytree(offline_dir / step, work / step)
        (work / step / "params.auto.tfvars.json").write_text(json.dumps(example.params))
        (work / step / "connections.auto.tfvars.json").write_text(json.dumps(example.connections))
        (work / step / "offline.auto.tfvars.json").write_text(json.dumps(secrets))
        tf[step] = Terraform(work / step, env, work / f"{step}.log")
    network: tuple[str, list[str]] | None = None
    try:
        network = create_network(endpoint, example.connections)
        for step in STEPS:
            with _INIT_LOCK:
                tf[step].run("init", "-input=false", timeout=300)
            tf[step].run("validate")
            tf[step].run("plan", "-input=false", "-out=tfplan", timeout=600)
            plan = tf[step].show_json("tfplan")
            name = f"{example.slug}.json" if step == "src" else f"{example.slug}-{step}.json"
            (plans / name).write_text(json.dumps(plan, indent=1, sort_keys=True))
            if step == "src":
                cluster = next(r for r in plan["planned_values"]["root_module"]["resources"]
                               if r["address"] == "aws_rds_cluster.main")
                result.identifier = cluster["values"]["cluster_identifier"]
            result.applied = True
            tf[step].run("apply", "-input=false", "tfplan", timeout=1800)
        for step in STEPS:
            tf[step].run("plan", "-input=false", "-detailed-exitcode", "-out=replan", ok_codes=(0, 2), timeout=600,
                         label="replan")
            changes = _changed_resources(tf[step].show_json("replan"))
            if changes:
                result.replan_changes[step] = changes
        outputs = tf["src"].outputs()
        for key, value in sorted(outputs.items()):
            if key.startswith("artifact_"):
                payload = json.loads(value["resource"])
                result.artifacts[value["field"]] = payload
                result.artifact_names[value["field"]] = value["name"]
                (artifacts_dir / f"{value['field']}.json").write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
            elif key.startswith("alarm_"):
                result.alarms[key.removeprefix("alarm_")] = value
        (artifacts_dir / "alarms.json").write_text(json.dumps(result.alarms, indent=2, sort_keys=True) + "\n")
        if what_if is not None:
            (work / "src" / "what-if.json").write_text(json.dumps(what_if))
            tf["src"].run("plan", "-input=false", "-var-file=what-if.json", "-out=what-if", timeout=600, label="what-if")
            result.what_if = _actions(tf["src"].show_json("what-if"))
    except (TerraformError, OSError, KeyError, StopIteration, ValueError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    except Exception:
        result.error = traceback.format_exc()
    finally:
        if result.applied and example.params["database"]["deletion_protection"]:
            # Decommissioning as an operator would: turn deletion protection off and deploy first.
            try:
                decommission = {"database": {**example.params["database"], "deletion_protection": False}}
                (work / "src" / "decommission.json").write_text(json.dumps(decommission))
                tf["src"].run("apply", "-input=false", "-auto-approve", "-var-file=decommission.json", timeout=1800,
                              label="unprotect")
            except TerraformError as exc:
                result.error = (result.error + "\n" if result.error else "") + str(exc)
        if result.applied:
            for step in reversed(STEPS):
                try:
                    tf[step].run("destroy", "-input=false", "-auto-approve", timeout=1800)
                except TerraformError as exc:
                    result.error = (result.error + "\n" if result.error else "") + str(exc)
        if network is not None:
            if result.identifier:
                result.leftovers, result.final_snapshots = leftovers(
                    endpoint, region, result.identifier, name_prefix, network[0])
                rds = _client("rds", endpoint, region)
                for snapshot in result.final_snapshots:
                    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snapshot)
            try:
                delete_network(endpoint, example.connections, *network)
            except Exception as exc:
                result.leftovers.append(f"vpc/subnets could not be deleted: {exc}")
        for step in STEPS:
            for name, seconds in tf[step].timings.items():
                result.timings[f"{step}.{name}"] = round(seconds, 1)
    return result


def run_all(examples: list[Example], offline_dir: Path, endpoint: str, build_dir: Path,
            what_if: dict[str, dict[str, Any]] | None = None, parallel: int = 4) -> dict[str, PresetResult]:
    what_if = what_if or {}
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {ex.slug: pool.submit(run_preset, ex, offline_dir, endpoint, build_dir, what_if.get(ex.slug))
                   for ex in examples}
        return {slug: future.result() for slug, future in futures.items()}
