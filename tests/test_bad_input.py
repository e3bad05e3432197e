"""A wrong params document gets one line per problem naming the field, and nothing is written."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from aurora_bundle.inputs.connections import IAM_ROLE_ARN_FORM, SUBNET_ARN_FORM, VPC_ARN_FORM
from aurora_bundle.inputs.engine import MAX_READERS, instance_members
from aurora_bundle.inputs.errors import show


def _edit_preset(bundle: Path, preset: str, edit) -> None:  # type: ignore[no-untyped-def]
    path = bundle / "massdriver.yaml"
    document = yaml.safe_load(path.read_text())
    edit(next(p for p in document["params"]["examples"] if p["__name"] == preset))
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _generate(bundle: Path) -> subprocess.CompletedProcess[str]:
    """generate.py's ``main`` on ``bundle``, in this process (a bad input stops before any synth: a process of
    its own would only add its start-up; tests/test_hand_edits.py runs the script itself)."""
    from aurora_bundle import cli
    from aurora_bundle.inputs import params_root

    out, err = io.StringIO(), io.StringIO()
    bound = params_root._bound  # a case may change the schema: the session's generator keeps the bundle's
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["--root", str(bundle)])
    finally:
        params_root._bound = bound
    return subprocess.CompletedProcess(["generate.py", "--root", str(bundle)], code, out.getvalue(), err.getvalue())


def _snapshot(bundle: Path) -> dict[str, bytes]:
    return {str(p.relative_to(bundle)): p.read_bytes() for step in ("kms", "src") for p in (bundle / step).rglob("*")
            if p.is_file()}


CASES = {
    "min ACU above max": (
        "Development (Serverless)",
        lambda p: p["scaling"]["serverless"].update(min_capacity=8, max_capacity=4),
        'massdriver.yaml preset "Development (Serverless)": scaling.serverless.min_capacity = 8: '
        "must be at most scaling.serverless.max_capacity",
    ),
    "unknown engine version": (
        "Production",
        lambda p: p["database"].update(engine_version="13"),
        'massdriver.yaml preset "Production": database.engine_version = "13": expected one of: '
        '"18", "17", "16", "15", "14"',
    ),
    "sixteen readers": (
        "Production",
        lambda p: p["scaling"].update(reader_count=16),
        'massdriver.yaml preset "Production": scaling.reader_count = 16: expected at most 15',
    ),
    "public subnets": (
        "Development",
        lambda p: p["networking"].update(subnet_type="public"),
        'massdriver.yaml preset "Development": networking.subnet_type = "public": expected one of: '
        '"internal", "private"',
    ),
    "misspelt top-level param": (
        "Production (Serverless)",
        lambda p: p.update(observabilty=p.pop("observability")),
        'massdriver.yaml preset "Production (Serverless)": observabilty = ',
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_rejected_with_one_line_naming_the_field_and_nothing_written(bundle, case):
    preset, edit, expected = CASES[case]
    _edit_preset(bundle, preset, edit)
    before = _snapshot(bundle)
    result = _generate(bundle)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any(line.startswith(f"error: {expected}") for line in errors), result.stderr
    assert _snapshot(bundle) == before


def test_misspelt_param_suggests_the_right_name(bundle):
    _edit_preset(bundle, "Production", lambda p: p.update(scalling=p.pop("scaling")))
    result = _generate(bundle)
    assert "scalling" in result.stderr and "did you mean 'scaling'?" in result.stderr
    assert "scaling: is required but missing" in result.stderr


def test_examples_are_checked_too(bundle):
    path = bundle / "examples" / "production" / "params.json"
    path.write_text(path.read_text().replace('"backup": {', '"backup": {"retention_days": 90, "x": 1, ', 1)
                    .replace('"retention_days": 30,', "", 1))
    result = _generate(bundle)
    assert result.returncode == 1
    assert "error: examples/production/params.json: backup.retention_days = 90: expected at most 35" in result.stderr
    assert "error: examples/production/params.json: backup.x = 1: unknown field" in result.stderr


def test_broken_yaml_is_one_line(bundle):
    (bundle / "massdriver.yaml").write_text("name: [unclosed\n")
    result = _generate(bundle)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: massdriver.yaml: (document): not valid YAML")



# ------------------------------------------------------------------------------------------------
# Classes of broken input (the corpus kept outside the project). For each: exit code 1, exactly one
# `error:` line per problem naming the file and the field, no traceback, kms/ and src/ untouched.


def _rejected(bundle: Path, *expected: str) -> None:
    before = _snapshot(bundle)
    result = _generate(bundle)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert (result.returncode, result.stdout) == (1, "")
    *errors, summary = result.stderr.splitlines()
    assert errors == [f"error: {line}" for line in expected]
    assert summary == f"{len(expected)} problem(s); nothing was written."
    assert _snapshot(bundle) == before


def _replace(bundle: Path, name: str, old: str, new: str) -> str:
    """Replace the first ``old`` in the bundle's file ``name``; returns the new text."""
    path = bundle / name
    text = path.read_text()
    assert old in text, f"{name} no longer holds {old!r}: update the test"
    path.write_text(text := text.replace(old, new, 1))
    return text


