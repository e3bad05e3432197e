"""The AWS emulator the offline proof runs against: loopback only, always stopped, its patches in effect."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import boto3
import pytest

from proof.emulator import CUSTOM_ID_TAG, emulator_environment
from proof.emulator.process import Emulator
from tests.conftest import ROOT


def client(svc: str, ep: str):
    return boto3.client(svc, endpoint_url=ep, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # zombie?
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


pytestmark = pytest.mark.offline


@pytest.fixture(scope="module")
def emu():
    with Emulator() as e:
        yield e


def test_endpoint_and_endpoints(emu: Emulator) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", emu.endpoint)
    assert emulator_environment(emu.endpoint) == {"AWS_ENDPOINT_URL": emu.endpoint}
    port = int(emu.endpoint.rsplit(":", 1)[1])
    if shutil.which("ss") is None:
        return  # cannot list sockets here; the CLI test below still shows only 127.0.0.1 is accepted
    out = subprocess.run(["ss", "-ltnp"], capture_output=True, text=True).stdout
    lines = [line for line in out.splitlines() if f":{port} " in line]
    assert lines and all("127.0.0.1:" in line for line in lines), lines


def test_appautoscaling_tags(emu: Emulator) -> None:
    aas = client("application-autoscaling", emu.endpoint)
    aas.register_scalable_target(ServiceNamespace="rds", ResourceId="cluster:x",
                                 ScalableDimension="rds:cluster:ReadReplicaCount",
                                 MinCapacity=1, MaxCapacity=3, Tags={"a": "1"})
    arn = aas.describe_scalable_targets(ServiceNamespace="rds")["ScalableTargets"][0]["ScalableTargetARN"]
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"a": "1"}
    aas.tag_resource(ResourceARN=arn, Tags={"b": "2"})
    aas.untag_resource(ResourceARN=arn, TagKeys=["a"])
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"b": "2"}
    aas.deregister_scalable_target(ServiceNamespace="rds", ResourceId="cluster:x",
                                   ScalableDimension="rds:cluster:ReadReplicaCount")
    with pytest.raises(aas.exceptions.ResourceNotFoundException):
        aas.list_tags_for_resource(ResourceARN=arn)


def test_parameters_source_and_reset(emu: Emulator) -> None:
    rds = client("rds", emu.endpoint)
    rds.create_db_parameter_group(DBParameterGroupName="pg1", DBParameterGroupFamily="aurora-postgresql16",
                                  Description="d")
    rds.modify_db_parameter_group(DBParameterGroupName="pg1", Parameters=[
        {"ParameterName": "a", "ParameterValue": "1", "ApplyMethod": "immediate"},
        {"ParameterName": "b", "ParameterValue": "2", "ApplyMethod": "immediate"}])
    ps = rds.describe_db_parameters(DBParameterGroupName="pg1")["Parameters"]
    assert {p["ParameterName"]: p.get("Source") for p in ps} == {"a": "user", "b": "user"}
    rds.reset_db_parameter_group(DBParameterGroupName="pg1", Parameters=[
        {"ParameterName": "a", "ApplyMethod": "immediate"}])
    assert [p["ParameterName"] for p in rds.describe_db_parameters(DBParameterGroupName="pg1")["Parameters"]] == ["b"]
    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="cpg1",
                                          DBParameterGroupFamily="aurora-postgresql16", Description="d")
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="cpg1", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "pending-reboot"}])
    ps = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="cpg1")["Parameters"]
    assert ps[0]["Source"] == "user"
    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName="cpg1", ResetAllParameters=True)
    assert rds.describe_db_cluster_parameters(DBClusterParameterGroupName="cpg1")["Parameters"] == []
    with pytest.raises(rds.exceptions.DBParameterGroupNotFoundFault):
        rds.reset_db_parameter_group(DBParameterGroupName="nope", ResetAllParameters=True)


def test_cluster_and_instances(emu: Emulator) -> None:
    rds = client("rds", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="c1", Engine="aurora-postgresql", EngineVersion="16",
                          MasterUsername="u", MasterUserPassword="password1", StorageType="aurora-iopt1",
                          ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 4,
                                                            "SecondsUntilAutoPause": 3600})
    c = rds.describe_db_clusters(DBClusterIdentifier="c1")["DBClusters"][0]
    assert "ScalingConfigurationInfo" not in c
    assert c["StorageType"] == "aurora-iopt1"
    assert c["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.0, "MaxCapacity": 4.0,
                                                     "SecondsUntilAutoPause": 3600}
    rds.create_db_instance(DBInstanceIdentifier="i1", DBClusterIdentifier="c1", Engine="aurora-postgresql",
                           DBInstanceClass="db.serverless", EnablePerformanceInsights=True,
                           PerformanceInsightsKMSKeyId="arn:aws:kms:us-east-1:123456789012:key/k",
                           PerformanceInsightsRetentionPeriod=7)
    rds.create_db_instance(DBInstanceIdentifier="i2", DBClusterIdentifier="c1", Engine="aurora-postgresql",
                           DBInstanceClass="db.serverless")
    i1 = rds.describe_db_instances(DBInstanceIdentifier="i1")["DBInstances"][0]
    i2 = rds.describe_db_instances(DBInstanceIdentifier="i2")["DBInstances"][0]
    assert (i1["PerformanceInsightsEnabled"], i1["PerformanceInsightsKMSKeyId"],
            i1["PerformanceInsightsRetentionPeriod"]) == (True, "arn:aws:kms:us-east-1:123456789012:key/k", 7)
    assert i2["PerformanceInsightsEnabled"] is False and "PerformanceInsightsRetentionPeriod" not in i2
    rds.modify_db_instance(DBInstanceIdentifier="i1", EnablePerformanceInsights=False, ApplyImmediately=True)
    assert rds.describe_db_instances(DBInstanceIdentifier="i1")["DBInstances"][0]["PerformanceInsightsEnabled"] is False
    rds.modify_db_instance(DBInstanceIdentifier="i2", EnablePerformanceInsights=True,
                           PerformanceInsightsRetentionPeriod=731, ApplyImmediately=True)
    i2 = rds.describe_db_instances(DBInstanceIdentifier="i2")["DBInstances"][0]
    assert i2["PerformanceInsightsRetentionPeriod"] == 731 and i2["PerformanceInsightsKMSKeyId"]
    rds.modify_db_cluster(DBClusterIdentifier="c1", EngineVersion="16.11", ApplyImmediately=True)
    assert rds.describe_db_clusters(DBClusterIdentifier="c1")["DBClusters"][0]["EngineVersion"] == "16.11"
    assert rds.describe_db_instances(DBInstanceIdentifier="i1")["DBInstances"][0]["EngineVersion"] == "16.11"


def test_managed_policy(emu: Emulator) -> None:
    iam = client("iam", emu.endpoint)
    iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")


def test_concurrent_requests(emu: Emulator) -> None:
    from concurrent.futures import ThreadPoolExecutor
    ec2 = client("ec2", emu.endpoint)

    def work(i: int) -> int:
        c = client("ec2", emu.endpoint)
        c.create_security_group(GroupName=f"g{i}", Description="d")
        return len(c.describe_security_groups()["SecurityGroups"])

    with ThreadPoolExecutor(16) as pool:
        assert all(n > 0 for n in pool.map(work, range(64)))
    assert len(ec2.describe_security_groups()["SecurityGroups"]) >= 64


def test_stop_idempotent_and_kills() -> None:
    e = Emulator().start()
    pid = e.pid
    assert pid and alive(pid)
    t = time.monotonic()
    e.stop()
    assert time.monotonic() - t < 5
    assert not alive(pid)
    e.stop()
    with pytest.raises(RuntimeError):
        _ = e.endpoint


def test_startup_failure_reports_stderr(emu: Emulator) -> None:
    port = int(emu.endpoint.rsplit(":", 1)[1])
    with pytest.raises(RuntimeError, match="Address already in use"):
        Emulator(port=port).start()


def test_exception_inside_with_still_stops() -> None:
    pid = None
    with pytest.raises(ZeroDivisionError), Emulator() as e:
        pid = e.pid
        raise ZeroDivisionError
    assert pid and not alive(pid)


def test_parent_death_stops_child() -> None:
    code = textwrap.dedent("""
        import os, sys
        sys.path.insert(0, sys.argv[1])
        from proof.emulator.process import Emulator
        e = Emulator().start()
        print(e.pid, flush=True)
        os._exit(0)
    """)
    out = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True, text=True, timeout=90)
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


def test_cli_rejects_other_hosts() -> None:
    r = subprocess.run([sys.executable, "-m", "proof.emulator", "--host", "0.0.0.0"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_cli_ready_line_and_sigterm() -> None:
    p = subprocess.Popen([sys.executable, "-m", "proof.emulator", "--port", "0"],
                         cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    assert re.fullmatch(r"EMULATOR_READY http://127\.0\.0\.1:\d+\n", line)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0
    assert p.stdout.read() == ""


def test_default_ca(emu: Emulator) -> None:
    rds = client("rds", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="c2", Engine="aurora-postgresql", MasterUsername="u",
                          MasterUserPassword="password1")
    a = rds.create_db_instance(DBInstanceIdentifier="ca1", DBClusterIdentifier="c2", Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large")["DBInstance"]
    b = rds.create_db_instance(DBInstanceIdentifier="ca2", DBClusterIdentifier="c2", Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large", CACertificateIdentifier="rds-ca-ecc384-g1")["DBInstance"]
    assert a["CACertificateIdentifier"] == "rds-ca-rsa2048-g1"
    assert b["CACertificateIdentifier"] == "rds-ca-ecc384-g1"


def test_vpc_and_subnet_take_the_ids_the_connection_names(emu: Emulator) -> None:
    ec2 = client("ec2", emu.endpoint)
    tag = lambda kind, value: [{"ResourceType": kind, "Tags": [{"Key": CUSTOM_ID_TAG, "Value": value}]}]  # noqa: E731
    ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=tag("vpc", "vpc-0123456789abcdef0"))
    ec2.create_subnet(VpcId="vpc-0123456789abcdef0", CidrBlock="10.9.1.0/24", AvailabilityZone="us-east-1a",
                      TagSpecifications=tag("subnet", "subnet-0123456789abcdef0"))
    subnet = ec2.describe_subnets(SubnetIds=["subnet-0123456789abcdef0"])["Subnets"][0]
    assert subnet["VpcId"] == "vpc-0123456789abcdef0"
    other = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    assert other != "vpc-0123456789abcdef0"  # untagged creations still get random ids


def test_instances_take_time_fail_over_and_are_logged(tmp_path) -> None:
    """What the day-2 availability check relies on: a new or restarted instance is unavailable for a
    while, a class change not applied immediately stays pending, deleting the writer promotes the
    available member with the lowest tier, and the timeline shows each step."""
    from proof.availability import assess, read_timeline

    timeline = tmp_path / "timeline.jsonl"
    with Emulator(timeline=timeline) as running:
        rds = client("rds", running.endpoint)
        rds.create_db_cluster(DBClusterIdentifier="c1", Engine="aurora-postgresql", MasterUsername="root1",
                              MasterUserPassword="x" * 20)
        for name, tier in (("w", 0), ("r1", 1), ("r2", 1)):
            rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="c1", Engine="aurora-postgresql",
                                   DBInstanceClass="db.r7g.large", PromotionTier=tier)
        assert rds.describe_db_instances(DBInstanceIdentifier="r1")["DBInstances"][0]["DBInstanceStatus"] == "creating"
        time.sleep(3.2)
        rds.modify_db_instance(DBInstanceIdentifier="r2", DBInstanceClass="db.r7g.xlarge", ApplyImmediately=False)
        r2 = rds.describe_db_instances(DBInstanceIdentifier="r2")["DBInstances"][0]
        assert (r2["DBInstanceClass"], r2["PendingModifiedValues"]) == ("db.r7g.large", {"DBInstanceClass": "db.r7g.xlarge"})
        rds.modify_db_instance(DBInstanceIdentifier="r1", DBInstanceClass="db.r7g.xlarge", ApplyImmediately=True)
        assert rds.describe_db_instances(DBInstanceIdentifier="r1")["DBInstances"][0]["DBInstanceStatus"] == "modifying"
        rds.delete_db_instance(DBInstanceIdentifier="w", SkipFinalSnapshot=True)
        members = rds.describe_db_clusters(DBClusterIdentifier="c1")["DBClusters"][0]["DBClusterMembers"]
        assert {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in members} == {"r1": False, "r2": True}
    seen = assess(read_timeline(timeline, "c1", 0, time.time()))
    assert seen.writers == ["w", "r2"] and seen.no_writer == ["create w", "create r1", "create r2"]
    assert seen.no_reader == ["create r1", "create r2", "delete w"]  # r1 is still restarting when r2 takes over


def test_a_subnet_group_keeps_existing_after_its_subnets_change(emu: Emulator) -> None:
    ec2, rds = client("ec2", emu.endpoint), client("rds", emu.endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]
               ["SubnetId"] for i, z in enumerate("abc")]
    rds.create_db_subnet_group(DBSubnetGroupName="g1", DBSubnetGroupDescription="d", SubnetIds=subnets[:2])
    rds.modify_db_subnet_group(DBSubnetGroupName="g1", SubnetIds=subnets)
    group = rds.describe_db_subnet_groups(DBSubnetGroupName="g1")["DBSubnetGroups"][0]
    assert sorted(s["SubnetIdentifier"] for s in group["Subnets"]) == sorted(subnets)


def test_a_restore_takes_the_requests_settings_and_a_snapshot_arn(emu: Emulator) -> None:
    rds = client("rds", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="src1", Engine="aurora-postgresql", MasterUsername="rootsrc",
                          MasterUserPassword="x" * 20, DeletionProtection=True)
    arn = rds.create_db_cluster_snapshot(DBClusterIdentifier="src1", DBClusterSnapshotIdentifier="snap1")[
        "DBClusterSnapshot"]["DBClusterSnapshotArn"]
    rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="restored1", SnapshotIdentifier=arn,
                                         Engine="aurora-postgresql", DeletionProtection=False,
                                         EnableIAMDatabaseAuthentication=True)
    restored = rds.describe_db_clusters(DBClusterIdentifier="restored1")["DBClusters"][0]
    assert (restored["DeletionProtection"], restored["IAMDatabaseAuthenticationEnabled"]) == (False, True)
    assert restored["MasterUsername"] == "rootsrc"


def test_iam_authentication_can_be_turned_on_and_off(emu: Emulator) -> None:
    rds = client("rds", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="iam1", Engine="aurora-postgresql", MasterUsername="rootiam",
                          MasterUserPassword="x" * 20)
    for wanted in (True, False):
        rds.modify_db_cluster(DBClusterIdentifier="iam1", EnableIAMDatabaseAuthentication=wanted, ApplyImmediately=True)
        cluster = rds.describe_db_clusters(DBClusterIdentifier="iam1")["DBClusters"][0]
        assert cluster["IAMDatabaseAuthenticationEnabled"] is wanted


def test_a_major_upgrade_not_applied_immediately_waits_for_the_window(emu: Emulator) -> None:
    """AWS keeps the engine version of a major upgrade for the maintenance window when it is not applied
    immediately (documented: ``--no-apply-immediately``): the cluster runs its version and reports the new
    one as pending; the old family's cluster group stays in use (its deletion is refused) until the window
    (here: ModifyDBCluster with ApplyImmediately, which applies pending modifications). The same request
    with the new DBInstanceParameterGroupName is refused: that group's changes "are applied immediately
    rather than during the next maintenance window" and it must be "in the same DB parameter group family as
    this DB cluster" (RDS API reference, ModifyDBCluster), and no pending field holds a parameter group
    (ClusterPendingModifiedValues): the emulator models the reading hardest on the bundle (patches/rds_engine.py)."""
    from botocore.exceptions import ClientError

    rds = client("rds", emu.endpoint)
    for major in ("16", "17"):
        rds.create_db_cluster_parameter_group(DBClusterParameterGroupName=f"win-c{major}", Description="d",
                                              DBParameterGroupFamily=f"aurora-postgresql{major}")
        rds.create_db_parameter_group(DBParameterGroupName=f"win-i{major}", Description="d",
                                      DBParameterGroupFamily=f"aurora-postgresql{major}")
    rds.create_db_cluster(DBClusterIdentifier="win1", Engine="aurora-postgresql", EngineVersion="16.13",
                          MasterUsername="rootwin", MasterUserPassword="x" * 20,
                          DBClusterParameterGroupName="win-c16")
    rds.create_db_instance(DBInstanceIdentifier="win1-w", DBClusterIdentifier="win1", Engine="aurora-postgresql",
                           DBInstanceClass="db.r7g.large", DBParameterGroupName="win-i16")

    def state() -> tuple[str, object, str, str]:
        cluster = rds.describe_db_clusters(DBClusterIdentifier="win1")["DBClusters"][0]
        instance = rds.describe_db_instances(DBInstanceIdentifier="win1-w")["DBInstances"][0]
        return (cluster["EngineVersion"], cluster.get("PendingModifiedValues"), cluster["DBClusterParameterGroup"],
                instance["DBParameterGroups"][0]["DBParameterGroupName"])

    with pytest.raises(ClientError) as refused:
        rds.modify_db_cluster(DBClusterIdentifier="win1", EngineVersion="17.9", AllowMajorVersionUpgrade=True,
                              DBClusterParameterGroupName="win-c17", DBInstanceParameterGroupName="win-i17",
                              ApplyImmediately=False)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert state() == ("16.13", None, "win-c16", "win-i16")
    for _ in range(2):  # the provider sends the pending version again with every later modification
        rds.modify_db_cluster(DBClusterIdentifier="win1", EngineVersion="17.9", AllowMajorVersionUpgrade=True,
                              DBClusterParameterGroupName="win-c17", ApplyImmediately=False)
        assert state() == ("16.13", {"EngineVersion": "17.9"}, "win-c17", "win-i16")
    with pytest.raises(ClientError, match="InvalidDBParameterGroupState"):
        rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="win-c16")
    rds.modify_db_cluster(DBClusterIdentifier="win1", ApplyImmediately=True)  # the window
    assert state() == ("17.9", None, "win-c17", "win-i16")
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="win-c16")
    with pytest.raises(ClientError, match="InvalidDBParameterGroupState"):
        rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="win-c17")


def _versions(rds, **kwargs) -> list[dict]:
    return rds.describe_db_engine_versions(Engine="aurora-postgresql", **kwargs)["DBEngineVersions"]


def _newest_by_create_time(versions: list[dict]) -> str:
    """What data.aws_rds_engine_version with latest = true picks (terraform-provider-aws 5.100,
    internal/service/rds/engine_version_data_source.go, sortEngineVersions: CreateTime first)."""
    return max(versions, key=lambda v: v["CreateTime"])["EngineVersion"]


def test_engine_versions_list_limitless_builds_newest_by_creation_time(emu: Emulator) -> None:
    """describe-db-engine-versions --engine aurora-postgresql lists 16.4-limitless ... 16.13-limitless (quoted in
    aws-cdk PRs #34446, #35430, #38053); "16" matches them at the dot boundary, and the newest by CreateTime is
    one of them, so `latest = true` is handed a Limitless build. Several standard minors per major, released in
    order; DefaultOnly answers a standard build."""
    from aurora_bundle.inputs.engine import MAJORS

    rds = client("rds", emu.endpoint)
    sixteen = _versions(rds, EngineVersion="16")
    limitless = [v["EngineVersion"] for v in sixteen if v["SupportsLimitlessDatabase"]]
    assert limitless == [f"16.{m}-limitless" for m in range(4, 14)]
    assert _newest_by_create_time(sixteen) == "16.13-limitless"
    for major, info in MAJORS.items():
        standard = [v for v in _versions(rds, EngineVersion=major) if not v["SupportsLimitlessDatabase"]]
        assert len(standard) >= 3 and standard[0]["EngineVersion"] == info.latest_minor, major
        times = [v["CreateTime"] for v in standard]
        assert times == sorted(times, reverse=True), major  # newest minor, newest release
        (default,) = _versions(rds, EngineVersion=major, DefaultOnly=True)
        assert re.fullmatch(rf"{major}\.\d+", default["EngineVersion"]) and not default["SupportsLimitlessDatabase"]
    assert _versions(rds, EngineVersion="16.1") == []  # no 16.1 here, and "16.1" does not match "16.13"


def test_upgrade_targets_depend_on_the_running_minor(emu: Emulator) -> None:
    """AWS allows a major upgrade only to a version listed in the running version's ValidUpgradeTarget with
    IsMajorVersionUpgrade (AuroraUserGuide, USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html); a target is
    never older than its source ("Cannot upgrade aurora-postgresql from 12.11 to 13.6",
    terraform-aws-modules/terraform-aws-rds-aurora#308). An older minor lists only older targets of the next
    major, and one released before the next major lists none. Minor targets: newer minors of the same kind."""
    rds = client("rds", emu.endpoint)

    def targets(version: str, major: bool) -> list[str]:
        (found,) = [v for v in _versions(rds, EngineVersion=version) if v["EngineVersion"] == version]
        return sorted((t["EngineVersion"] for t in found["ValidUpgradeTarget"] if t["IsMajorVersionUpgrade"] is major),
                      key=lambda v: int(v.split(".")[1].removesuffix("-limitless")), reverse=True)

    assert targets("16.13", major=True) == ["17.9"]
    assert targets("16.8", major=True) == ["17.7", "17.6", "17.5", "17.4"]  # not 17.9, the newest 17
    assert targets("16.5", major=True) == ["17.4"]
    assert targets("16.4", major=True) == []
    assert targets("16.11", major=False) == ["16.13", "16.12"]
    assert targets("16.11-limitless", major=False) == ["16.13-limitless", "16.12-limitless"]
    assert targets("16.11-limitless", major=True) == []


def test_an_upgrade_to_a_version_not_listed_for_the_running_one_is_refused(emu: Emulator) -> None:
    """ModifyDBCluster to an EngineVersion the running version does not list: InvalidParameterCombination,
    "Cannot upgrade aurora-postgresql from 16.8 to 17.9" (the message of terraform-aws-rds-aurora#308), and the
    cluster keeps running its version; a listed target is accepted."""
    from botocore.exceptions import ClientError

    rds = client("rds", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="up1", Engine="aurora-postgresql", EngineVersion="16.8",
                          MasterUsername="rootup", MasterUserPassword="x" * 20)
    for version in ("17.9", "16.7", "16.13-limitless"):
        with pytest.raises(ClientError) as refused:
            rds.modify_db_cluster(DBClusterIdentifier="up1", EngineVersion=version, AllowMajorVersionUpgrade=True,
                                  ApplyImmediately=True)
        error = refused.value.response["Error"]
        assert (error["Code"], error["Message"]) == (
            "InvalidParameterCombination", f"Cannot upgrade aurora-postgresql from 16.8 to {version}")
    assert rds.describe_db_clusters(DBClusterIdentifier="up1")["DBClusters"][0]["EngineVersion"] == "16.8"
    rds.modify_db_cluster(DBClusterIdentifier="up1", EngineVersion="17.7", AllowMajorVersionUpgrade=True,
                          ApplyImmediately=True)
    assert rds.describe_db_clusters(DBClusterIdentifier="up1")["DBClusters"][0]["EngineVersion"] == "17.7"


def test_a_version_aws_does_not_list_or_a_limitless_one_is_refused_for_a_new_cluster(emu: Emulator) -> None:
    """CreateDBCluster and RestoreDBClusterFromSnapshot: a version AWS does not list is refused
    ("InvalidParameterCombination: Cannot find version 15.5 for aurora-postgresql",
    langfuse/langfuse-terraform-aws#34); a Limitless version is usable only by a cluster created with
    ClusterScalabilityType limitless (AuroraUserGuide limitless-reqs-limits.html; CreateDBCluster)."""
    from botocore.exceptions import ClientError

    rds = client("rds", emu.endpoint)
    new = {"Engine": "aurora-postgresql", "MasterUsername": "rootnv", "MasterUserPassword": "x" * 20}
    for number, (version, message) in enumerate((("16.99", "Cannot find version 16.99 for aurora-postgresql"),
                                                 ("16.13-limitless", "ClusterScalabilityType limitless"))):
        with pytest.raises(ClientError) as refused:
            rds.create_db_cluster(DBClusterIdentifier=f"nv{number}", EngineVersion=version, **new)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"
        assert message in refused.value.response["Error"]["Message"]
    rds.create_db_cluster(DBClusterIdentifier="nvok", EngineVersion="16.13", **new)
    rds.create_db_cluster_snapshot(DBClusterIdentifier="nvok", DBClusterSnapshotIdentifier="nvsnap")
    with pytest.raises(ClientError) as refused:
        rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="nvrestored", SnapshotIdentifier="nvsnap",
                                             Engine="aurora-postgresql", EngineVersion="16.13-limitless")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterCombination"
    assert not [c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"].startswith("nv")
                and c["DBClusterIdentifier"] != "nvok"]
    rds.create_db_cluster(DBClusterIdentifier="nvlimitless", EngineVersion="16.13-limitless",
                          ClusterScalabilityType="limitless", StorageType="aurora-iopt1", **new)


def test_a_test_only_tag_makes_a_cluster_run_an_old_minor(emu: Emulator) -> None:
    """The harness's control for a cluster created long ago: the tag sets the running version and is not kept."""
    from proof.emulator import ENGINE_VERSION_TAG

    rds = client("rds", emu.endpoint)
    arn = rds.create_db_cluster(DBClusterIdentifier="old1", Engine="aurora-postgresql", EngineVersion="16.13",
                                MasterUsername="rootold", MasterUserPassword="x" * 20)["DBCluster"]["DBClusterArn"]
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": ENGINE_VERSION_TAG, "Value": "16.4"}])
    assert rds.describe_db_clusters(DBClusterIdentifier="old1")["DBClusters"][0]["EngineVersion"] == "16.4"
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == []


def test_a_master_password_aws_refuses_is_refused(emu: Emulator) -> None:
    """AWS's RDS API reference, CreateDBCluster and ModifyDBCluster, MasterUserPassword for Aurora: it must
    contain from 8 to 41 characters, any printable ASCII character except a slash, a double quote or an at
    sign; a space is refused too (proof/emulator/patches/rds.py quotes both). The error is
    InvalidParameterValue, and a refused modification changes nothing."""
    from botocore.exceptions import ClientError

    rds = client("rds", emu.endpoint)
    bad = ["x" * 7, "x" * 42, "abcd/efgh", 'abcd"efgh', "abcd@efgh", "abcd efgh"]
    for number, password in enumerate(bad):
        with pytest.raises(ClientError) as refused:
            rds.create_db_cluster(DBClusterIdentifier=f"pw{number}", Engine="aurora-postgresql",
                                  MasterUsername="rootpw", MasterUserPassword=password)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue", password
        assert "MasterUserPassword" in refused.value.response["Error"]["Message"]
    assert not [c for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"].startswith("pw")]
    rds.create_db_cluster(DBClusterIdentifier="pwok", Engine="aurora-postgresql", MasterUsername="rootpw",
                          MasterUserPassword="A1b" + "c" * 38)  # 41 letters and digits, as the bundle draws
    rds.create_db_cluster(DBClusterIdentifier="pwold", Engine="aurora-postgresql", MasterUsername="rootpw",
                          MasterUserPassword="!#$%&*()-_=+[]{}<>:?aB3" + "x" * 17)  # the old alphabet, 40
    for password in bad:
        with pytest.raises(ClientError) as refused:
            rds.modify_db_cluster(DBClusterIdentifier="pwok", MasterUserPassword=password, ApplyImmediately=True)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValue", password
    assert rds.describe_db_clusters(DBClusterIdentifier="pwok")["DBClusters"][0]["Status"] == "available"
    rds.modify_db_cluster(DBClusterIdentifier="pwok", MasterUserPassword="Z9y" + "w" * 38, ApplyImmediately=True)


def test_iam_authentication_not_applied_immediately_waits_for_the_window(emu: Emulator) -> None:
    """ModifyDBCluster's ApplyImmediately covers EnableIAMDatabaseAuthentication, and AWS reports the change
    waiting in ClusterPendingModifiedValues.IAMDatabaseAuthenticationEnabled (RDS API reference,
    ModifyDBCluster, ClusterPendingModifiedValues): the cluster keeps running without it until the window
    (a ModifyDBCluster with ApplyImmediately, which applies pending modifications too)."""
    rds = client("rds", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="iamw1", Engine="aurora-postgresql", MasterUsername="rootiamw",
                          MasterUserPassword="x" * 20)

    def state() -> tuple[bool, object]:
        cluster = rds.describe_db_clusters(DBClusterIdentifier="iamw1")["DBClusters"][0]
        return cluster["IAMDatabaseAuthenticationEnabled"], cluster.get("PendingModifiedValues")

    rds.modify_db_cluster(DBClusterIdentifier="iamw1", EnableIAMDatabaseAuthentication=True, ApplyImmediately=False)
    assert state() == (False, {"IAMDatabaseAuthenticationEnabled": True})
    rds.modify_db_cluster(DBClusterIdentifier="iamw1", ApplyImmediately=True)  # the window
    assert state() == (True, None)


def test_extended_support_is_kept_as_created_and_defaults_to_aws(emu: Emulator) -> None:
    """CreateDBCluster and RestoreDBClusterFromSnapshot take EngineLifecycleSupport, default
    open-source-rds-extended-support (RDS API reference); DescribeDBClusters reports it."""
    rds = client("rds", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="els1", Engine="aurora-postgresql", MasterUsername="rootels",
                          MasterUserPassword="x" * 20)
    rds.create_db_cluster(DBClusterIdentifier="els2", Engine="aurora-postgresql", MasterUsername="rootels",
                          MasterUserPassword="x" * 20, EngineLifecycleSupport="open-source-rds-extended-support-disabled")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="els2", DBClusterSnapshotIdentifier="els2snap")
    rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="els3", SnapshotIdentifier="els2snap",
                                         Engine="aurora-postgresql",
                                         EngineLifecycleSupport="open-source-rds-extended-support-disabled")
    found = {c["DBClusterIdentifier"]: c.get("EngineLifecycleSupport")
             for c in rds.describe_db_clusters()["DBClusters"] if c["DBClusterIdentifier"].startswith("els")}
    assert found == {"els1": "open-source-rds-extended-support", "els2": "open-source-rds-extended-support-disabled",
                     "els3": "open-source-rds-extended-support-disabled"}


def test_the_db_instance_quota_is_served_and_enforced(monkeypatch) -> None:
    """AWS: "Quotas in Amazon Aurora" (AuroraUserGuide/CHAP_Limits.html): "DB instances", 40 per Region by
    default, adjustable, Aurora's instances counted. Service Quotas answers the default and the applied value
    (GetAWSDefaultServiceQuota, GetServiceQuota); CreateDBInstance beyond the quota fails with
    InstanceQuotaExceeded (APIReference/API_CreateDBInstance.html, Errors; the code in AWS's API model,
    botocore rds service-2.json InstanceQuotaExceededFault)."""
    monkeypatch.setenv("AURORA_EMULATOR_DB_INSTANCE_QUOTA", "3")  # the emulator's applied quota (DB_INSTANCE_QUOTA_ENV)
    with Emulator() as running:
        quotas = client("service-quotas", running.endpoint)
        listed = quotas.list_aws_default_service_quotas(ServiceCode="rds")["Quotas"]
        (instances,) = [q for q in listed if q["QuotaName"] == "DB instances"]
        assert instances["Value"] == 40 and instances["Adjustable"]
        code = instances["QuotaCode"]
        assert quotas.get_aws_default_service_quota(ServiceCode="rds", QuotaCode=code)["Quota"]["Value"] == 40
        assert quotas.get_service_quota(ServiceCode="rds", QuotaCode=code)["Quota"]["Value"] == 3
        rds = client("rds", running.endpoint)
        rds.create_db_cluster(DBClusterIdentifier="q1", Engine="aurora-postgresql", MasterUsername="rootq",
                              MasterUserPassword="x" * 20)
        for name in ("q-w", "q-r1", "q-r2"):
            rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="q1", Engine="aurora-postgresql",
                                   DBInstanceClass="db.r7g.large")
        with pytest.raises(rds.exceptions.InstanceQuotaExceededFault) as refused:
            rds.create_db_instance(DBInstanceIdentifier="q-r3", DBClusterIdentifier="q1", Engine="aurora-postgresql",
                                   DBInstanceClass="db.r7g.large")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]] == ["q-w", "q-r1", "q-r2"]


