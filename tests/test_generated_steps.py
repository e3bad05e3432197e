"""The Terraform JSON in kms/ and src/: what Massdriver runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from aurora_bundle.aws.alarm_table import ALARMS
from aurora_bundle.readme import render_readme
from aurora_bundle.terraform.synth import STEPS
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def published(rendered):
    return {step: output.document() for step, output in rendered.items()}


@pytest.mark.parametrize("step", STEPS)
def test_committed_output_equals_a_fresh_build(rendered, step):
    committed = {p.name: p.read_text() for p in (ROOT / step).glob("*.tf.json")}
    assert committed == rendered[step].files, f"{step}/ is stale: run make build and commit"


@pytest.mark.parametrize("step", STEPS)
def test_committed_assets_equal_a_fresh_build(rendered, step):
    """The files beside the Terraform JSON (the failover function's package) are the build's, byte for byte."""
    for name, content in rendered[step].assets.items():
        assert (ROOT / step / name).read_bytes() == content, f"{step}/{name} is stale: run make build and commit"


def test_the_failover_runs_after_the_new_instances_and_may_only_fail_over_this_cluster(published):
    """The invocation reads the writer (its identifier, its id as the trigger) and depends on the readers, so
    Terraform deletes no old instance before it returns; its function's package is the step's archive, and
    its role may describe and fail over this cluster only."""
    src = published["src"]
    invocation = src["resource"]["aws_lambda_invocation"]["writer_failover"]
    assert invocation["depends_on"] == ["aws_rds_cluster_instance.reader"]
    assert invocation["triggers"] == {"writer": "${aws_rds_cluster_instance.writer.id}"}
    assert "aws_rds_cluster_instance.writer.identifier" in invocation["input"]
    assert "lifecycle_scope" not in invocation  # CREATE_ONLY: never invoked on a decommission
    function = src["resource"]["aws_lambda_function"]["writer_failover"]
    assert function["filename"] == "${path.module}/writer-failover.zip" and function["handler"] == "writer_failover.handler"
    policy = src["resource"]["aws_iam_policy"]["writer_failover"]["policy"]
    actions = re.findall(r'"((?:rds|logs):[A-Za-z]+)"', policy)
    assert sorted(actions) == ["logs:CreateLogStream", "logs:PutLogEvents", "rds:DescribeDBClusters",
                               "rds:FailoverDBCluster"], actions
    assert ":cluster:${local.identifier}" in policy and '"*"' not in policy


def test_one_file_per_concern(rendered):
    """A person reading a deployed step finds things by file name, as in a hand-written bundle."""
    assert set(rendered["kms"].files) == {"variables.tf.json", "names.tf.json", "providers.tf.json", "kms.tf.json"}
    src = rendered["src"]
    assert {"cluster.tf.json", "instances.tf.json", "alarms.tf.json", "network.tf.json", "artifacts.tf.json",
            "credentials.tf.json"} <= set(src.files)
    cluster = json.loads(src.files["cluster.tf.json"])
    assert "aws_rds_cluster" in cluster["resource"] and "aws_rds_cluster_instance" not in cluster["resource"]
    assert set(json.loads(src.files["artifacts.tf.json"])["resource"]) == {"massdriver_resource"}
    assert src.origins[("resource", "aws_rds_cluster", "main")] == "aurora_bundle/aws/cluster.py"


def test_readme_params_reference_is_current(spec):
    text = (ROOT / "README.md").read_text()
    assert render_readme(text, spec) == text, "README.md generated sections (params, preset estimates) are stale: run make build"


@pytest.mark.parametrize("step", STEPS)
def test_variables_are_params_connections_and_md_metadata(spec, published, step):
    expected = set(spec.param_names) | set(spec.connection_names) | {"md_metadata"}
    assert set(published[step]["variable"]) == expected


def test_variables_are_typed_from_the_schema(published):
    variables = published["src"]["variable"]
    assert "engine_version = string" in variables["database"]["type"]
    assert "snapshot_identifier = optional(string)" in variables["database"]["type"]
    assert "serverless = optional(object({" in variables["scaling"]["type"]
    assert variables["observability"]["type"].count("log_exports = list(string)") == 1
    assert "external_id = optional(string)" in variables["aws_authentication"]["type"]
    assert all(v.get("nullable") is False for v in variables.values())


@pytest.mark.parametrize("step", STEPS)
def test_no_backend_and_pinned_providers(published, step):
    terraform = published[step]["terraform"]
    assert "backend" not in terraform
    providers = terraform["required_providers"]
    assert providers["aws"] == {"source": "hashicorp/aws", "version": "5.100.0"}
    if step == "src":
        assert providers["random"]["source"] == "hashicorp/random"
        assert providers["massdriver"] == {"source": "massdriver-cloud/massdriver", "version": "~> 2.0"}
    else:
        assert set(providers) == {"aws"}


@pytest.mark.parametrize("step", STEPS)
def test_resource_names_are_readable(published, step):
    names = [name for kind in published[step].get("resource", {}).values() for name in kind]
    names += [name for kind in published[step].get("data", {}).values() for name in kind]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*[a-z0-9]", n) and not re.search(r"[0-9a-f]{8}", n) for n in names), names
    assert "main" in published[step]["resource"]["aws_kms_key" if step == "kms" else "aws_rds_cluster"]


def test_published_wiring_uses_random_and_massdriver(published):
    resources = published["src"]["resource"]
    password = resources["random_password"]["root_password"]
    # Letters and digits (consumers concatenate it raw into URLs), as long as Aurora takes (41).
    assert (password["length"], password["special"], "override_special" in password) == (41, False, False)
    # A package deployed by an earlier version keeps its password: no generation argument replaces it,
    # only a raised database.password_rotation (keepers, null at 0 as in their state) draws a new one.
    assert set(password["lifecycle"]["ignore_changes"]) >= {"length", "special", "override_special", "min_special",
                                                            "min_lower", "min_upper", "min_numeric", "upper", "lower",
                                                            "numeric"}
    assert "keepers" not in password["lifecycle"]["ignore_changes"]
    assert password["keepers"] == ("${var.database.password_rotation > 0 ? "
                                   "{rotation = tostring(var.database.password_rotation)} : null}")
    cluster = resources["aws_rds_cluster"]["main"]
    assert cluster["master_password"] == "${random_password.root_password.result}"
    assert cluster["master_username"] == ('${try(var.database.snapshot_identifier, null) == null ? '
                                          'format("root%s", random_string.root_username.result) : null}')
    assert "random_id.final_snapshot.hex" in cluster["final_snapshot_identifier"]
    artifacts = resources["massdriver_resource"]
    assert {name: a["field"] for name, a in artifacts.items()} == {"writer": "writer", "readers": "readers"}
    assert "aws_rds_cluster.main.endpoint" in artifacts["writer"]["resource"]
    assert '"username" = aws_rds_cluster.main.master_username' in artifacts["writer"]["resource"]
    # The running version while the major stays, the newest standard minor of a new cluster, the newest listed
    # target of a new major (the e2e proves the behaviour); never `latest = true`, which can pick a Limitless build.
    assert cluster["engine_version"] == "${local.engine_version}"
    engine = published["src"]["locals"]["engine_version"]
    assert "local.running_version" in engine and "local.engine_new" in engine and "local.engine_target" in engine
    assert not [d for d in published["src"]["data"]["aws_rds_engine_version"].values() if d.get("latest")]
    assert "aws_rds_cluster.main.reader_endpoint" in artifacts["readers"]["resource"]
    registrations = resources["massdriver_instance_alarm"]
    assert set(registrations) == {a.key for a in ALARMS}
    for key, registration in registrations.items():
        alarm = published["src"]["resource"]["aws_cloudwatch_metric_alarm"][key]
        if "for_each" in alarm:  # one alarm per instance: one registration per alarm
            assert registration["for_each"] == f"${{aws_cloudwatch_metric_alarm.{key}}}"
            assert registration["cloud_resource_id"] == "${each.value.arn}"
            continue
        assert registration["count"] == alarm["count"]
        assert f"aws_cloudwatch_metric_alarm.{key}[count.index].arn" in registration["cloud_resource_id"]


@pytest.mark.parametrize("kind", ["aws_rds_cluster_parameter_group", "aws_db_parameter_group"])
def test_deployed_parameter_groups_keep_their_address_and_are_never_replaced(published, kind):
    """Packages deployed by earlier versions hold ``<kind>.main`` in their state: it stays unkeyed with its
    name prefix, and its family (the major it was created with) is ignored, so no upgrade replaces it
    (AWS refuses deleting an instance group in use). Other majors are ``upgraded["<major>"]``."""
    groups = published["src"]["resource"][kind]
    main = groups["main"]
    assert "for_each" not in main and "count" not in main
    assert main["name_prefix"] == "${local.identifier}-"
    assert main["family"] == '${"aurora-postgresql${var.database.engine_version}"}'
    assert main["lifecycle"]["ignore_changes"] == ["family"]
    upgraded = groups["upgraded"]
    assert f'trimprefix({kind}.main.family, "aurora-postgresql")' in upgraded["for_each"]
    assert upgraded["name_prefix"] == "${local.identifier}-pg${each.key}-"
    assert upgraded["lifecycle"] == {"create_before_destroy": True}


def test_kms_key_policy_has_no_wildcard_principal(published):
    key = published["kms"]["resource"]["aws_kms_key"]["main"]
    assert key["enable_key_rotation"] is True
    assert '"AWS" = "*"' not in key["policy"] and '"Principal" = "*"' not in key["policy"]
    for service in ("rds.${local.region}.amazonaws.com", "logs.${local.region}.amazonaws.com",
                    "cloudwatch.amazonaws.com", "sns.amazonaws.com"):
        assert service in key["policy"]
    assert "var.md_metadata.name_prefix" in published["kms"]["resource"]["aws_kms_alias"]["main"]["name"]


RDS_IDENTIFIER = re.compile(r"[a-z](?:-?[a-z0-9])*")  # a letter first, no hyphen last or twice in a row
PREFIXES = ["acme-prod-aurora-x7k2", "a" * 42 + "-" + "b" * 9, "a" * 43 + "-" + "b" * 8, "x" * 30 + "-" + "y" * 31]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_instance_names_are_rds_identifiers_for_any_prefix(spec, rendered, tmp_path):
    """The writer's and the 15th reader's names as Terraform computes them when they are created, for
    prefixes of every length class (kept, cut at a hyphen, shortened with a hash)."""
    src = rendered["src"].document()
    instances = src["resource"]["aws_rds_cluster_instance"]
    names = {"writer": instances["writer"]["identifier"],
             "reader": instances["reader"]["identifier"].replace("count.index", "14")}
    config = {"variable": {"md_metadata": src["variable"]["md_metadata"]},
              "locals": {k: src["locals"][k] for k in ("name_prefix", "identifier")},
              "output": {k: {"value": v} for k, v in names.items()}}
    env = {"PATH": os.environ["PATH"], "TF_IN_AUTOMATION": "1", "HOME": str(tmp_path)}
    for index, prefix in enumerate(PREFIXES):
        work = tmp_path / str(index)
        work.mkdir()
        (work / "main.tf.json").write_text(json.dumps(config))
        md_metadata = {**spec.examples[0].params["md_metadata"], "name_prefix": prefix}
        (work / "terraform.tfvars.json").write_text(json.dumps({"md_metadata": md_metadata}))
        subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=work, env=env,
                       capture_output=True, text=True, timeout=120, check=True)
        outputs = json.loads(subprocess.run(["terraform", "output", "-json"], cwd=work, env=env, capture_output=True,
                                            text=True, timeout=60, check=True).stdout)
        for role, output in outputs.items():
            name = output["value"]
            assert len(name) <= 63 and RDS_IDENTIFIER.fullmatch(name), (prefix, role, name)
            assert name.endswith(f"-{'writer' if role == 'writer' else 'reader15'}-" + name[-10:]), name


def _interpolations(text: str) -> list[str]:
    """The expressions inside a Terraform JSON string's ``${...}`` (not ``$${``), outermost only."""
    found, i = [], 0
    while (start := text.find("${", i)) >= 0:
        if start > 0 and text[start - 1] == "$":
            i = start + 2
            continue
        depth, quoted, k = 0, False, start + 1
        while k < len(text):
            char = text[k]
            if quoted:
                k += char == "\\"
                quoted = char != '"'
            elif char == '"':
                quoted = True
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        found.append(text[start + 2:k])
        i = k + 1
    return found


def _strings(node, path: str = ""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{path}/{index}")
    elif isinstance(node, str):
        yield path, node


LONGEST_EXPRESSION = 300
RUNNING_VERSION = "one([for c in values(data.aws_rds_cluster.running) : c.engine_version])"


def test_every_expression_reads_in_a_few_lines(rendered):
    """No expression of the shipped steps is longer than 300 characters, but a policy document built with
    jsonencode: a decision used twice, or longer than that, is a named local. An error message may be long
    prose; the expressions interpolated into it are held to the same limit."""
    long = [f"{step}/{name}{path}: {len(code)} characters: {code[:80]}..."
            for step, output in rendered.items() for name, text in output.files.items()
            for path, value in _strings(json.loads(text)) for code in _interpolations(value)
            if len(code) > LONGEST_EXPRESSION and not code.startswith("jsonencode(")]
    assert not long, "\n".join(long)
    src = "".join(rendered["src"].files.values())
    assert src.count(RUNNING_VERSION) == 1, "the running version is read once, as local.running_version"
