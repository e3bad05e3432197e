"""The stand-ins for hashicorp/random and massdriver-cloud/massdriver, driven by real Terraform.

They serve the schemas transcribed from the providers' source and behave as the providers do where a
deploy depends on it. One working directory (a bundle root with massdriver.yaml and the schema-*.json
files mass writes, and a step directory) is initialised once; each test writes its configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from proof.mass_build import write_schemas
from proof.provisioner import Deployment
from proof.standins.mirror import STANDINS
from proof.standins.protocol import ProviderSchema
from proof.terraform import cli_environment
from tests.conftest import ROOT, SHARED

pytestmark = [pytest.mark.offline, pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")]

REQUIRED = {"random": {"source": "hashicorp/random", "version": "3.7.2"},
            "massdriver": {"source": "massdriver-cloud/massdriver", "version": "~> 2.0"}}


class Step:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = root / "src"
        self.dir.mkdir(parents=True)
        shutil.copy(ROOT / "massdriver.yaml", root / "massdriver.yaml")
        write_schemas(ROOT, root, SHARED)
        self.record = root / "requests.jsonl"
        deployment = Deployment(package_name="proj-dev-db-a1b2", bundle_name="aws-aurora-postgresql",
                                bundle_version="0.1.0", state_url="http://127.0.0.1:9", record=self.record)
        self.env = {**cli_environment(root / "build"), **deployment.environment("src", "provision")}
        self.write({})
        self.run("init", "-input=false")

    def write(self, resources: dict, outputs: dict | None = None) -> None:
        config = {"terraform": {"required_providers": REQUIRED}}
        if resources:
            config["resource"] = resources
        if outputs:
            config["output"] = outputs
        (self.dir / "main.tf.json").write_text(json.dumps(config))

    def run(self, *args: str, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["terraform", *args, "-no-color"], cwd=self.dir, env=env or self.env, capture_output=True,
                              text=True, timeout=300)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    def apply(self, *args: str, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("apply", "-input=false", "-auto-approve", *args, env=env, ok=ok)

    def outputs(self) -> dict:
        return {k: v["value"] for k, v in json.loads(self.run("output", "-json").stdout).items()}

    def requests(self) -> list[dict]:
        return [json.loads(line) for line in self.record.read_text().splitlines()] if self.record.exists() else []

    def reset(self) -> None:
        (self.dir / "terraform.tfstate").unlink(missing_ok=True)
        self.record.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def step(tmp_path_factory) -> Step:
    return Step(tmp_path_factory.mktemp("standins"))


@pytest.fixture
def fresh(step: Step) -> Step:
    step.reset()
    return step


def test_terraform_sees_exactly_the_transcribed_schemas(step):
    shown = json.loads(step.run("providers", "schema", "-json").stdout)["provider_schemas"]
    for name in STANDINS:
        transcribed = ProviderSchema.load(name)
        served = shown[transcribed.address]
        assert served["provider"] == transcribed.provider
        assert served["resource_schemas"] == transcribed.resources
        assert len(transcribed.source["commit"]) == 40


PASSWORD = {"length": "${var.length}", "special": True, "override_special": "!#", "min_lower": 2, "min_upper": 3,
            "min_numeric": 4, "min_special": 5}


def test_random_password_honours_length_and_minimums_and_is_replaced_when_an_argument_changes(fresh):
    fresh.write({"random_password": {"root": PASSWORD}}, {"password": {"value": "${random_password.root.result}",
                                                                       "sensitive": True}})
    (fresh.dir / "v.tf.json").write_text(json.dumps({"variable": {"length": {"type": "number", "default": 24}}}))
    fresh.apply()
    password = fresh.outputs()["password"]
    assert len(password) == 24
    assert sum(c.islower() for c in password) >= 2 and sum(c.isupper() for c in password) >= 3
    assert sum(c.isdigit() for c in password) >= 4 and sum(c in "!#" for c in password) >= 5
    assert set(password) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#")
    assert fresh.run("plan", "-detailed-exitcode", "-input=false").returncode == 0  # converged
    plan = fresh.run("plan", "-input=false", "-var", "length=30", "-out=tf.plan")
    assert "forces replacement" in plan.stdout
    change = json.loads(fresh.run("show", "-json", "tf.plan").stdout)["resource_changes"][0]
    assert change["change"]["actions"] == ["delete", "create"]
    assert change["change"]["replace_paths"] == [["length"]]
    (fresh.dir / "v.tf.json").unlink()


# The root password's arguments up to conftest.PREVIOUS_RELEASE (its src/credentials.tf.json): what the
# state of every package deployed before this version was drawn with.
OLD_PASSWORD = {"length": 40, "special": True, "override_special": "!#$%&*()-_=+[]{}<>:?", "min_lower": 1,
                "min_upper": 1, "min_numeric": 1, "min_special": 1}
ALPHANUMERIC = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def test_a_deployed_password_survives_the_new_arguments_and_rotation_draws_a_new_one(fresh):
    """A package deployed with the old arguments takes this version's src/credentials.tf.json: the plan changes
    neither the password nor what the cluster is given (``master_password`` is the password's result; here a
    terraform_data stands in for the cluster). Raising database.password_rotation replaces the password, drawn
    with the new arguments: 41 letters and digits."""
    shipped = {"resource": {"random_password": json.loads((ROOT / "src" / "credentials.tf.json").read_text())
                            ["resource"]["random_password"]}}  # the generated block, as this version ships it
    cluster = {"resource": {"terraform_data": {"cluster": {
        "input": {"master_password": "${random_password.root_password.result}"}}}},
        "output": {"password": {"value": "${random_password.root_password.result}", "sensitive": True}}}
    variables = {"variable": {"database": {"type": "object({password_rotation = optional(number, 0)})",
                                           "default": {}}}}
    files = {"cluster.tf.json": cluster, "variables.tf.json": variables,
             "credentials.tf.json": {"resource": {"random_password": {"root_password": OLD_PASSWORD}}}}
    try:
        fresh.write({})
        for name, config in files.items():
            (fresh.dir / name).write_text(json.dumps(config))
        fresh.apply()
        deployed = fresh.outputs()["password"]
        assert len(deployed) == 40 and set(deployed) - ALPHANUMERIC  # min_special = 1

        (fresh.dir / "credentials.tf.json").write_text(json.dumps(shipped))  # this version
        fresh.run("plan", "-input=false", "-out=tf.plan")
        changes = json.loads(fresh.run("show", "-json", "tf.plan").stdout)["resource_changes"]
        assert {c["address"]: c["change"]["actions"] for c in changes if c["change"]["actions"] != ["no-op"]} == {}
        assert fresh.run("plan", "-detailed-exitcode", "-input=false").returncode == 0
        fresh.apply()
        assert fresh.outputs()["password"] == deployed

        rotate = ("-var", "database={password_rotation = 1}")
        fresh.run("plan", "-input=false", *rotate, "-out=tf.plan")
        changes = json.loads(fresh.run("show", "-json", "tf.plan").stdout)["resource_changes"]
        actions = {c["address"]: c["change"]["actions"] for c in changes if c["change"]["actions"] != ["no-op"]}
        assert actions == {"random_password.root_password": ["delete", "create"], "terraform_data.cluster": ["update"]}
        fresh.apply(*rotate)
        rotated = fresh.outputs()["password"]
        assert rotated != deployed and len(rotated) == 41 and set(rotated) <= ALPHANUMERIC
        assert fresh.run("plan", "-detailed-exitcode", "-input=false", *rotate).returncode == 0  # converged
    finally:
        for name in files:
            (fresh.dir / name).unlink(missing_ok=True)


def test_random_string_and_id(fresh):
    fresh.write({"random_string": {"user": {"length": 12, "special": False, "upper": False, "numeric": True}},
                 "random_id": {"suffix": {"byte_length": 4, "prefix": "x-"}}},
                {"user": {"value": "${random_string.user.result}"}, "hex": {"value": "${random_id.suffix.hex}"},
                 "dec": {"value": "${random_id.suffix.dec}"}})
    fresh.apply()
    out = fresh.outputs()
    assert len(out["user"]) == 12 and out["user"] == out["user"].lower() and out["user"].isalnum()
    assert out["hex"].startswith("x-") and len(out["hex"]) == 2 + 8
    assert int(out["hex"][2:], 16) == int(out["dec"][2:])


def _artifact(payload: dict) -> dict:
    return {"massdriver_resource": {"writer": {"field": "writer", "name": "PostgreSQL writer",
                                               "resource": json.dumps(payload)}}}


VALID = {"data": {"authentication": {"hostname": "db.example", "port": 5432, "username": "root", "password": "pw"},
                  "infrastructure": {"arn": "arn:aws:rds:us-east-1:123456789012:cluster:db"},
                  "security": {}},
         "specs": {"rdbms": {"engine": "postgresql", "version": "17.9"}}}


def test_massdriver_resource_sends_a_payload_that_matches_the_artifact_definition(fresh):
    fresh.write(_artifact(VALID))
    fresh.apply()
    (sent,) = fresh.requests()
    assert sent["method"] == "POST" and sent["path"] == "/v1/resources"
    assert sent["body"] == {"id": "", "field": "writer", "type": "massdriver/postgresql-authentication",
                            "name": "PostgreSQL writer", "payload": VALID}
    assert fresh.run("plan", "-detailed-exitcode", "-input=false").returncode == 0


def test_massdriver_resource_refuses_a_payload_the_definition_rejects(fresh):
    broken = json.loads(json.dumps(VALID))
    broken["data"]["authentication"]["port"] = "5432"
    fresh.write(_artifact(broken))
    result = fresh.apply(ok=False)
    assert result.returncode == 1
    assert ("resource validation failed: data.authentication.port: Invalid type. Expected: integer, given: string"
            in " ".join(result.stderr.split()))
    assert fresh.requests() == []


def test_massdriver_needs_a_deployment(fresh):
    fresh.write(_artifact(VALID))
    outside = {k: v for k, v in fresh.env.items() if not k.startswith("MASSDRIVER_")}
    result = fresh.apply(env=outside, ok=False)
    flat = " ".join(result.stderr.split())
    assert "Unable to create Massdriver client" in flat
    assert "error resolving credentials: no credentials found" in flat
    partial = {**fresh.env}
    del partial["MASSDRIVER_BUNDLE_NAME"]
    result = fresh.apply(env=partial, ok=False)
    assert "required key BUNDLE_NAME missing value" in result.stderr


ALARM = {"display_name": "CPU", "cloud_resource_id": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:db-cpu",
         "comparison_operator": "GreaterThanThreshold", "threshold": 80, "period": 300,
         "metric": [{"name": "CPUUtilization", "namespace": "AWS/RDS", "statistic": "Average",
                     "dimensions": {"DBClusterIdentifier": "db", "Role": "WRITER"}}]}


def test_instance_alarm_is_registered_on_the_deployments_instance(fresh):
    fresh.write({"massdriver_instance_alarm": {"cpu": ALARM}})
    fresh.apply()
    (sent,) = fresh.requests()
    assert sent["graphql"] == "createInstanceAlarm"
    assert sent["variables"]["instanceId"] == "proj-dev-db"  # MASSDRIVER_INSTANCE_ID
    assert sent["variables"]["input"]["metric"]["dimensions"] == [{"name": "DBClusterIdentifier", "value": "db"},
                                                                   {"name": "Role", "value": "WRITER"}]
    assert sent["variables"]["input"]["period"] == 300


def test_instance_alarm_requires_an_instance_id(fresh):
    fresh.write({"massdriver_instance_alarm": {"cpu": ALARM}})
    env = {k: v for k, v in fresh.env.items() if k not in ("MASSDRIVER_INSTANCE_ID", "MASSDRIVER_PACKAGE_NAME")}
    result = fresh.apply(env=env, ok=False)
    assert ("instance_id must be set in config, or MASSDRIVER_INSTANCE_ID / MASSDRIVER_PACKAGE_NAME must be set in "
            "the environment") in " ".join(result.stderr.split())


def test_the_standin_refuses_to_run_outside_terraform():
    env = {k: v for k, v in os.environ.items() if k != "TF_PLUGIN_MAGIC_COOKIE"}
    proc = subprocess.run([sys.executable, "-m", "proof.standins", "random"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Terraform starts it" in proc.stderr