def test_autoscaling_scales_in_only_its_own_readers_and_deregistering_leaves_them(emu: Emulator) -> None:
    """Aurora Auto Scaling's readers are named application-autoscaling-<id>, and it scales in only the readers
    it created (AuroraUserGuide, Aurora.Integrating.AutoScaling); deregistering the scalable target deletes
    its policies and scheduled actions, not its readers (Application Auto Scaling API reference,
    DeregisterScalableTarget). A maximum below the readers scales in (here at once; AWS: shortly after)."""
    rds = client("rds", emu.endpoint)
    aas = client("application-autoscaling", emu.endpoint)
    rds.create_db_cluster(DBClusterIdentifier="as1", Engine="aurora-postgresql", MasterUsername="rootas",
                          MasterUserPassword="x" * 20)
    for name in ("as1-w", "as1-r1", "application-autoscaling-1111", "application-autoscaling-2222"):
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="as1", Engine="aurora-postgresql",
                               DBInstanceClass="db.r7g.large")
    target = {"ServiceNamespace": "rds", "ResourceId": "cluster:as1", "ScalableDimension": "rds:cluster:ReadReplicaCount"}

    def members() -> set[str]:
        return {m["DBInstanceIdentifier"] for m in rds.describe_db_clusters(DBClusterIdentifier="as1")["DBClusters"][0]
                ["DBClusterMembers"]}

    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=4)
    assert len(members()) == 4  # 3 readers, within the maximum
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=2)
    assert members() == {"as1-w", "as1-r1", "application-autoscaling-2222"}
    aas.deregister_scalable_target(**target)
    assert members() == {"as1-w", "as1-r1", "application-autoscaling-2222"}
    aas.register_scalable_target(**target, MinCapacity=0, MaxCapacity=0)  # never below the fixed readers
    assert members() == {"as1-w", "as1-r1"}


