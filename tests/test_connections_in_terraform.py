"""The src step takes the VPC and subnet IDs (and the region) apart from the vpc connection's ARNs,
which Massdriver checks only for an ``arn:aws:`` prefix: a plan with another kind of ARN fails with
the field and the expected form, before anything is looked up or created.

Runs the generated variables, locals and those preconditions on a ``terraform_data`` resource.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from aurora_bundle.inputs.connections import SUBNET_ARN_FORM, VPC_ARN_FORM
from tests.test_rules_in_terraform import _plan

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")


@pytest.fixture(scope="module")
def arn_config(rendered, tmp_path_factory) -> Path:
    src = rendered["src"].document()
    preconditions = (src["data"]["aws_subnet"]["selected"]["lifecycle"]["precondition"]
                     + src["resource"]["aws_security_group"]["main"]["lifecycle"]["precondition"])
    config = {"variable": {name: src["variable"][name] for name in ("networking", "vpc")},
              "locals": {"subnets": src["locals"]["subnets"]},
              "resource": {"terraform_data": {"arns": {"input": "checked", "lifecycle": {"precondition": preconditions}}}}}
    work = tmp_path_factory.mktemp("arns")
    (work / "main.tf.json").write_text(json.dumps(config))
    return work


@pytest.fixture
def production(spec) -> tuple[dict, dict]:
    example = next(e for e in spec.examples if e.slug == "production")
    return {"networking": example.params["networking"]}, copy.deepcopy({"vpc": example.connections["vpc"]})


def test_the_examples_arns_plan(arn_config, production):
    result = _plan(arn_config, *production)
    assert result.returncode == 0, result.stderr


def test_a_truncated_subnet_arn_fails_the_plan(arn_config, production):
    params, connections = production
    subnet = connections["vpc"]["data"]["infrastructure"]["internal_subnets"][0]
    subnet["arn"] = subnet["arn"][:-5]
    result = _plan(arn_config, params, connections)
    assert result.returncode == 1
    assert f"vpc: every subnet of the networking.subnet_type must have {SUBNET_ARN_FORM}." in " ".join(result.stderr.split())


def test_another_kind_of_arn_as_the_vpc_fails_the_plan(arn_config, production):
    params, connections = production
    connections["vpc"]["data"]["infrastructure"]["arn"] = "arn:aws:s3:::a-bucket"
    result = _plan(arn_config, params, connections)
    assert result.returncode == 1
    assert f"vpc: data.infrastructure.arn must be {VPC_ARN_FORM}." in " ".join(result.stderr.split())
