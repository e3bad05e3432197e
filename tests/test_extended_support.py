"""database.extended_support: RDS Extended Support as an explicit choice, made once, priced by make cost."""

from __future__ import annotations

import copy
import datetime
import json
import shutil
import subprocess
from typing import Any

import boto3
import pytest
import yaml

from aurora_bundle.cost.estimate import estimate
from proof.mutations import REFUSED_AT_PLAN, mutations
from tests.conftest import ROOT
from tests.test_bad_input import _rejected

ON = "open-source-rds-extended-support"
OFF = "open-source-rds-extended-support-disabled"


def _database_field() -> dict[str, Any]:
    schema = json.loads((ROOT / "schemas" / "database.json").read_text())
    return schema["properties"]["extended_support"]


def _example(slug: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / slug / "params.json").read_text())


def _with(params: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(params)
    *parents, last = path.split(".")
    node = changed
    for key in parents:
        node = node[key]
    node[last] = value
    return changed


def test_the_field_offers_awss_two_values_defaults_to_awss_and_is_immutable():
    """AWS's values (CreateDBCluster, RestoreDBClusterFromSnapshot: EngineLifecycleSupport); the default
    is AWS's own, which is what every cluster deployed before the param existed holds, so upgrading the
    bundle changes nothing there."""
    field = _database_field()
    assert field["enum"] == [ON, OFF]
    assert field["default"] == ON
    assert field["$md.immutable"] is True


def test_the_form_says_what_it_costs_and_what_happens_without_it():
    field = _database_field()
    text = field["description"]
    assert field["title"] == "RDS Extended Support"
    for words in ("per vCPU-hour", "per ACU-hour", "2027-02-28", "upgrades the cluster to a supported major",
                  "when the cluster is created", "make cost"):
        assert words in text, words
    ui = yaml.safe_load((ROOT / "massdriver.yaml").read_text())["ui"]["database"]
    assert len(ui["extended_support"]["ui:enumNames"]) == 2
    assert "extended_support" in ui["ui:order"]


def test_every_preset_and_example_chooses_it_explicitly():
    document = yaml.safe_load((ROOT / "massdriver.yaml").read_text())
    chosen = {preset["__name"]: preset["database"].get("extended_support") for preset in document["params"]["examples"]}
    assert chosen == {"Development": OFF, "Development (Serverless)": OFF, "Production": ON,
                      "Production (Serverless)": ON}
    for slug in ("development", "development-serverless", "production", "production-serverless"):
        assert _example(slug)["database"]["extended_support"] in (ON, OFF)


def test_the_readme_lists_it_as_immutable():
    readme = (ROOT / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| `database.extended_support`"))
    assert "(immutable)" in row and f"`{OFF}`" in row


def test_a_value_aws_does_not_know_is_one_line_at_build(bundle):
    path = bundle / "massdriver.yaml"
    path.write_text(path.read_text().replace(f"extended_support: {ON}\n", "extended_support: enabled\n", 1))
    _rejected(bundle, f'massdriver.yaml preset "Production": database.extended_support = "enabled": expected one of: '
                      f'"{ON}", "{OFF}"')


def test_the_cluster_sets_it_at_creation_and_refuses_a_change_at_plan():
    """The provider (5.100) sends engine_lifecycle_support only to CreateDBCluster and
    RestoreDBClusterFromSnapshot; ignore_changes keeps the state's value, and the postcondition refuses a
    param that differs from it, in one line."""
    cluster = json.loads((ROOT / "src" / "cluster.tf.json").read_text())["resource"]["aws_rds_cluster"]["main"]
    assert cluster["engine_lifecycle_support"] == "${var.database.extended_support}"
    assert "engine_lifecycle_support" in cluster["lifecycle"]["ignore_changes"]
    (check,) = [c for c in cluster["lifecycle"]["postcondition"] if "extended-support" in c["error_message"]]
    assert "self.engine_lifecycle_support" in check["condition"]
    assert "\n" not in check["error_message"] and check["error_message"].startswith("database.extended_support: ")


def test_the_single_param_sweep_plans_it_apart_as_a_refusal():
    params = {k: v for k, v in _example("production").items() if k != "md_metadata"}
    schema = _spec_schema()
    assert "database.extended_support" not in mutations(schema, params)
    refused = mutations(schema, params, immutable=REFUSED_AT_PLAN)
    assert list(refused) == ["database.extended_support"]
    assert refused["database.extended_support"]["database"]["extended_support"] == OFF


def _spec_schema() -> dict[str, Any]:
    from aurora_bundle.inputs import spec

    return spec.load(ROOT).params_schema


@pytest.mark.parametrize(("on", "rate"), [("2027-02-28", None), ("2027-03-01", 0.10), ("2029-02-28", 0.10),
                                          ("2029-03-01", 0.20)])
def test_make_cost_prices_it_past_the_end_of_standard_support(on, rate):
    """PostgreSQL 14's standard support ends 2027-02-28: charged from the day after, years 1-2 at one rate,
    then year 3 at another, per vCPU-hour of every instance (Production: writer + 2 readers + 0-3)."""
    params = _with(_example("production"), "database.engine_version", "14")
    line = estimate(params, on=datetime.date.fromisoformat(on)).line("RDS Extended Support")
    assert line is not None
    if rate is None:
        assert (line.low, line.high) == (0, 0) and "standard support until 2027-02-28" in line.detail
    else:
        assert (line.low, line.high) == (pytest.approx(2 * 3 * rate * 730), pytest.approx(2 * 6 * rate * 730))


def test_make_cost_prices_serverless_per_acu_hour_and_nothing_when_off():
    params = _with(_example("production-serverless"), "database.engine_version", "14")
    line = estimate(params, on=datetime.date(2027, 6, 1)).line("RDS Extended Support")
    assert line is not None  # 2-64 ACUs, writer + 1 reader + 0-4 autoscaled, at $0.085 in years 1-2
    assert (line.low, line.high) == (pytest.approx(2 * 2 * 0.085 * 730), pytest.approx(64 * 6 * 0.085 * 730))
    off = estimate(_with(params, "database.extended_support", OFF), on=datetime.date(2027, 6, 1))
    assert off.line("RDS Extended Support").low == 0  # type: ignore[union-attr]


def test_make_cost_takes_the_estimates_date():
    from aurora_bundle.cost.__main__ import main

    path = ROOT / "examples" / "production" / "params.json"
    assert main([str(path), "--on", "2030-03-01"]) == 0


@pytest.mark.offline
@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_the_aws_provider_would_update_not_replace_and_the_change_would_stay(tmp_path):
    """What the generated cluster guards against, shown with the AWS provider the bundle pins (the
    machine's mirror, 5.100) and the emulator: engine_lifecycle_support is not ForceNew (a change plans
    an in-place update) and its update never sends it (after the apply, AWS still reports the value the
    cluster was created with, and the plan shows the same change again)."""
    from proof.emulator import emulator_environment
    from proof.emulator.process import Emulator
    from proof.provisioner import emulator_override
    from proof.terraform import cli_environment

    config = {
        "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}},
        "variable": {"support": {"type": "string"}},
        "provider": {"aws": {"region": "us-east-1"}},
        "resource": {"aws_rds_cluster": {"c": {
            "cluster_identifier": "els-provider", "engine": "aurora-postgresql", "master_username": "rootels",
            "master_password": "x" * 20, "skip_final_snapshot": True, "apply_immediately": True,
            "engine_lifecycle_support": "${var.support}"}}},
    }
    env = cli_environment(tmp_path / "build")
    with Emulator() as emulator:
        (tmp_path / "main.tf.json").write_text(json.dumps(config))
        env.update(emulator_environment(emulator.endpoint))
        override = emulator_override()
        override["provider"]["aws"]["region"] = "us-east-1"
        (tmp_path / "emulator_override.tf.json").write_text(json.dumps(override))

        def terraform(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(["terraform", *args, "-input=false", "-no-color"], cwd=tmp_path, env=env,
                                  capture_output=True, text=True, timeout=300)

        def planned(value: str) -> list[str]:
            assert terraform("plan", "-out", "tf.plan", f"-var=support={value}").returncode == 0
            shown = json.loads(subprocess.run(["terraform", "show", "-json", "tf.plan"], cwd=tmp_path, env=env,
                                              capture_output=True, text=True, timeout=120, check=True).stdout)
            return next(c["change"]["actions"] for c in shown["resource_changes"] if c["address"] == "aws_rds_cluster.c")

        assert terraform("init").returncode == 0
        created = terraform("apply", "-auto-approve", f"-var=support={ON}")
        assert created.returncode == 0, created.stderr
        assert planned(OFF) == ["update"]
        changed = terraform("apply", "-auto-approve", f"-var=support={OFF}")
        assert changed.returncode == 0, changed.stderr
        rds = boto3.client("rds", endpoint_url=emulator.endpoint, region_name="us-east-1", aws_access_key_id="test",
                           aws_secret_access_key="test")
        assert rds.describe_db_clusters(DBClusterIdentifier="els-provider")["DBClusters"][0][
            "EngineLifecycleSupport"] == ON
        assert planned(OFF) == ["update"]