# ------------------------------------------------------------------ failover, as AWS documents it
# AuroraUserGuide, Concepts.AuroraHighAvailability.html, "Fault tolerance for an Aurora DB cluster": the
# writer's failure (or deletion) promotes the replica with the lowest promotion tier; "If two or more Aurora
# Replicas share the same priority, then Amazon RDS promotes the replica that is largest in size. If two or
# more Aurora Replicas share the same priority and size, then Amazon RDS promotes an arbitrary replica in
# the same promotion tier." The emulator reads "arbitrary" the way hardest on a rolling change: the oldest.

def _cluster(rds, name: str, **extra) -> None:
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="rootfo",
                          MasterUserPassword="x" * 20, **extra)


def _add(rds, cluster: str, name: str, klass: str, tier: int) -> None:
    rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=cluster, Engine="aurora-postgresql",
                           DBInstanceClass=klass, PromotionTier=tier)


def _writer(rds, cluster: str) -> str:
    members = rds.describe_db_clusters(DBClusterIdentifier=cluster)["DBClusters"][0]["DBClusterMembers"]
    return next(m["DBInstanceIdentifier"] for m in members if m["IsClusterWriter"])


def test_deleting_the_writer_promotes_the_largest_replica_of_the_lowest_tier() -> None:
    """Same tier: the larger class wins (r7g.xlarge, 32 GiB, over r7g.large, 16 GiB), whatever the names;
    a lower tier still beats a larger class."""
    with Emulator() as running:
        rds = client("rds", running.endpoint)
        _cluster(rds, "size1")
        for name, klass, tier in (("size1-w", "db.r7g.large", 0), ("size1-a", "db.r7g.large", 1),
                                  ("size1-b", "db.r7g.xlarge", 1), ("size1-c", "db.r7g.4xlarge", 2)):
            _add(rds, "size1", name, klass, tier)
        time.sleep(3.2)
        rds.delete_db_instance(DBInstanceIdentifier="size1-w", SkipFinalSnapshot=True)
        assert _writer(rds, "size1") == "size1-b"


