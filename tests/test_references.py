"""References that cannot be mistyped: the last structural check of the generated JSON (terraform/references).

A misspelt argument, attribute, param path, local or resource fails ``make build`` with one line
naming the module that wrote it, and nothing is written.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from aurora_bundle.aws.provider import AWS_PROVIDER_VERSION
from aurora_bundle.inputs.errors import BundleError, Problem
from aurora_bundle.massdriver.wiring import RANDOM_VERSION
from aurora_bundle.terraform import PROVIDER_SCHEMAS
from aurora_bundle.terraform.references import check_document, check_steps, provider_schemas
from aurora_bundle.terraform.synth import STEPS
from proof.watch_process import copy_bundle
from tests.conftest import ROOT

CLUSTER = "aurora_bundle/aws/cluster.py"
# The serverless block of the cluster, as aurora_bundle/aws/cluster.py writes it, and the two typos.
ORIGINAL = '"min_capacity": "${serverlessv2_scaling_configuration.value.min_capacity}"'
TYPOS = {
    "content key": (
        '"min_capcity": "${serverlessv2_scaling_configuration.value.min_capacity}"',
        f"error: {CLUSTER}: aws_rds_cluster.main dynamic.serverlessv2_scaling_configuration.content.min_capcity = "
        '"${serverlessv2_scaling_configuration.value.min_capacity}": serverlessv2_scaling_configuration has no '
        "argument min_capcity (it has: max_capacity, min_capacity, seconds_until_auto_pause)",
    ),
    "iterator path": (
        '"min_capacity": "${serverlessv2_scaling_configuration.value.min_capcity}"',
        f"error: {CLUSTER}: aws_rds_cluster.main dynamic.serverlessv2_scaling_configuration.content.min_capacity = "
        '"${serverlessv2_scaling_configuration.value.min_capcity}": param scaling.serverless has no property '
        "min_capcity (it has: max_capacity, min_capacity, seconds_until_auto_pause)",
    ),
}


def _snapshot(bundle: Path) -> dict[str, bytes]:
    return {str(p.relative_to(bundle)): p.read_bytes() for step in STEPS for p in (bundle / step).rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def typo_builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[Path, dict[str, bytes], Any]]]:
    """``make build`` in a copy of the bundle per typo, both started at once: each is a fresh generator process,
    which spends seconds starting jsii before it reads the mistyped module."""
    runs = {}
    for typo, (mistyped, _) in TYPOS.items():
        bundle = copy_bundle(ROOT, tmp_path_factory.mktemp("typo"))
        module = bundle / CLUSTER
        source = module.read_text()
        assert source.count(ORIGINAL) == 1, f"{CLUSTER} no longer writes the serverless block this test edits"
        module.write_text(source.replace(ORIGINAL, mistyped))
        env = {**os.environ, "PYTHONPATH": str(bundle)}  # the copy's aurora_bundle, with the typo, is the one imported
        runs[typo] = (bundle, _snapshot(bundle), subprocess.Popen(
            [sys.executable, str(bundle / "generate.py"), "--root", str(bundle)], cwd=bundle, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    yield runs
    for _, _, proc in runs.values():
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("typo", TYPOS)
def test_the_typo_experiment_fails_the_build_with_one_line(typo_builds, typo):
    """make build in a copy of the bundle whose cluster module has the typo: exit 1, one line, nothing written."""
    bundle, before, proc = typo_builds[typo]
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    assert [line for line in stderr.splitlines() if line.startswith("error:")] == [TYPOS[typo][1]]
    assert "1 problem(s); nothing was written." in stderr
    assert _snapshot(bundle) == before


def test_the_generated_steps_pass(rendered, spec):
    assert check_steps(rendered, spec.params_schema) == []


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(document: dict[str, Any]) -> None:
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


CLUSTER_BLOCK = ("resource", "aws_rds_cluster", "main")
READER = ("resource", "aws_rds_cluster_instance", "reader")
WRITER = ("resource", "aws_rds_cluster_instance", "writer")
# name: (step, edit, module, field, value, what the message starts with)
CASES: dict[str, tuple[str, Callable[[dict[str, Any]], None], str, str, Any, str]] = {
    "resource attribute that does not exist": (
        "src", _set((*READER, "cluster_identifier"), "${aws_rds_cluster.main.endpointt}"),
        "aurora_bundle/aws/instances.py", "aws_rds_cluster_instance.reader cluster_identifier",
        "${aws_rds_cluster.main.endpointt}", "aws_rds_cluster has no attribute endpointt (did you mean: endpoint"),
    "param path the schema lacks": (
        "src", _set((*READER, "count"), "${var.scaling.readers_count}"),
        "aurora_bundle/aws/instances.py", "aws_rds_cluster_instance.reader count", "${var.scaling.readers_count}",
        "param scaling has no property readers_count (it has: autoscaling, reader_count, serverless)"),
    "md_metadata path (kms step)": (
        "kms", _set(("resource", "aws_kms_key", "main", "description"), "${var.md_metadata.name_prefx}"),
        "aurora_bundle/aws/kms.py", "aws_kms_key.main description", "${var.md_metadata.name_prefx}",
        "md_metadata has no property name_prefx (it has: default_tags, name_prefix, observability)"),
    "connection path": (
        "src", _set((*CLUSTER_BLOCK, "cluster_identifier"), "${var.vpc.data.infrastructure.arm}"),
        CLUSTER, "aws_rds_cluster.main cluster_identifier", "${var.vpc.data.infrastructure.arm}",
        "connection vpc.data.infrastructure has no property arm (it has: arn, cidr, internal_subnets, private_subnets)"),
    "undeclared variable": (
        "src", _set((*CLUSTER_BLOCK, "cluster_identifier"), "${var.databse.engine_version}"),
        CLUSTER, "aws_rds_cluster.main cluster_identifier", "${var.databse.engine_version}",
        "var.databse is not declared (declared: "),
    "undeclared local": (
        "src", _set((*CLUSTER_BLOCK, "cluster_identifier"), "${local.undeclared}"),
        CLUSTER, "aws_rds_cluster.main cluster_identifier", "${local.undeclared}", "local.undeclared is not declared"),
    "undeclared resource": (
        "src", _set((*CLUSTER_BLOCK, "db_subnet_group_name"), "${aws_db_subnet_group.missing.name}"),
        CLUSTER, "aws_rds_cluster.main db_subnet_group_name", "${aws_db_subnet_group.missing.name}",
        "aws_db_subnet_group.missing is not declared (aws_db_subnet_group has: main)"),
    "argument the resource type does not have": (
        "src", _set((*CLUSTER_BLOCK, "backup_retention_perod"), 7),
        CLUSTER, "aws_rds_cluster.main backup_retention_perod", 7,
        "aws_rds_cluster has no argument backup_retention_perod (did you mean: backup_retention_period"),
    "computed-only attribute set": (
        "src", _set((*CLUSTER_BLOCK, "endpoint"), "${local.identifier}"),
        CLUSTER, "aws_rds_cluster.main endpoint", "${local.identifier}",
        "aws_rds_cluster.endpoint is computed by the provider: it cannot be set"),
    "attribute of a resource's elements, through a for-expression": (
        "src", _set(("locals", "availability_zones"),
                    "${sort(distinct([for subnet in data.aws_subnet.selected : subnet.availability_zon]))}"),
        "aurora_bundle/aws/network.py", "local.availability_zones", "${data.aws_subnet.selected[<each>].availability_zon}",
        "aws_subnet has no attribute availability_zon (did you mean: availability_zone"),
    "counted resource not indexed": (
        "src", _set((*CLUSTER_BLOCK, "cluster_identifier"), "${aws_rds_cluster_instance.reader.id}"),
        CLUSTER, "aws_rds_cluster.main cluster_identifier", "${aws_rds_cluster_instance.reader.id}",
        "aws_rds_cluster_instance.reader has count: index it"),
    "a check block's assertion": (
        "src", _set(("check", "restored_iam_authentication", "assert", 0, "condition"),
                    "${aws_rds_cluster.main.iam_database_authentication}"),
        CLUSTER, "check.restored_iam_authentication assert[0].condition",
        "${aws_rds_cluster.main.iam_database_authentication}",
        "aws_rds_cluster has no attribute iam_database_authentication (did you mean: iam_database_authentication_enabled"),
    "a template where Terraform reads a bare expression": (
        "src", _set((*WRITER, "lifecycle", "replace_triggered_by"), ["${terraform_data.instance_shape}"]),
        "aurora_bundle/aws/instances.py", "aws_rds_cluster_instance.writer lifecycle.replace_triggered_by[0]",
        "${terraform_data.instance_shape}", "cannot read the expression: write a bare reference"),
    "an import block's target the step does not declare": (
        "src", _set(("import", 0, "to"), "aws_rds_cluster_instance.writr"),
        "aurora_bundle/aws/adoption.py", "import[0] to", "aws_rds_cluster_instance.writr",
        "a managed resource this step declares"),
    "an import block's id": (
        "src", _set(("import", 0, "id"), "${local.adoptabel[each.key]}"),
        "aurora_bundle/aws/adoption.py", "import[0] id", "${local.adoptabel[each.key]}",
        "local.adoptabel is not declared"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_mistyped_reference_is_one_line_naming_the_module(rendered, spec, case):
    step, edit, module, field, value, message = CASES[case]
    document = copy.deepcopy(rendered[step].document())
    edit(document)
    problems = check_document(step, document, rendered[step].origins, spec.params_schema)
    assert len(problems) == 1, [str(p) for p in problems]
    [problem] = problems
    assert isinstance(problem, Problem)
    assert (problem.source, problem.field, problem.value) == (module, field, value)
    assert problem.expected.startswith(message), problem.expected
    line = str(problem)
    assert "\n" not in line and line.startswith(f"{module}: {field} = ")


def test_problems_are_reported_like_every_other_bundle_problem(rendered, spec):
    """cli.build raises BundleError with them, so generate.py prints `error: <problem>` lines and writes nothing."""
    document = copy.deepcopy(rendered["src"].document())
    _set((*CLUSTER_BLOCK, "cluster_identifier"), "${local.undeclared}")(document)
    error = BundleError(check_document("src", document, rendered["src"].origins, spec.params_schema))
    assert str(error).startswith(f"{CLUSTER}: aws_rds_cluster.main cluster_identifier = ")


def test_every_type_in_the_generated_steps_has_a_schema(rendered):
    schemas = provider_schemas()
    used = {f"{prefix}{kind}" for output in rendered.values() for section, prefix in (("resource", ""), ("data", "data."))
            for kind in output.document().get(section, {})}
    assert used and sorted(used - set(schemas)) == []
    providers = {name for output in rendered.values() for name in output.document().get("provider", {})}
    assert {f"provider.{name}" for name in providers} <= set(schemas)


def test_the_schema_files_are_of_the_pinned_versions():
    versions = {path.stem: json.loads(path.read_text())["version"] for path in PROVIDER_SCHEMAS.glob("*.json")}
    assert versions == {"aws": AWS_PROVIDER_VERSION, "terraform": "builtin", "random": RANDOM_VERSION, "massdriver": "2.0.0"}


@pytest.mark.offline
def test_the_extracted_schemas_equal_a_fresh_extraction(rendered):
    """aws.json and terraform.json are what `make provider-schemas` writes now, for the types the steps use."""
    from author.provider_schemas import AWS, fresh
    from proof.terraform import find_mirror

    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH")
    mirror = find_mirror()
    if mirror is None or not (mirror / AWS.address / AWS.version).is_dir():
        pytest.skip(f"no filesystem mirror of {AWS.address} {AWS.version}")
    for provider, text in fresh(output.document() for output in rendered.values()).items():
        assert provider.path.read_text() == text, f"{provider.path.name} is stale: run make provider-schemas"
