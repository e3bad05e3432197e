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

from aurora_bundle.offline.emulator import CUSTOM_ID_TAG, provider_endpoints
from aurora_bundle.offline.emulator.process import Emulator
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
    eps = provider_endpoints(emu.endpoint)
    assert set(eps) == {"ec2", "rds", "kms", "cloudwatch", "sns", "iam", "sts",
                        "secretsmanager", "applicationautoscaling", "logs", "servicequotas"}
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
        from aurora_bundle.offline.emulator.process import Emulator
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
    r = subprocess.run([sys.executable, "-m", "aurora_bundle.offline.emulator", "--host", "0.0.0.0"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_cli_ready_line_and_sigterm() -> None:
    p = subprocess.Popen([sys.executable, "-m", "aurora_bundle.offline.emulator", "--port", "0"],
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
    from aurora_bundle.offline.availability import assess, read_timeline

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
    """AWS keeps a major upgrade for the maintenance window when it is not applied immediately: the
    cluster runs its version and reports the new one as pending; the old family's groups stay in use
    (their deletion is refused) until the window (here: ModifyDBCluster with ApplyImmediately, which
    applies pending modifications) upgrades the engine and moves the instances to the new groups."""
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

    for _ in range(2):  # the provider sends the pending version again with every later modification
        rds.modify_db_cluster(DBClusterIdentifier="win1", EngineVersion="17.9", AllowMajorVersionUpgrade=True,
                              DBClusterParameterGroupName="win-c17", DBInstanceParameterGroupName="win-i17",
                              ApplyImmediately=False)
        assert state() == ("16.13", {"EngineVersion": "17.9"}, "win-c17", "win-i16")
    for delete in (lambda: rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="win-c16"),
                   lambda: rds.delete_db_parameter_group(DBParameterGroupName="win-i16")):
        with pytest.raises(ClientError, match="InvalidDBParameterGroupState"):
            delete()
    rds.modify_db_cluster(DBClusterIdentifier="win1", ApplyImmediately=True)  # the window
    assert state() == ("17.9", None, "win-c17", "win-i17")
    rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="win-c16")
    rds.delete_db_parameter_group(DBParameterGroupName="win-i16")
    with pytest.raises(ClientError, match="InvalidDBParameterGroupState"):
        rds.delete_db_cluster_parameter_group(DBClusterParameterGroupName="win-c17")


def test_a_master_password_aws_refuses_is_refused(emu: Emulator) -> None:
    """AWS's RDS API reference, CreateDBCluster and ModifyDBCluster, MasterUserPassword for Aurora: it must
    contain from 8 to 41 characters, any printable ASCII character except a slash, a double quote or an at
    sign; a space is refused too (aurora_bundle/offline/emulator/patches/rds.py quotes both). The error is
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