def test_a_serverless_replica_is_as_large_as_its_maximum_capacity() -> None:
    """db.serverless has no fixed size: it is compared by the cluster's maximum ACUs (2 GiB each), so a
    64-ACU serverless replica (128 GiB) outranks a db.r7g.large (16 GiB) of the same tier."""
    with Emulator() as running:
        rds = client("rds", running.endpoint)
        _cluster(rds, "sv1", ServerlessV2ScalingConfiguration={"MinCapacity": 2, "MaxCapacity": 64})
        for name, klass in (("sv1-w", "db.r7g.large"), ("sv1-a", "db.r7g.large"), ("sv1-b", "db.serverless")):
            _add(rds, "sv1", name, klass, 1)
        time.sleep(3.2)
        rds.delete_db_instance(DBInstanceIdentifier="sv1-w", SkipFinalSnapshot=True)
        assert _writer(rds, "sv1") == "sv1-b"


def test_equal_tier_and_size_promote_the_oldest_replica() -> None:
    """AWS promotes "an arbitrary replica" among equals; the emulator takes the oldest (in a rolling change,
    the instance the roll has yet to delete), whatever the names."""
    with Emulator() as running:
        rds = client("rds", running.endpoint)
        _cluster(rds, "old1")
        for name in ("old1-w", "old1-z-first", "old1-a-second"):
            _add(rds, "old1", name, "db.r7g.large", 0)
        time.sleep(3.2)
        rds.delete_db_instance(DBInstanceIdentifier="old1-w", SkipFinalSnapshot=True)
        assert _writer(rds, "old1") == "old1-z-first"


