"""The artifacts' CA bundle URL (data.security.tls.ca_bundle_url), computed by Terraform from the package's
region and partition: AWS's documented URL in aws, aws-us-gov and aws-cn, and a plan that fails, naming the
partition, anywhere else (rather than a wrong URL).

Runs the generated locals and the artifacts' precondition on a ``terraform_data`` resource; a variable
stands for ``data.aws_partition.current.partition`` (the AWS provider derives it from the region).
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from aurora_bundle.aws.kms import PARTITION

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")


@pytest.fixture(scope="module")
def tls_config(rendered, tmp_path_factory) -> Path:
    src = rendered["src"].document()

    def standing(value: object) -> object:
        return json.loads(json.dumps(value).replace(PARTITION, "var.partition"))

    preconditions = src["resource"]["massdriver_resource"]["writer"]["lifecycle"]["precondition"]
    assert preconditions == src["resource"]["massdriver_resource"]["readers"]["lifecycle"]["precondition"]
    config = {"variable": {"vpc": src["variable"]["vpc"], "partition": {"type": "string"}},
              "locals": standing({name: src["locals"][name] for name in ("region", "ca_bundle_base", "ca_bundle_url")}),
              "resource": {"terraform_data": {"artifact": {"input": "${local.ca_bundle_url}",
                                                           "lifecycle": {"precondition": standing(preconditions)}}}},
              "output": {"ca_bundle_url": {"value": "${terraform_data.artifact.output}"}}}
    work = tmp_path_factory.mktemp("tls")
    (work / "main.tf.json").write_text(json.dumps(config))
    return work


def _apply(work: Path, vpc: dict, partition: str) -> subprocess.CompletedProcess[str]:
    (work / "terraform.tfvars.json").write_text(json.dumps({"vpc": vpc, "partition": partition}))
    (work / "terraform.tfstate").unlink(missing_ok=True)
    return subprocess.run(["terraform", "apply", "-auto-approve", "-input=false", "-no-color"], cwd=work,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/usr/local/bin:/bin", "TF_IN_AUTOMATION": "1", "HOME": str(work)})


def _vpc(spec, partition: str, region: str) -> dict:
    vpc = copy.deepcopy(next(e for e in spec.examples if e.slug == "production").connections["vpc"])
    vpc.setdefault("specs", {}).setdefault("aws", {})["region"] = region
    vpc["data"]["infrastructure"]["arn"] = vpc["data"]["infrastructure"]["arn"].replace("arn:aws:", f"arn:{partition}:")
    return vpc


@pytest.mark.parametrize("partition, region, url", [
    ("aws", "eu-west-3", "https://truststore.pki.rds.amazonaws.com/eu-west-3/eu-west-3-bundle.pem"),
    ("aws-us-gov", "us-gov-east-1",
     "https://truststore.pki.us-gov-west-1.rds.amazonaws.com/us-gov-east-1/us-gov-east-1-bundle.pem"),
    ("aws-cn", "cn-northwest-1",
     "https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/cn-northwest-1/cn-northwest-1-bundle.pem"),
])
def test_the_bundle_url_is_awss_for_the_region_and_partition(spec, tls_config, partition, region, url):
    result = _apply(tls_config, _vpc(spec, partition, region), partition)
    assert result.returncode == 0, result.stderr
    shown = subprocess.run(["terraform", "output", "-json"], cwd=tls_config, capture_output=True, text=True,
                           timeout=60, env={"PATH": "/usr/bin:/usr/local/bin:/bin", "HOME": str(tls_config)})
    assert json.loads(shown.stdout)["ca_bundle_url"]["value"] == url


def test_a_partition_without_a_known_bundle_fails_the_plan(spec, tls_config):
    result = _apply(tls_config, _vpc(spec, "aws-iso", "us-iso-east-1"), "aws-iso")
    assert result.returncode == 1
    assert ("vpc: the region us-iso-east-1 is in AWS partition aws-iso; the artifacts publish the RDS CA bundle URL "
            "for partitions aws, aws-cn, aws-us-gov only") in " ".join(result.stderr.split()), result.stderr
