"""The cross-field rules also stop a deployment: the cluster's preconditions fail the plan with the
same message, for params Massdriver's form accepted (JSON Schema cannot express these rules).

Runs Terraform on the generated variables plus the cluster's preconditions on a ``terraform_data``
resource: no provider download, about a second per plan.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from aurora_bundle.inputs.rules import RULE_IDS, RULE_LOCALS, broken_rules, rule
from proof.params_plan import plan_refusals
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")


@pytest.fixture(scope="module")
def rules_config(rendered, tmp_path_factory) -> Path:
    src = rendered["src"].document()
    # The params rules only (the cluster also checks the running version, which needs AWS).
    preconditions = [p for p in src["resource"]["aws_rds_cluster"]["main"]["lifecycle"]["precondition"]
                     if any(p["error_message"].endswith(f"[{rule_id}].") for rule_id in RULE_IDS)]
    assert len(preconditions) == len(RULE_IDS)
    config = {"variable": src["variable"], "locals": {name: src["locals"][name] for name in RULE_LOCALS},
              "resource": {"terraform_data": {"rules": {
        "input": "checked", "lifecycle": {"precondition": preconditions}}}}}
    work = tmp_path_factory.mktemp("rules")
    (work / "main.tf.json").write_text(json.dumps(config))
    return work


def _plan(work: Path, params: dict, connections: dict) -> subprocess.CompletedProcess[str]:
    (work / "terraform.tfvars.json").write_text(json.dumps({**params, **connections}))
    return subprocess.run(["terraform", "plan", "-input=false", "-no-color"], cwd=work, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1",
                                                       "HOME": str(work)})


def _endpoint(name: str, kind: str, static: list[str] | None = None, excluded: list[str] | None = None) -> dict:
    """A custom endpoint as Massdriver's form submits it (both member lists present)."""
    return {"name": name, "type": kind, "static_members": static or [], "excluded_members": excluded or []}


BREAKERS = {
    "serverless-capacity-required": lambda p: p["scaling"].pop("serverless"),
    "serverless-min-at-most-max": lambda p: p["scaling"]["serverless"].update(min_capacity=16, max_capacity=4),
    "autoscaling-min-at-most-max": lambda p: p["scaling"]["autoscaling"].update(mode="connections", min_readers=5,
                                                                                max_readers=2),
    "readers-within-limit": lambda p: p["scaling"].update(reader_count=14)
    or p["scaling"]["autoscaling"].update(mode="connections", max_readers=3),
    "cpu-target-is-a-percentage": lambda p: p["database"].update(instance_class="db.r7g.large")
    or p["scaling"]["autoscaling"].update(mode="cpu", target=150),
    "serverless-scales-readers-on-connections": lambda p: p["scaling"]["autoscaling"].update(mode="cpu", target=60),
    "iam-auth-log-needs-iam-auth": lambda p: p["observability"].update(log_exports=["postgresql", "iam-db-auth-error"])
    or p["database"].update(iam_authentication=False),
    "backup-window-at-least-30-minutes": lambda p: p["backup"].update(window="03:00-03:10"),
    "maintenance-window-at-least-30-minutes": lambda p: p["database"].update(maintenance_window="sun:05:00-sun:05:20"),
    "maintenance-window-clear-of-backup-window": lambda p: p["backup"].update(window="03:00-04:00")
    or p["database"].update(maintenance_window="sun:03:30-sun:04:30"),
    "custom-endpoint-names-unique": lambda p: p["database"].update(custom_endpoints=[
        _endpoint("analytics", "ANY", static=["writer"]), _endpoint("analytics", "READER")]),
    "custom-endpoint-static-or-excluded": lambda p: p["scaling"].update(reader_count=2)
    or p["database"].update(custom_endpoints=[_endpoint("analytics", "ANY", static=["reader1"], excluded=["reader2"])]),
    "custom-endpoint-members-exist": lambda p: p["scaling"].update(reader_count=2)
    or p["database"].update(custom_endpoints=[_endpoint("analytics", "READER", static=["reader2", "reader3"])]),
}
# Holds for every major offered today: no params can break it.
UNBREAKABLE = {"scale-to-zero-needs-auto-pause"}


def test_every_rule_has_a_terraform_check():
    assert set(BREAKERS) | UNBREAKABLE == set(RULE_IDS)


def test_valid_presets_plan(spec, rules_config):
    example = next(e for e in spec.examples if e.slug == "development-serverless")
    result = _plan(rules_config, example.params, example.connections)
    assert result.returncode == 0, result.stderr