def test_failover_db_cluster_moves_the_writer_and_is_logged(tmp_path) -> None:
    """FailoverDBCluster (AWS's API reference: TargetDBInstanceIdentifier, "the name of the DB instance to
    promote to the primary DB instance"), what the harness calls for an unplanned failover: the target becomes
    the writer, the old writer a reader, and the timeline records it. Without a target, the documented order
    picks the replica (tier 0 before tier 2, though created later)."""
    from proof.availability import assess, read_timeline

    timeline = tmp_path / "timeline.jsonl"
    with Emulator(timeline=timeline) as running:
        rds = client("rds", running.endpoint)
        _cluster(rds, "fo1")
        for name, tier in (("fo1-w", 0), ("fo1-r2", 2), ("fo1-r0", 0)):
            _add(rds, "fo1", name, "db.r7g.large", tier)
        time.sleep(3.2)
        rds.failover_db_cluster(DBClusterIdentifier="fo1", TargetDBInstanceIdentifier="fo1-r2")
        assert _writer(rds, "fo1") == "fo1-r2"
        time.sleep(3.2)  # the demoted writer restarts as a reader
        rds.failover_db_cluster(DBClusterIdentifier="fo1")
        assert _writer(rds, "fo1") == "fo1-w"  # tier 0, older than fo1-r0
    seen = assess(read_timeline(timeline, "fo1", 0, time.time()))
    assert seen.writers == ["fo1-w", "fo1-r2", "fo1-w"]
    assert [e["event"] for e in read_timeline(timeline, "fo1", 0, time.time())][-2:] == ["failover", "failover"]


