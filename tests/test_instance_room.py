"""The instance checks the plan makes before a rolling change or new instances: room in the cluster
(16 instances) and the account's DB-instance quota in the Region.

Runs Terraform on the generated variables and the ``instance_shape`` preconditions, with what the
plan reads from AWS (the cluster's members, the Region's instances, the applied quota) given as
variables in place of the data sources: no provider, about a second per plan.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from aurora_bundle.aws.instances import QUOTA_RULE, ROOM_RULE
from tests.conftest import ROOT, inline_locals

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")

# What the plan reads from AWS, and the variables standing in for it here.
READ = {
    "data.aws_db_instances.region.instance_identifiers": "var.region_ids",
    "data.aws_db_instances.members.instance_identifiers": "var.member_ids",
    "values(data.aws_db_instance.member)": "var.members",
    "data.aws_servicequotas_service_quota.db_instances.value": "var.quota",
    "local.region": '"us-east-1"',
}


@pytest.fixture(scope="module")
def checks(rendered, tmp_path_factory) -> Path:
    src = rendered["src"].document()
    preconditions = src["resource"]["terraform_data"]["instance_shape"]["lifecycle"]["precondition"]
    names = ["instances_changing", "instances_added", "instances_ours"]
    text = json.dumps([{key: inline_locals(value, src["locals"], names) for key, value in precondition.items()}
                       for precondition in preconditions])
    for read, variable in READ.items():
        text = text.replace(read, variable.replace('"', '\\"'))
    assert "data." not in text, text
    variables = {**src["variable"], "region_ids": {"type": "list(string)"}, "member_ids": {"type": "list(string)"},
                 "members": {"type": "list(object({db_instance_identifier = string, db_instance_class = string, "
                                     "ca_cert_identifier = string}))"},
                 "quota": {"type": "number"}}
    config = {"variable": variables, "resource": {"terraform_data": {"shape": {
        "input": "checked", "lifecycle": {"precondition": json.loads(text)}}}}}
    work = tmp_path_factory.mktemp("instance_checks")
    (work / "main.tf.json").write_text(json.dumps(config))
    return work


def _plan(work: Path, params: dict[str, Any], members: list[dict[str, str]], region: int, quota: int) -> str:
    connections = json.loads((ROOT / "examples" / "production" / "connections.json").read_text())
    ids = [m["db_instance_identifier"] for m in members]
    facts = {"member_ids": ids, "members": members, "quota": quota,
             "region_ids": ids + [f"other-{i}" for i in range(region - len(ids))]}
    (work / "terraform.tfvars.json").write_text(json.dumps({**params, **connections, **facts}))
    run = subprocess.run(["terraform", "plan", "-input=false", "-no-color"], cwd=work, capture_output=True, text=True,
                         timeout=120, env={"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1",
                                           "HOME": str(work)})
    return " ".join((run.stdout + run.stderr).split())


def _production(instance_class: str = "db.r7g.large") -> dict[str, Any]:
    params = json.loads((ROOT / "examples" / "production" / "params.json").read_text())
    params["database"]["instance_class"] = instance_class
    return params


def _running(n: int, instance_class: str = "db.r7g.large") -> list[dict[str, str]]:
    return [{"db_instance_identifier": f"p-{i}", "db_instance_class": instance_class,
             "ca_cert_identifier": "rds-ca-rsa2048-g1"} for i in range(n)]


def test_a_class_change_beyond_the_accounts_quota_is_refused_with_the_numbers(checks):
    """Production (writer + 2 readers) moving to a bigger class brings up 3 more beside the 38 running in
    the Region: 41 > 40, refused before anything changes, one line with the numbers and the way out."""
    out = _plan(checks, _production("db.r7g.xlarge"), _running(3), region=38, quota=40)
    assert f"[{QUOTA_RULE}]" in out, out
    assert ("this deployment brings up 3 new DB instances while 38 run in us-east-1, and the account's quota "
            "there is 40 DB instances") in out
    assert "request an increase in Service Quotas" in out


def test_room_within_the_quota_passes_and_an_unchanged_shape_adds_nothing(checks):
    assert "Plan: 1 to add" in _plan(checks, _production("db.r7g.xlarge"), _running(3), region=37, quota=40)
    # No class or CA change: nothing new comes up, even in a Region at its quota.
    assert "Plan: 1 to add" in _plan(checks, _production(), _running(3), region=40, quota=40)


def test_a_new_package_needs_room_for_its_whole_set(checks):
    out = _plan(checks, _production(), [], region=39, quota=40)
    assert f"[{QUOTA_RULE}]" in out and "brings up 3 new DB instances while 39 run" in out, out


def test_a_class_change_still_needs_room_in_the_cluster(checks):
    params = _production("db.r7g.xlarge")
    params["scaling"]["reader_count"] = 8
    out = _plan(checks, params, _running(9), region=9, quota=100)
    assert "8 new readers before the 9 running instances leave" in out and f"[{ROOM_RULE}]" in out, out
    assert "new DB instances while 9 run in us-east-1" not in out  # the quota's message is not shown: it holds