def test_valid_custom_endpoints_plan(spec, rules_config):
    """Each member of a fixed reader up to scaling.reader_count, the writer, and either list alone."""
    example = next(e for e in spec.examples if e.slug == "development-serverless")
    params = copy.deepcopy(example.params)
    params["scaling"]["reader_count"] = 3
    params["database"]["custom_endpoints"] = [
        _endpoint("analytics", "READER", static=["reader2", "reader3"]),
        _endpoint("no-writer", "ANY", excluded=["writer"]),
        {"name": "all", "type": "ANY"},  # both lists left out: Terraform's optional(..., []) fills them in
    ]
    assert broken_rules(spec.params_schema, params) == []
    result = _plan(rules_config, params, example.connections)
    assert result.returncode == 0, result.stderr


def test_values_kept_from_branches_that_do_not_apply_are_ignored_by_the_plan(spec, rules_config):
    """A provisioned preset with what a form keeps after switching (RJSF keeps a hidden field's value): a
    serverless block whose minimum is above its maximum, the ACU alarm, a threshold on an alarm that is off
    and autoscaling bounds with autoscaling off. The schema accepts them and the plan ignores them."""
    from tests.test_published_schema import stale

    example = next(e for e in spec.examples if e.slug == "production")
    params = stale(copy.deepcopy(example.params))
    assert broken_rules(spec.params_schema, params) == []
    result = _plan(rules_config, params, example.connections)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_broken_rule_fails_the_plan_with_its_message(spec, rules_config, rule_id):
    example = next(e for e in spec.examples if e.slug == "development-serverless")
    params = copy.deepcopy(example.params)
    BREAKERS[rule_id](params)
    assert rule(rule_id) in broken_rules(spec.params_schema, params)  # Python agrees
    result = _plan(rules_config, params, example.connections)
    assert result.returncode == 1
    flat = " ".join(result.stderr.split())
    assert rule(rule_id).message() in flat, result.stderr


# (maintenance window, backup window, overlap?): wraps past midnight and past Sunday included.
WINDOWS = [
    ("sun:05:00-sun:06:00", "03:00-04:00", False),
    ("sat:23:30-sun:00:30", "00:00-00:45", True),
    ("sun:23:30-mon:00:30", "00:00-00:45", True),
    ("mon:01:00-mon:02:00", "23:30-00:59", False),
    ("mon:00:30-mon:02:00", "23:30-00:59", True),
    ("sun:23:00-sun:23:40", "23:40-00:20", False),
]


@pytest.mark.parametrize(("maintenance", "backup", "overlap"), WINDOWS)
def test_terraform_and_python_agree_on_overlapping_windows(spec, rules_config, maintenance, backup, overlap):
    example = next(e for e in spec.examples if e.slug == "development-serverless")
    params = copy.deepcopy(example.params)
    params["database"]["maintenance_window"], params["backup"]["window"] = maintenance, backup
    clash = rule("maintenance-window-clear-of-backup-window")
    assert (clash in broken_rules(spec.params_schema, params)) is overlap
    result = _plan(rules_config, params, example.connections)
    assert (result.returncode == 1 and clash.message() in " ".join(result.stderr.split())) is overlap, result.stderr


def _form_minimal(params: dict) -> dict:
    """What the form submits with every field it hides left out: no serverless capacity (provisioned), no
    autoscaling bounds (autoscaling off), no alarm thresholds or switches, no booleans (all have defaults)."""
    params = copy.deepcopy(params)
    params["database"]["instance_class"] = "db.r7g.large"
    params["scaling"].pop("serverless", None)
    params["scaling"]["autoscaling"] = {"mode": "disabled"}
    params["alarms"] = {key: {"enabled": False} for key in params["alarms"]}
    for group, field in (("database", "deletion_protection"), ("database", "iam_authentication"),
                         ("database", "apply_immediately"), ("backup", "skip_final_snapshot")):
        params[group].pop(field)
    return params


def test_params_without_the_fields_the_form_hides_validate_and_plan(spec, rules_config):
    from jsonschema import Draft7Validator

    example = next(e for e in spec.examples if e.slug == "development-serverless")
    params = _form_minimal(example.params)
    assert [e.message for e in Draft7Validator(spec.params_schema).iter_errors(
        {k: v for k, v in params.items() if k != "md_metadata"})] == []
    assert broken_rules(spec.params_schema, params) == []
    result = _plan(rules_config, params, example.connections)
    assert result.returncode == 0, result.stderr


def test_the_plan_of_many_documents_names_each_ones_errors(spec, tmp_path):
    """params_plan, which the browser test runs on everything the form submits: a good document plans; a hidden
    value Terraform cannot convert and a broken rule are each reported against their own document, the rest
    still planned."""
    example = next(e for e in spec.examples if e.slug == "development-serverless")
    good = {k: v for k, v in example.params.items() if k != "md_metadata"}
    wrong_type = copy.deepcopy(good)  # the provisioned-only alarm, out of sight on a serverless class
    wrong_type["alarms"]["db_load"] = {"enabled": True, "threshold": "2x"}
    broken = copy.deepcopy(good)
    BREAKERS["serverless-scales-readers-on-connections"](broken)
    found = plan_refusals([good, wrong_type, broken, good], ROOT / "src", spec.param_names, tmp_path / "plan")
    assert found[0] == [] and found[3] == []
    assert len(found[1]) == 1 and "a number is required" in found[1][0], found[1]
    assert found[2] == [f"Resource precondition failed: {rule('serverless-scales-readers-on-connections').message()}"]