ROLL_CASES = {  # (class before, class after, writer when the roll starts) -> failovers the roll causes
    "bigger, writer on `writer`": ("db.r7g.large", "db.r7g.xlarge", "w", 1),
    "smaller, writer on `writer`": ("db.r7g.xlarge", "db.r7g.large", "w", 1),
    "CA only, writer on `writer`": ("db.r7g.large", "db.r7g.large", "w", 1),
    "bigger, after a failover": ("db.r7g.large", "db.r7g.xlarge", "r1", 1),
    "smaller, after a failover": ("db.r7g.xlarge", "db.r7g.large", "r1", 2),
    "CA only, after a failover": ("db.r7g.large", "db.r7g.large", "r1", 2),
}


def _roll_to_the_new_set(rds, prefix: str) -> tuple[dict[str, str], float]:
    """Every ROLL_CASES cluster (``<prefix><i>``) with its old set (w, r1, r2), the writer role moved where
    the case says, then the new set (w2, r1b, r2b) up: the roll up to its deletions. Returns the clusters'
    names by case, and the time the roll started."""
    names = {case: f"{prefix}{i}" for i, case in enumerate(ROLL_CASES)}
    for case, (before, _, _, _) in ROLL_CASES.items():
        _cluster(rds, names[case])
        for member, tier in (("w", 0), ("r1", 1), ("r2", 1)):
            _add(rds, names[case], f"{names[case]}-{member}", before, tier)
    time.sleep(3.2)
    for case, (_, _, writer, _) in ROLL_CASES.items():
        if writer != "w":
            rds.failover_db_cluster(DBClusterIdentifier=names[case], TargetDBInstanceIdentifier=f"{names[case]}-{writer}")
    time.sleep(3.2)
    rolled = time.time()
    for case, (_, after, _, _) in ROLL_CASES.items():
        for member, tier in (("w2", 0), ("r1b", 1), ("r2b", 1)):
            _add(rds, names[case], f"{names[case]}-{member}", after, tier)
    time.sleep(3.2)
    return names, rolled


