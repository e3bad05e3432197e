"""A pattern means the same to the build (Python), Massdriver's form (JavaScript, as ajv compiles it)
and Terraform (RE2): a value one of them accepts, the others accept too."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from aurora_bundle.inputs.connections import ACCOUNT, IAM_ROLE_ARN, MD_METADATA, PARTITION, REGION, SUBNET_ARN, VPC_ARN
from aurora_bundle.inputs.patterns import ecma_regex, python_only

ROLE = "arn:aws:iam::123456789012:role/massdriver-provisioner"
VPC = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0a1b2c3d4e5f60033"
SUBNET = "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a1b2c3d4e5fa0033"

# pattern -> {sample: accepted?}
ARNS: dict[str, dict[str, bool]] = {
    IAM_ROLE_ARN: {
        ROLE: True,
        "arn:aws-us-gov:iam::123456789012:role/service-role/deploy": True,
        "arn:aws-cn:iam::123456789012:role/a/b/Name+=,.@_-": True,
        "arn:aws-iso-b:iam::123456789012:role/x": True,
        "arn:aws-eusc:iam::123456789012:role/x": True,
        "arn:aws:s3:::massdriver-provisioner": False,
        "arn:aws:iam::123456789012:user/bob": False,
        "arn:aws:iam:us-east-1:123456789012:role/x": False,
        "arn:aws:iam::12345678901:role/x": False,
        "arn:aws-mars:iam::123456789012:role/x": False,
        "arn:aws:iam::123456789012:role/": False,
        ROLE + "\n": False,
    },
    VPC_ARN: {
        VPC: True,
        "arn:aws-us-gov:ec2:us-gov-west-1:123456789012:vpc/vpc-1a2b3c4d": True,
        "arn:aws-cn:ec2:cn-northwest-1:123456789012:vpc/vpc-1a2b3c4d": True,
        "arn:aws-iso-e:ec2:eu-isoe-west-1:123456789012:vpc/vpc-1a2b3c4d": True,
        "arn:aws-iso-f:ec2:us-isof-south-1:123456789012:vpc/vpc-1a2b3c4d": True,
        "arn:aws-eusc:ec2:eusc-de-east-1:123456789012:vpc/vpc-1a2b3c4d": True,
        SUBNET: False,
        VPC[:-1]: False,  # 16 hex digits
        VPC.upper(): False,
        "arn:aws:ec2::123456789012:vpc/vpc-1a2b3c4d": False,
        VPC + "\n": False,
    },
    SUBNET_ARN: {
        SUBNET: True,
        "arn:aws-iso:ec2:us-iso-east-1:123456789012:subnet/subnet-1a2b3c4d": True,
        "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a1b2c3d4e5f": False,  # truncated
        VPC: False,
        "arn:aws:ec2:us-east-1:123456789012:subnet/": False,
        SUBNET + "\n": False,
    },
}
SNAPSHOT: dict[str, bool] = {
    "nightly-2024": True,
    "rds:prod-cluster-2024-05-01-03-10": True,
    "awsbackup:job-1a2b3c4d": True,
    "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:nightly": True,
    "arn:aws-cn:rds:cn-north-1:123456789012:cluster-snapshot:rds:prod-2024-05-01": True,
    "arn:aws:rds:us-east-1:123456789012:snapshot:nightly": False,  # a DB instance snapshot
    "arn:aws:rds:us-east-1:123456789012:cluster:prod": False,
    "1nightly": False,
    "nightly-": False,
    "night--ly": False,
    "nightly\n": False,
}
# What Python's re reads differently from JavaScript, unless translated.
SEMANTICS: dict[str, dict[str, bool]] = {
    "^a.b$": {"axb": True, "a\rb": False, "a\u2028b": False},
    "^\\d+$": {"2024": True, "٢٠٢٤": False},
    "^[$.]+$": {"$.": True, "x": False},
}


@pytest.fixture(scope="module")
def schema_patterns(spec) -> dict[str, dict[str, bool]]:
    database = spec.params_schema["properties"]["database"]["properties"]
    window = spec.params_schema["properties"]["backup"]["properties"]["window"]["pattern"]
    name_prefix = MD_METADATA["properties"]["name_prefix"]["pattern"]
    return {
        database["snapshot_identifier"]["pattern"]: SNAPSHOT,
        window: {"03:00-04:00": True, "03:00-04:00\n": False, "24:00-01:00": False},
        name_prefix: {"acme-dev": True, "acme-dev\n": False},
    }


def _table(*tables: dict[str, dict[str, bool]]) -> list[tuple[str, str, bool]]:
    return [(pattern, sample, accepted) for table in tables for pattern, samples in table.items()
            for sample, accepted in samples.items()]


def test_python_accepts_exactly_what_is_expected(schema_patterns):
    wrong = [(p, s) for p, s, accepted in _table(ARNS, SEMANTICS, schema_patterns)
             if bool(ecma_regex(p).search(s)) != accepted]
    assert wrong == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node not on PATH")
def test_javascript_agrees(schema_patterns):
    rows = _table(ARNS, SEMANTICS, schema_patterns)
    script = ("const rows = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(rows.map(([p, s]) => new RegExp(p, 'u').test(s))));")
    result = subprocess.run(["node", "-e", script], input=json.dumps(rows), capture_output=True, text=True, timeout=60,
                            check=True)
    assert json.loads(result.stdout) == [accepted for _, _, accepted in rows]


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_terraform_agrees_on_the_arns_it_takes_apart(tmp_path):
    rows = _table(ARNS)
    checks = ", ".join(f"can(regex({json.dumps(p)}, {json.dumps(s)}))" for p, s, _ in rows)
    result = subprocess.run(["terraform", "console"], input=f"jsonencode([{checks}])\n", cwd=tmp_path, capture_output=True,
                            text=True, timeout=120, check=True,
                            env={"PATH": "/usr/bin:/usr/local/bin:/bin", "HOME": str(tmp_path)})
    assert json.loads(json.loads(result.stdout)) == [accepted for _, _, accepted in rows]


def test_no_pattern_uses_python_only_syntax(spec):
    patterns = [*spec.patterns.values(), *ARNS, MD_METADATA["properties"]["name_prefix"]["pattern"]]
    assert [p for p in patterns if python_only(p)] == []
    assert python_only("^a\\Z") == "\\Z"


def test_the_snapshot_arn_is_written_as_the_connection_arns_are(spec):
    pattern = spec.params_schema["properties"]["database"]["properties"]["snapshot_identifier"]["pattern"]
    assert f"arn:{PARTITION}:rds:{REGION}:{ACCOUNT}:cluster-snapshot:" in pattern
