"""Custom cluster endpoints (database.custom_endpoints): the param, the Terraform, and the emulator.

The rules are tested with the others (test_rules_in_terraform.py, test_bad_input.py). The tests
marked ``offline`` start an emulator of their own: the patch at the API level, then a cluster with
custom endpoints deployed from the committed kms/ and src/ as Massdriver runs them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest

from aurora_bundle.aws.endpoints import RDS_IDENTIFIER_MAX
from aurora_bundle.inputs import engine

ENDPOINT = "aws_rds_cluster_endpoint"


def _endpoints_schema(spec) -> dict:  # type: ignore[no-untyped-def]
    return spec.params_schema["properties"]["database"]["properties"]["custom_endpoints"]


def test_the_param_takes_its_limits_and_member_names_from_the_catalog(spec):
    schema = _endpoints_schema(spec)
    assert schema["default"] == [] and schema["maxItems"] == engine.MAX_CUSTOM_ENDPOINTS == 5
    item = schema["items"]["properties"]
    assert item["name"]["maxLength"] == engine.CUSTOM_ENDPOINT_NAME_MAX
    assert item["type"]["enum"] == ["READER", "ANY"]
    members = engine.instance_members()
    assert members == ["writer", *(f"reader{n}" for n in range(1, engine.MAX_READERS + 1))]
    assert item["static_members"]["items"]["enum"] == item["excluded_members"]["items"]["enum"] == members
    assert "custom_endpoints" not in spec.params_schema["properties"]["database"]["required"]
    for preset in spec.presets:  # the presets keep the default: no endpoint
        assert "custom_endpoints" not in preset.params["database"], preset.name
    for example in spec.examples:
        assert example.params["database"]["custom_endpoints"] == [], example.slug


def test_one_endpoint_resource_per_name_in_its_own_file(rendered):
    src = rendered["src"]
    endpoints = json.loads(src.files["endpoints.tf.json"])["resource"]
    assert list(endpoints) == [ENDPOINT] and list(endpoints[ENDPOINT]) == ["custom"]
    custom = endpoints[ENDPOINT]["custom"]
    assert custom["for_each"] == "${{for e in var.database.custom_endpoints : e.name => e}}"
    assert custom["cluster_identifier"] == "${aws_rds_cluster.main.id}"
    assert custom["cluster_endpoint_identifier"] == '${format("%s-%s", local.identifier, each.key)}'
    for members in ("static_members", "excluded_members"):  # named members -> instance identifiers
        assert custom[members] == (f"${{length(each.value.{members}) == 0 ? null : "
                                   f"[for m in each.value.{members} : local.instance_members[m]]}}")
    assert "tags" not in custom  # the provider's default tags, as every other resource
    assert src.origins[("resource", ENDPOINT, "custom")] == "aurora_bundle/aws/endpoints.py"
    assert "instance_members" in src.document()["locals"]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
@pytest.mark.parametrize("prefix", ["acme-prod-aurora-x7k2", "a" * 20 + "-" + "b" * 40 + "-" + "c" * 6])
def test_the_endpoint_identifier_is_the_clusters_and_the_name_within_rds_limit(spec, rendered, tmp_path, prefix):
    """Evaluated by Terraform from the generated names and identifier, for the longest name."""
    src = rendered["src"].document()
    name = "n" * engine.CUSTOM_ENDPOINT_NAME_MAX
    identifier = src["resource"][ENDPOINT]["custom"]["cluster_endpoint_identifier"].replace("each.key", f'"{name}"')
    config = {"variable": {"md_metadata": src["variable"]["md_metadata"]},
              "locals": {k: src["locals"][k] for k in ("name_prefix", "identifier")},
              "output": {"endpoint": {"value": identifier}, "cluster": {"value": "${local.identifier}"}}}
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    md_metadata = {**spec.examples[0].params["md_metadata"], "name_prefix": prefix}
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"md_metadata": md_metadata}))
    env = {"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1", "HOME": str(tmp_path)}
    proc = subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    outputs = json.loads(subprocess.run(["terraform", "output", "-json"], cwd=tmp_path, env=env, capture_output=True,
                                        text=True, timeout=60, check=True).stdout)
    cluster, endpoint = outputs["cluster"]["value"], outputs["endpoint"]["value"]
    assert endpoint == f"{cluster}-{name}" and len(endpoint) <= RDS_IDENTIFIER_MAX
    if len(prefix) <= 52:
        assert cluster == prefix


# ------------------------------------------------------------------------------------------- offline


@pytest.fixture(scope="module")
def own_emulator():  # type: ignore[no-untyped-def]
    from proof.emulator.process import Emulator

    with Emulator() as running:
        yield running.endpoint


def _rds(endpoint: str, region: str = "us-east-1"):  # type: ignore[no-untyped-def]
    return boto3.client("rds", endpoint_url=endpoint, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test")


@pytest.mark.offline
def test_the_emulator_serves_custom_endpoints_as_aws_does(own_emulator):
    rds = _rds(own_emulator)
    rds.create_db_cluster(DBClusterIdentifier="ep1", Engine="aurora-postgresql", MasterUsername="u",
                          MasterUserPassword="password1")
    for instance in ("ep1-writer", "ep1-reader1", "ep1-reader2"):
        rds.create_db_instance(DBInstanceIdentifier=instance, DBClusterIdentifier="ep1", Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large")
    cluster = rds.describe_db_clusters(DBClusterIdentifier="ep1")["DBClusters"][0]
    suffix = cluster["Endpoint"].split(".", 1)[1].removeprefix("cluster-")  # <dns id>.<region>.rds.amazonaws.com
    created = rds.create_db_cluster_endpoint(DBClusterIdentifier="ep1", DBClusterEndpointIdentifier="EP1-Analytics",
                                             EndpointType="READER", StaticMembers=["ep1-reader2"],
                                             Tags=[{"Key": "md-project", "Value": "acme"}])
    arn = "arn:aws:rds:us-east-1:123456789012:cluster-endpoint:ep1-analytics"
    assert created["DBClusterEndpointIdentifier"] == "ep1-analytics"  # stored lowercase
    assert created["Status"] == "creating" and created["DBClusterEndpointArn"] == arn
    assert created["DBClusterEndpointResourceIdentifier"].startswith("cluster-endpoint-")
    (described,) = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="ep1-analytics")["DBClusterEndpoints"]
    assert described == {**{k: v for k, v in created.items() if k != "ResponseMetadata"}, "Status": "available",
                         "DBClusterIdentifier": "ep1", "Endpoint": f"ep1-analytics.cluster-custom-{suffix}",
                         "EndpointType": "CUSTOM", "CustomEndpointType": "READER", "StaticMembers": ["ep1-reader2"],
                         "ExcludedMembers": []}
    by_cluster = rds.describe_db_cluster_endpoints(DBClusterIdentifier="ep1")["DBClusterEndpoints"]
    assert [e["EndpointType"] for e in by_cluster] == ["WRITER", "READER", "CUSTOM"]
    assert [e["Endpoint"] for e in by_cluster[:2]] == [cluster["Endpoint"], cluster["ReaderEndpoint"]]
    custom = rds.describe_db_cluster_endpoints(Filters=[{"Name": "db-cluster-endpoint-type", "Values": ["CUSTOM"]}])
    assert [e["DBClusterEndpointIdentifier"] for e in custom["DBClusterEndpoints"]] == ["ep1-analytics"]
    assert rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="gone")["DBClusterEndpoints"] == []

    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "md-project", "Value": "acme"}]
    rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "md-target", "Value": "prod"}])
    rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["md-project"])
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "md-target", "Value": "prod"}]

    # As the provider modifies: the type and both lists, an empty list clearing one.
    modified = rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier="ep1-analytics", EndpointType="ANY",
                                              StaticMembers=[], ExcludedMembers=["ep1-writer"])
    assert (modified["CustomEndpointType"], modified["StaticMembers"], modified["ExcludedMembers"]) == (
        "ANY", [], ["ep1-writer"])
    rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier="ep1-analytics", EndpointType="ANY", StaticMembers=[],
                                   ExcludedMembers=[])
    (cleared,) = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="ep1-analytics")["DBClusterEndpoints"]
    assert (cleared["StaticMembers"], cleared["ExcludedMembers"]) == ([], [])

    refused = {
        "DBClusterEndpointAlreadyExistsFault": dict(DBClusterEndpointIdentifier="ep1-analytics", EndpointType="ANY"),
        "InvalidParameterValue": dict(DBClusterEndpointIdentifier="ep1-x", EndpointType="ANY",
                                      StaticMembers=["another-clusters-instance"]),
        "InvalidParameterCombination": dict(DBClusterEndpointIdentifier="ep1-y", EndpointType="ANY",
                                            StaticMembers=["ep1-reader1"], ExcludedMembers=["ep1-writer"]),
    }
    for code, request in refused.items():
        with pytest.raises(rds.exceptions.ClientError) as raised:
            rds.create_db_cluster_endpoint(DBClusterIdentifier="ep1", **request)
        assert raised.value.response["Error"]["Code"] == code
    for n in range(2, 6):  # five per cluster
        rds.create_db_cluster_endpoint(DBClusterIdentifier="ep1", DBClusterEndpointIdentifier=f"ep1-e{n}",
                                       EndpointType="ANY")
    with pytest.raises(rds.exceptions.ClientError) as raised:
        rds.create_db_cluster_endpoint(DBClusterIdentifier="ep1", DBClusterEndpointIdentifier="ep1-e6", EndpointType="ANY")
    assert raised.value.response["Error"]["Code"] == "DBClusterEndpointQuotaExceededFault"

    deleted = rds.delete_db_cluster_endpoint(DBClusterEndpointIdentifier="ep1-e5")
    assert deleted["Status"] == "deleting"
    assert rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="ep1-e5")["DBClusterEndpoints"] == []
    with pytest.raises(rds.exceptions.ClientError) as raised:
        rds.delete_db_cluster_endpoint(DBClusterEndpointIdentifier="ep1-e5")
    assert raised.value.response["Error"]["Code"] == "DBClusterEndpointNotFoundFault"

    for instance in ("ep1-reader2", "ep1-reader1", "ep1-writer"):
        rds.delete_db_instance(DBInstanceIdentifier=instance)
    rds.delete_db_cluster(DBClusterIdentifier="ep1", SkipFinalSnapshot=True)
    assert rds.describe_db_cluster_endpoints()["DBClusterEndpoints"] == []  # they went with their cluster


ENDPOINTS = [
    {"name": "analytics", "type": "READER", "static_members": ["reader1"], "excluded_members": []},
    {"name": "no-writer", "type": "ANY", "static_members": [], "excluded_members": ["writer"]},
]


def _terraform(work: Path, endpoint: str, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    from proof.emulator import emulator_environment
    from proof.terraform import Terraform, cli_environment

    env = {**cli_environment(work / "cli"), **emulator_environment(endpoint)}
    return Terraform(work, env, work / "terraform.log").run(*args, ok_codes=ok, timeout=600)


@pytest.mark.offline
@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_the_generated_endpoints_apply_and_replan_clean_through_the_aws_provider(spec, rendered, own_emulator,
                                                                                  tmp_path: Path):
    """The generated aws_rds_cluster_endpoint block, with hashicorp/aws against the emulator, on a cluster
    and instances made beforehand (so it takes seconds, not the minutes instances take): created,
    planned again without changes, changed in place, destroyed."""
    from aurora_bundle.aws.provider import AWS_PROVIDER_VERSION
    from proof.provisioner import emulator_override

    rds = _rds(own_emulator)
    rds.create_db_cluster(DBClusterIdentifier="tfc", Engine="aurora-postgresql", MasterUsername="u",
                          MasterUserPassword="password1")
    members = {"writer": "tfc-writer-a", "reader1": "tfc-reader1-b"}
    for instance in members.values():
        rds.create_db_instance(DBInstanceIdentifier=instance, DBClusterIdentifier="tfc", Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large")
    src = rendered["src"].document()
    block = json.loads(json.dumps(src["resource"][ENDPOINT]["custom"]).replace("aws_rds_cluster.main.id", "local.cluster"))
    provider = emulator_override()["provider"]["aws"]
    config = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION}}},
        "provider": {"aws": {**provider, "region": "us-east-1", "default_tags": [{"tags": {"md-project": "acme"}}]}},
        "variable": {"database": src["variable"]["database"]},
        "locals": {"identifier": "tfc", "cluster": "tfc", "instance_members": members},
        "resource": {ENDPOINT: {"custom": block}},
    }
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    database = next(e for e in spec.examples if e.slug == "development").params["database"]

    def configure(endpoints: list[dict]) -> None:
        (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"database": {**database,
                                                                                 "custom_endpoints": endpoints}}))

    def described() -> dict[str, tuple[str, list[str], list[str]]]:
        found = rds.describe_db_cluster_endpoints(DBClusterIdentifier="tfc")["DBClusterEndpoints"]
        return {e["DBClusterEndpointIdentifier"]: (e["CustomEndpointType"], sorted(e["StaticMembers"]),
                                                   sorted(e["ExcludedMembers"])) for e in found if "CustomEndpointType" in e}

    configure(ENDPOINTS)
    _terraform(tmp_path, own_emulator, "init", "-input=false")
    _terraform(tmp_path, own_emulator, "apply", "-auto-approve", "-input=false")
    assert described() == {"tfc-analytics": ("READER", ["tfc-reader1-b"], []),
                           "tfc-no-writer": ("ANY", [], ["tfc-writer-a"])}
    arn = "arn:aws:rds:us-east-1:123456789012:cluster-endpoint:tfc-analytics"
    assert rds.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "md-project", "Value": "acme"}]
    assert _terraform(tmp_path, own_emulator, "plan", "-input=false", "-detailed-exitcode").returncode == 0

    # Another type and members (from static to excluded and back): changed in place, then no changes.
    configure([{**ENDPOINTS[0], "type": "ANY", "static_members": [], "excluded_members": ["reader1"]},
               {**ENDPOINTS[1], "static_members": ["writer", "reader1"], "excluded_members": []}])
    plan = _terraform(tmp_path, own_emulator, "plan", "-input=false", "-detailed-exitcode", ok=(2,)).stdout
    assert "2 to change, 0 to destroy" in plan, plan
    _terraform(tmp_path, own_emulator, "apply", "-auto-approve", "-input=false")
    assert described() == {"tfc-analytics": ("ANY", [], ["tfc-reader1-b"]),
                           "tfc-no-writer": ("ANY", ["tfc-reader1-b", "tfc-writer-a"], [])}
    assert _terraform(tmp_path, own_emulator, "plan", "-input=false", "-detailed-exitcode").returncode == 0

    _terraform(tmp_path, own_emulator, "destroy", "-auto-approve", "-input=false")
    assert described() == {}
