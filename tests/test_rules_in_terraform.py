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

from aurora_bundle.inputs.rules import RULE_IDS, rule

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")


@pytest.fixture(scope="module")
def rules_config(rendered, tmp_path_factory) -> Path:
    src = rendered["src"].document()
    preconditions = src["resource"]["aws_rds_cluster"]["main"]["lifecycle"]["precondition"]
    config = {"variable": src["variable"], "resource": {"terraform_data": {"rules": {
        "input": "checked", "lifecycle": {"precondition": preconditions}}}}}
    work = tmp_path_factory.mktemp("rules")
    (work / "main.tf.json").write_text(json.dumps(config))
    return work


def _plan(work: Path, params: dict, connections: dict) -> subprocess.CompletedProcess[str]:
    (work / "terraform.tfvars.json").write_text(json.dumps({**params, **connections}))
    return subprocess.run(["terraform", "plan", "-input=false", "-no-color"], cwd=work, capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1",
                                                       "HOME": str(work)})


BREAKERS = {
    "serverless-capacity-required": lambda p: p["scaling"].pop("serverless"),
    "serverless-min-at-most-max": lambda p: p["scaling"]["serverless"].update(min_capacity=16, max_capacity=4),
    "autoscaling-min-at-most-max": lambda p: p["scaling"]["autoscaling"].update(mode="cpu", min_readers=5, max_readers=2),
    "readers-at-most-15": lambda p: p["scaling"].update(reader_count=14)
    or p["scaling"]["autoscaling"].update(mode="cpu", max_readers=3),
    "cpu-target-is-a-percentage": lambda p: p["scaling"]["autoscaling"].update(mode="cpu", target=150),
    "iam-auth-log-needs-iam-auth": lambda p: p["observability"].update(log_exports=["postgresql", "iam-db-auth-error"])
    or p["database"].update(iam_authentication=False),
    "backup-window-at-least-30-minutes": lambda p: p["backup"].update(window="03:00-03:10"),
}
# Holds for every major offered today: no params can break it.
UNBREAKABLE = {"scale-to-zero-needs-auto-pause"}


def test_every_rule_has_a_terraform_check():
    assert set(BREAKERS) | UNBREAKABLE == set(RULE_IDS)


def test_valid_presets_plan(spec, rules_config):
    example = next(e for e in spec.examples if e.slug == "development-serverless")
    result = _plan(rules_config, example.params, example.connections)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("rule_id", sorted(BREAKERS))
def test_broken_rule_fails_the_plan_with_its_message(spec, rules_config, rule_id):
    example = next(e for e in spec.examples if e.slug == "development-serverless")
    params = copy.deepcopy(example.params)
    BREAKERS[rule_id](params)
    from aurora_bundle.inputs.rules import broken_rules

    assert rule(rule_id) in broken_rules(params)  # Python agrees
    result = _plan(rules_config, params, example.connections)
    assert result.returncode == 1
    flat = " ".join(result.stderr.split())
    assert rule(rule_id).message() in flat, result.stderr
