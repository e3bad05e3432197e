"""The AWS provider of each step: the aws_authentication role, the VPC's region, Massdriver's tags."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.provider import (
    AwsProvider,
    AwsProviderAssumeRole,
    AwsProviderDefaultTags,
)

from aurora_bundle.terraform.hcl import local_value, string_map

AWS_PROVIDER_VERSION = "5.100.0"


def declare_region(stack: TerraformStack) -> None:
    local_value(
        stack,
        "region",
        '${coalesce(try(var.vpc.specs.aws.region, null), split(":", var.vpc.data.infrastructure.arn)[3])}',
    )


def configure_aws(stack: TerraformStack) -> AwsProvider:
    """The AWS provider: the aws_authentication role, the VPC's region, Massdriver's default tags."""
    provider = AwsProvider(
        stack,
        "aws",
        region="${local.region}",
        assume_role=[AwsProviderAssumeRole(role_arn="${var.aws_authentication.data.arn}",
                                           external_id="${var.aws_authentication.data.external_id}")],
        default_tags=[AwsProviderDefaultTags(tags=string_map("var.md_metadata.default_tags"))],
    )
    stack.add_override("terraform.required_providers.aws", {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION})
    return provider
