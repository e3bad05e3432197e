"""Where the cluster sits: the chosen non-public subnets and a security group open only to the VPC."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Precondition, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.data_aws_subnet import DataAwsSubnet
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule

from aurora_bundle.inputs.connections import SUBNET_ARN, SUBNET_ARN_FORM, VPC_ARN, VPC_ARN_FORM
from aurora_bundle.inputs.engine import PORT
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import address, local_value, make, render, strings


@dataclass(frozen=True)
class Network:
    subnet_group: DbSubnetGroup
    security_group: SecurityGroup


def build_network(stack: TerraformStack) -> Network:
    infra = "var.vpc.data.infrastructure"
    local_value(stack, "vpc_id", f'${{element(split("/", {infra}.arn), 1)}}')
    local_value(stack, "subnets",
                   f'${{{P.networking.subnet_type} == "internal" ? {infra}.internal_subnets : {infra}.private_subnets}}')
    local_value(stack, "subnet_ids", '${[for subnet in local.subnets : element(split("/", subnet.arn), 1)]}')
    # The IDs (and the region, in provider.py) are taken apart from the connection's ARNs, which
    # Massdriver only checks for an arn:aws: prefix: refuse any other ARN before it is used.
    subnets = make(DataAwsSubnet, stack, "selected", id="${each.value}",
        lifecycle=TerraformResourceLifecycle(precondition=[Precondition(
            condition=f"${{alltrue([for subnet in local.subnets : can(regex({render(SUBNET_ARN)}, subnet.arn))])}}",
            error_message=f"vpc: every subnet of the networking.subnet_type must have {SUBNET_ARN_FORM}.",
        )]),
    )
    subnets.add_override("for_each", "${toset(local.subnet_ids)}")
    local_value(stack, "availability_zones",
                   f"${{sort(distinct([for subnet in {address(subnets)} : subnet.availability_zone]))}}")

    subnet_group = make(DbSubnetGroup, stack, "main",
        name="${local.identifier}",
        description=f"${{format(\"Aurora PostgreSQL %s: %s subnets\", local.name_prefix, {P.networking.subnet_type})}}",
        subnet_ids=strings("local.subnet_ids"),
        lifecycle=TerraformResourceLifecycle(precondition=[Precondition(
            condition="${length(local.availability_zones) >= 2}",
            error_message="networking.subnet_type: the vpc connection must have subnets of this type in at least "
            "two availability zones; pick the other subnet type or add subnets to the VPC.",
        )]),
    )
    security_group = make(SecurityGroup, stack, "main",
        name_prefix="${local.identifier}-",
        description="Aurora PostgreSQL cluster: PostgreSQL from inside the VPC only",
        vpc_id="${local.vpc_id}",
        tags={"Name": "${local.identifier}"},
        lifecycle=TerraformResourceLifecycle(create_before_destroy=True, precondition=[Precondition(
            condition=f"${{can(regex({render(VPC_ARN)}, {infra}.arn))}}",
            error_message=f"vpc: data.infrastructure.arn must be {VPC_ARN_FORM}.",
        )]),
    )
    make(VpcSecurityGroupIngressRule, stack, "postgresql_from_vpc",
        security_group_id=security_group.id,
        description="PostgreSQL from the VPC's CIDR",
        cidr_ipv4="${var.vpc.data.infrastructure.cidr}",
        ip_protocol="tcp",
        from_port=PORT,
        to_port=PORT,
    )
    return Network(subnet_group=subnet_group, security_group=security_group)