def test_the_rolling_change_fails_over_once_except_after_a_failover_to_a_same_or_smaller_class(tmp_path) -> None:
    """The bundle's roll in the order Terraform runs it (create_before_destroy, readers depending on the
    writer: new writer (tier 0), new readers (tier 1), old readers deleted, old writer deleted last;
    hashicorp/terraform docs/destroying.md), against the documented failover order. Writer on `writer`: one
    failover whatever the change. After an unplanned failover (the writer is an old reader), deleting that
    reader promotes a tier-0 instance: the new writer only when it is larger; otherwise the old writer (larger,
    or the oldest of equals), whose own deletion is a second failover. README, "Rolling changes and failovers"."""
    from proof.availability import assess, read_timeline

    timeline = tmp_path / "timeline.jsonl"
    with Emulator(timeline=timeline) as running:
        rds = client("rds", running.endpoint)
        started = time.time()
        names, rolled = _roll_to_the_new_set(rds, "roll")
        for case in ROLL_CASES:
            for member in ("r1", "r2", "w"):
                rds.delete_db_instance(DBInstanceIdentifier=f"{names[case]}-{member}", SkipFinalSnapshot=True)
        assert started < rolled
    for case, (_, _, _, failovers) in ROLL_CASES.items():
        seen = assess(read_timeline(timeline, names[case], rolled, time.time()))
        assert (seen.failovers, seen.writers[-1]) == (failovers, f"{names[case]}-w2"), (case, seen)
        assert seen.no_writer == [] and seen.no_reader == [], (case, seen)