# ------------------------------------------------------------------------------------------------
# snapshot-in-this-region: plan only (the region and partition are the deployment's, not the build's).


@pytest.fixture(scope="module")
def snapshot_config(rendered, tmp_path_factory) -> Path:
    """The cluster's snapshot precondition with the deployment's region (the generated local, from the vpc
    connection) and a variable standing in for data.aws_partition.current (no provider offline)."""
    from aurora_bundle.aws.cluster import SNAPSHOT_REGION_RULE
    from aurora_bundle.aws.kms import PARTITION

    src = rendered["src"].document()
    (precondition,) = [p for p in src["resource"]["aws_rds_cluster"]["main"]["lifecycle"]["precondition"]
                       if p["error_message"].endswith(f"[{SNAPSHOT_REGION_RULE}].")]
    names = ("region", "snapshot", "snapshot_partition", "snapshot_region", "snapshot_copy_how",
             "snapshot_other_partition_how")
    precondition, locals_ = json.loads(json.dumps([precondition, {name: src["locals"][name] for name in names}])
                                       .replace(PARTITION, "var.partition"))
    config = {"variable": {**src["variable"], "partition": {"type": "string"}},
              "locals": locals_,
              "resource": {"terraform_data": {"snapshot": {"input": "checked",
                                                           "lifecycle": {"precondition": [precondition]}}}}}
    work = tmp_path_factory.mktemp("snapshot")
    (work / "main.tf.json").write_text(json.dumps(config))
    return work


def _restore(spec, snapshot: str | None, region: str = "us-east-1", partition: str = "aws") -> tuple[dict, dict]:
    """The Development example's params and connections, deployed to ``region`` of ``partition``, restoring
    ``snapshot``."""
    example = next(e for e in spec.examples if e.slug == "development")
    params, connections = copy.deepcopy(example.params), copy.deepcopy(example.connections)
    params["database"]["snapshot_identifier"] = snapshot
    connections["vpc"]["specs"]["aws"]["region"] = region
    return params, {**connections, "partition": partition}


def _plan_restore(config: Path, spec, *args: str | None) -> str | None:
    """None when the plan succeeds, else its error on one line."""
    result = _plan(config, *_restore(spec, *args))
    return None if result.returncode == 0 else " ".join(result.stderr.split())


@pytest.mark.parametrize("snapshot", [None, "nightly", "rds:mydb-2026-12-01-03-10", "awsbackup:job-1a2b",
                                      "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:nightly",
                                      "arn:aws:rds:us-east-1:210987654321:cluster-snapshot:shared-by-another-account"])
def test_a_snapshot_of_this_region_or_a_plain_identifier_plans(spec, snapshot_config, snapshot):
    assert _plan_restore(snapshot_config, spec, snapshot) is None


def test_a_snapshot_of_another_region_fails_the_plan_saying_how_to_copy_it(spec, snapshot_config):
    arn = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:nightly"
    error = _plan_restore(snapshot_config, spec, arn)
    assert error is not None
    prefix = next(e for e in spec.examples if e.slug == "development").params["md_metadata"]["name_prefix"]
    assert ("database.snapshot_identifier: is a snapshot in eu-west-1 (partition aws), but this package deploys to "
            "us-east-1 (partition aws): a cluster is restored only from a snapshot in its own region; copy it into "
            "us-east-1 first with a key of this region (aws rds copy-db-cluster-snapshot --region us-east-1 "
            f"--source-db-cluster-snapshot-identifier {arn} --target-db-cluster-snapshot-identifier <a name> "
            f"--kms-key-id alias/{prefix}-aurora) and set the copy's name here [snapshot-in-this-region].") in error


@pytest.mark.parametrize(("arn", "region", "partition"), [
    ("arn:aws-us-gov:rds:us-gov-west-1:123456789012:cluster-snapshot:nightly", "us-east-1", "aws"),
    ("arn:aws:rds:cn-north-1:123456789012:cluster-snapshot:nightly", "cn-north-1", "aws-cn"),  # the region alone agrees
])
def test_a_snapshot_of_another_partition_fails_the_plan(spec, snapshot_config, arn, region, partition):
    error = _plan_restore(snapshot_config, spec, arn, region, partition)
    assert error is not None
    assert f"but this package deploys to {region} (partition {partition})" in error
    assert "AWS cannot copy a snapshot between partitions" in error and error.endswith(
        "[snapshot-in-this-region]."), error