def _line_of(text: str, pattern: str, start: int = 0) -> int:
    """The 1-based number of the first line after line ``start`` that ``pattern`` (a regex) finds."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if i > start and re.search(pattern, line))


REF_CYCLES = {
    "a schema file refers to itself": (
        [("schemas/backup.json", '"window": {', '"window": {"$ref": "#", ')],
        'schemas/backup.json: properties.window.$ref = "#": $ref cycle: schemas/backup.json -> schemas/backup.json',
    ),
    "two schema files refer to each other": (
        [("schemas/database.json", '"properties": {', '"properties": {"scaling": {"$ref": "./scaling.json"}, '),
         ("schemas/scaling.json", '"properties": {', '"properties": {"database": {"$ref": "database.json"}, ')],
        'schemas/scaling.json: properties.database.$ref = "database.json": $ref cycle: '
        "schemas/database.json -> schemas/scaling.json -> schemas/database.json",
    ),
    "a schema file refers back to massdriver.yaml": (
        [("schemas/networking.json", '"subnet_type": {', '"subnet_type": {"$ref": "../massdriver.yaml", ')],
        'schemas/networking.json: properties.subnet_type.$ref = "../massdriver.yaml": $ref cycle: '
        "massdriver.yaml params -> schemas/networking.json -> massdriver.yaml params",
    ),
    "massdriver.yaml refers to its own params": (
        [("massdriver.yaml", "$ref: ./schemas/networking.json", "$ref: '#'")],
        'massdriver.yaml: params.properties.networking.$ref = "#": $ref cycle: massdriver.yaml params -> massdriver.yaml params',
    ),
}

REF_TARGETS = {
    "$ref is a number": (
        [("massdriver.yaml", "$ref: ./schemas/backup.json", "$ref: 5")],
        "massdriver.yaml: params.properties.backup.$ref = 5: expected a string: the path of a schema file, "
        "e.g. ./schemas/database.json",
    ),
    "$ref is null in a schema file": (
        [("schemas/backup.json", '"window": {', '"window": {"$ref": null, ')],
        "schemas/backup.json: properties.window.$ref = null: expected a string: the path of a schema file, "
        "e.g. ./schemas/database.json",
    ),
    "$ref points at a list inside a file": (
        [("massdriver.yaml", "$ref: ./schemas/backup.json", "$ref: ./schemas/backup.json#/required")],
        'massdriver.yaml: params.properties.backup.$ref = "./schemas/backup.json#/required": expected a $ref to a '
        'JSON object (a schema), not to ["retention_days", "window"]',
    ),
}


@pytest.mark.parametrize("case", [*REF_CYCLES, *REF_TARGETS])
def test_ref_cycles_and_bad_refs(bundle, case):
    edits, expected = {**REF_CYCLES, **REF_TARGETS}[case]
    for name, old, new in edits:
        _replace(bundle, name, old, new)
    _rejected(bundle, expected)


@pytest.mark.parametrize("contents", ["[]", '"database"', "null"])
def test_referenced_file_that_is_not_an_object(bundle, contents):
    (bundle / "schemas" / "alarms.json").write_text(contents)
    _rejected(bundle, f"schemas/alarms.json: (document) = {contents}: expected a JSON object (a schema) at the top level")


@pytest.mark.parametrize("name", ["massdriver.yaml", "schemas/backup.json", "examples/production/params.json",
                                  "examples/development/connections.json", "artifacts/writer.json"])
def test_binary_file(bundle, name):
    (bundle / name).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    _rejected(bundle, f"{name}: (document): not UTF-8 text (a binary file?): byte 0x89 at offset 0 cannot be decoded")


SHAPES = {
    "params.examples is null": (
        "massdriver.yaml", "  examples:\n", "  examples: null\n  was_examples:\n",
        "massdriver.yaml: params.examples = null: expected a value of type array",
    ),
    "one preset is null": (
        "massdriver.yaml", "    - __name: Production\n", "    - null\n    - __name: Production\n",
        "massdriver.yaml: params.examples[2] = null: expected a value of type object",
    ),
    "an example's params are a list": (
        "examples/production/params.json", None, "[]",
        "examples/production/params.json: (document) = []: expected a JSON object at the top level",
    ),
    "an example's connections are null": (
        "examples/production/connections.json", None, "null",
        "examples/production/connections.json: (document) = null: expected a JSON object at the top level",
    ),
    "an artifact template is null": (
        "artifacts/writer.json", None, "null", "artifacts/writer.json: (document) = null: expected a value of type object",
    ),
    "an artifact payload is a list": (
        "artifacts/readers.json", '"payload": {', '"payload": [], "was_payload": {',
        "artifacts/readers.json: payload = []: expected a value of type object",
    ),
    "the connections block is null": (
        "massdriver.yaml", "\nconnections:\n", "\nconnections: null\nwas_connections:\n",
        "massdriver.yaml: connections = null: expected a mapping",
    ),
    "connections.properties is null": (
        "massdriver.yaml", "  required: [aws_authentication, vpc]\n  properties:\n",
        "  required: [aws_authentication, vpc]\n  properties: null\n  was_properties:\n",
        "massdriver.yaml: connections.properties = null: expected a value of type object",
    ),
    "a connection is null": (
        "massdriver.yaml", "    vpc:\n      $ref: massdriver/aws-vpc\n", "    vpc: null\n",
        "massdriver.yaml: connections.properties.vpc = null: expected a value of type object",
    ),
    "a connection the Terraform reads is missing": (
        "massdriver.yaml", "    vpc:\n      $ref: massdriver/aws-vpc\n", "",
        "massdriver.yaml: connections.properties.vpc: is required but missing",
    ),
    "artifacts.properties is a list": (
        "massdriver.yaml", "  required: [writer, readers]\n  properties:\n",
        "  required: [writer, readers]\n  properties: []\n  was_properties:\n",
        "massdriver.yaml: artifacts.properties = []: expected a value of type object",
    ),
    "an artifact is null": (
        "massdriver.yaml", "  properties:\n    writer:\n", "  properties:\n    writer: null\n    was_writer:\n",
        "massdriver.yaml: artifacts.properties.writer = null: expected a value of type object",
    ),
}


@pytest.mark.parametrize("case", SHAPES)
def test_null_or_wrong_shape(bundle, case):
    name, old, new, expected = SHAPES[case]
    if old is None:
        (bundle / name).write_text(new)
    else:
        _replace(bundle, name, old, new)
    _rejected(bundle, expected)


_NOT_FINITE = "expected a finite number (JSON has no NaN or Infinity)"


def test_nan_in_yaml_names_the_line(bundle):
    text = _replace(bundle, "massdriver.yaml", "target: 500}", "target: .nan}")
    line = _line_of(text, r"target: \.nan}")
    _rejected(bundle, f"massdriver.yaml: params.examples[3].scaling.autoscaling.target = NaN: {_NOT_FINITE} (line {line})")


def test_infinity_in_a_yaml_anchor_is_one_problem(bundle):
    text = _replace(bundle, "massdriver.yaml", "      alarms: {}\n",
                    "      alarms: &shared_alarms {cpu_utilization: {enabled: true, threshold: -.inf}}\n")
    for _ in range(3):  # the other presets share it
        text = _replace(bundle, "massdriver.yaml", "      alarms: {}\n", "      alarms: *shared_alarms\n")
    line = _line_of(text, r"threshold: -\.inf")
    _rejected(bundle, f"massdriver.yaml: params.examples[0].alarms.cpu_utilization.threshold = -Infinity: {_NOT_FINITE} "
                      f"(line {line})")


@pytest.mark.parametrize("name,old,new,expected", [
    ("examples/production/params.json", '"retention_days": 30', '"retention_days": NaN',
     "examples/production/params.json: backup.retention_days = NaN"),
    ("schemas/scaling.json", '"maximum": 15', '"maximum": Infinity',
     "schemas/scaling.json: properties.reader_count.maximum = Infinity"),
    ("artifacts/writer.json", '"payload": {', '"payload": {"weight": 1e999, ',
     "artifacts/writer.json: payload.weight = Infinity"),
])
def test_nan_and_infinity_in_json(bundle, name, old, new, expected):
    _replace(bundle, name, old, new)
    _rejected(bundle, f"{expected}: {_NOT_FINITE}")


_DUPLICATE = "each key may appear once (a parser would silently keep only the last)"


def test_second_connections_block_is_a_duplicate_key(bundle):
    # Last-wins used to drop vpc, and src/ referenced var.vpc without declaring it.
    text = _replace(bundle, "massdriver.yaml", "\nartifacts:", "\nconnections:\n  required: [aws_authentication]\n"
                    "  properties:\n    aws_authentication:\n      $ref: massdriver/aws-iam-role\n\nartifacts:")
    first = _line_of(text, "^connections:")
    second = _line_of(text, "^connections:", first)
    _rejected(bundle, f"massdriver.yaml: connections: duplicate key (line {second}; first at line {first}): {_DUPLICATE}")


def test_duplicate_key_deep_in_yaml(bundle):
    text = _replace(bundle, "massdriver.yaml", "        instance_class: db.r7g.large\n",
                    "        instance_class: db.r7g.large\n        instance_class: db.r7g.xlarge\n")
    first = _line_of(text, r"instance_class: db\.r7g\.large")
    _rejected(bundle, f"massdriver.yaml: params.examples[2].database.instance_class: duplicate key "
                      f"(line {first + 1}; first at line {first}): {_DUPLICATE}")


@pytest.mark.parametrize("name,old,new,field", [
    ("examples/production/connections.json", '"cidr": "10.20.0.0/16",', '"cidr": "10.20.0.0/16", "cidr": "0.0.0.0/0",',
     "vpc.data.infrastructure.cidr"),
    ("examples/development/params.json", '"backup": {', '"backup": {"window": "01:00-02:00", ', "backup.window"),
    ("schemas/backup.json", '"type": "object",', '"type": "object", "type": "array",', "type"),
    ("artifacts/readers.json", '"name": ', '"name": "readers", "name": ', "name"),
])
def test_duplicate_key_in_json(bundle, name, old, new, field):
    _replace(bundle, name, old, new)
    _rejected(bundle, f"{name}: {field}: duplicate key: {_DUPLICATE}")


_WINDOW = "^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"


def test_trailing_newline_fails_a_pattern_as_in_javascript(bundle):
    _edit_preset(bundle, "Production", lambda p: p["backup"].update(window="03:00-04:00\n"))
    path = bundle / "examples" / "development" / "params.json"
    params = json.loads(path.read_text())
    params["md_metadata"]["name_prefix"] += "\n"
    path.write_text(json.dumps(params))
    _rejected(bundle,
              'massdriver.yaml preset "Production": backup.window = "03:00-04:00\\n": expected hh:mm-hh:mm in UTC '
              "(24-hour clock), e.g. 03:00-04:00",
              f"examples/development/params.json: md_metadata.name_prefix = {json.dumps(params['md_metadata']['name_prefix'])}: "
              "expected to match ^[a-z][a-z0-9-]*[a-z0-9]$")


def test_python_only_anchor_in_a_schema_pattern(bundle):
    _replace(bundle, "schemas/backup.json", '[0-5][0-9]$"', '[0-5][0-9]\\\\Z"')
    pattern = _WINDOW.removesuffix("$") + "\\Z"
    _rejected(bundle, f"schemas/backup.json: properties.window.pattern = {json.dumps(pattern)}: \\Z is Python-only regex "
                      "syntax that JavaScript (Massdriver's form) reads differently; anchor with ^ and $, which mean the same "
                      "in both")


_CONNECTIONS = "examples/production/connections.json"


@pytest.mark.parametrize("old,new,field,form", [
    ("arn:aws:iam::123456789012:role/massdriver-provisioner", "arn:aws:s3:::massdriver-provisioner",
     "aws_authentication.data.arn", IAM_ROLE_ARN_FORM),
    ("subnet/subnet-0a1b2c3d4e5fa0033", "subnet/subnet-0a1b2c3d4e5f", "vpc.data.infrastructure.internal_subnets[0].arn",
     SUBNET_ARN_FORM),
    ("vpc/vpc-0a1b2c3d4e5f60033", "subnet/subnet-0a1b2c3d4e5f60033", "vpc.data.infrastructure.arn", VPC_ARN_FORM),
])
def test_arn_of_the_wrong_kind_in_a_connection(bundle, old, new, field, form):
    text = _replace(bundle, _CONNECTIONS, old, new)
    arn = next(a for a in re.findall(r'"(arn:[^"]+)"', text) if new in a)
    _rejected(bundle, f"{_CONNECTIONS}: {field} = {json.dumps(arn)}: expected {form}")


def test_db_instance_snapshot_arn_is_not_a_cluster_snapshot(bundle):
    arn = "arn:aws:rds:us-east-1:123456789012:snapshot:nightly"
    _edit_preset(bundle, "Production", lambda p: p["database"].update(snapshot_identifier=arn))
    _rejected(bundle, f'massdriver.yaml preset "Production": database.snapshot_identifier = "{arn}": expected a cluster '
                      "snapshot identifier (a letter, then letters, digits and single hyphens; rds: or awsbackup: before it "
                      "for automated and AWS Backup snapshots) or a cluster snapshot ARN: "
                      "arn:<partition>:rds:<region>:<account>:cluster-snapshot:<identifier>")


def _endpoint(name: str, kind: str = "READER", static: list[str] | None = None,
              excluded: list[str] | None = None) -> dict:
    return {"name": name, "type": kind, "static_members": static or [], "excluded_members": excluded or []}


_SIX = [_endpoint(f"e{i}") for i in range(1, 7)]
_MEMBERS = ", ".join(f'"{m}"' for m in instance_members())
_BEYOND = f"reader{MAX_READERS + 1}"  # no instance can have this name
_PRODUCTION = 'massdriver.yaml preset "Production"'  # two fixed readers

CUSTOM_ENDPOINTS = {
    "two endpoints of one name": (
        [_endpoint("analytics", static=["reader1"]), _endpoint("analytics", "ANY")],
        'database.custom_endpoints[1].name = "analytics": names must be unique: each endpoint\'s identifier and '
        "hostname are made from its name [custom-endpoint-names-unique]",
    ),
    "static and excluded members": (
        [_endpoint("etl", "ANY", static=["reader1"], excluded=["writer"])],
        'database.custom_endpoints[0].excluded_members = ["writer"]: an endpoint lists static_members or '
        "excluded_members, not both [custom-endpoint-static-or-excluded]",
    ),
    "a member beyond the fixed readers": (
        [_endpoint("analytics", static=["reader2", "reader3"])],
        'database.custom_endpoints[0].static_members[1] = "reader3": members must be writer or a fixed reader, '
        "reader1 up to reader<scaling.reader_count> (scaling.reader_count = 2) [custom-endpoint-members-exist]",
    ),
    "six endpoints": (_SIX, f"database.custom_endpoints = {show(_SIX)}: expected at most 5 items"),
    "a name too long": (
        [_endpoint("analyticsdb")], 'database.custom_endpoints[0].name = "analyticsdb": expected at most 10 characters'),
    "a name in capitals": (
        [_endpoint("Analytics")],
        'database.custom_endpoints[0].name = "Analytics": expected a lowercase letter, then lowercase letters, digits '
        "and single hyphens, not ending in a hyphen (e.g. analytics)",
    ),
    "a member with no name": (
        [_endpoint("analytics", excluded=[_BEYOND])],
        f'database.custom_endpoints[0].excluded_members[0] = "{_BEYOND}": expected one of: {_MEMBERS}',
    ),
    "a member listed twice": (
        [_endpoint("analytics", static=["reader1", "reader1"])],
        'database.custom_endpoints[0].static_members = ["reader1", "reader1"]: expected each item at most once',
    ),
}


@pytest.mark.parametrize("case", CUSTOM_ENDPOINTS)
def test_custom_endpoint_problems_are_one_line_naming_the_item(bundle, case):
    """Schema and rule problems alike name the endpoint (its index), the field and the value."""
    endpoints, expected = CUSTOM_ENDPOINTS[case]
    _edit_preset(bundle, "Production", lambda p: p["database"].update(custom_endpoints=endpoints))
    _rejected(bundle, f"{_PRODUCTION}: {expected}")