def _function(running: Emulator, name: str, code: bytes, handler: str, timeout: int = 60) -> object:
    iam, lam = client("iam", running.endpoint), client("lambda", running.endpoint)
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler=handler,
                        Code={"ZipFile": code}, Timeout=timeout)
    return lam


def test_the_rolling_change_with_the_bundles_function_fails_over_once_in_every_case(tmp_path) -> None:
    """The same rolls, with what the bundle adds between the new set and the deletions (aws/failover.py): the
    shipped package (``archive()``, byte for byte what ``src/writer-failover.zip`` holds), invoked through
    Lambda's Invoke, fails over to the new writer and waits; the deletions then fail over no more. One
    failover in every case, to the new writer; run again, it does nothing."""
    import json

    from aurora_bundle.aws.failover import ARCHIVE, MODULE, archive
    from proof.availability import assess, read_timeline

    assert (ROOT / "src" / ARCHIVE).read_bytes() == archive()
    timeline = tmp_path / "timeline.jsonl"
    with Emulator(timeline=timeline) as running:
        rds = client("rds", running.endpoint)
        lam = _function(running, "failover-fn", archive(), f"{MODULE}.handler")
        names, rolled = _roll_to_the_new_set(rds, "froll")
        answers = {}
        for case in ROLL_CASES:
            event = {"cluster_identifier": names[case], "writer_identifier": f"{names[case]}-w2"}
            reply = lam.invoke(FunctionName="failover-fn", Payload=json.dumps(event).encode())
            assert "FunctionError" not in reply, reply["Payload"].read()
            answers[case] = json.loads(reply["Payload"].read())
            again = lam.invoke(FunctionName="failover-fn", Payload=json.dumps(event).encode())
            assert json.loads(again["Payload"].read())["failed_over"] is False
            for member in ("r1", "r2", "w"):
                rds.delete_db_instance(DBInstanceIdentifier=f"{names[case]}-{member}", SkipFinalSnapshot=True)
    for case in ROLL_CASES:
        seen = assess(read_timeline(timeline, names[case], rolled, time.time()))
        assert answers[case] == {"cluster": names[case], "writer": f"{names[case]}-w2", "failed_over": True}, case
        assert (seen.failovers, seen.writers[-1]) == (1, f"{names[case]}-w2"), (case, seen)
        assert seen.no_writer == [] and seen.no_reader == [], (case, seen)


def test_lambda_invoke_runs_the_stored_package_and_reports_its_errors(emu: Emulator) -> None:
    """Invoke as the Lambda API documents it: the handler's return value; a handler that raises is a 200 with
    FunctionError Unhandled and its message; an unknown function is ResourceNotFoundException."""
    import io
    import json
    import zipfile

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("fn.py", "import os\ndef ok(event, context):\n    return {'region': os.environ['AWS_REGION'], "
                                  "'got': event, 'left': context.get_remaining_time_in_millis() > 0}\n"
                                  "def fails(event, context):\n    raise RuntimeError('no writer')\n")
    lam = _function(emu, "ok-fn", package.getvalue(), "fn.ok")
    lam.create_function(FunctionName="fails-fn", Runtime="python3.12", Role="arn:aws:iam::123456789012:role/ok-fn-role",
                        Handler="fn.fails", Code={"ZipFile": package.getvalue()})
    reply = lam.invoke(FunctionName="ok-fn", Payload=b'{"a": 1}')
    assert json.loads(reply["Payload"].read()) == {"region": "us-east-1", "got": {"a": 1}, "left": True}
    failed = lam.invoke(FunctionName="fails-fn", Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorMessage"] == "no writer"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="missing-fn", Payload=b"{}")
