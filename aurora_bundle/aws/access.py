"""What the artifacts hand to applications besides the password: an IAM policy for IAM database login."""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster

from aurora_bundle.aws.kms import ACCOUNT_ID, PARTITION
from aurora_bundle.terraform.hcl import Expr, address, jsonencode, make


def build_connect_policy(stack: TerraformStack, cluster: RdsCluster) -> IamPolicy:
    """rds-db:connect to this cluster's database users (those granted rds_iam in PostgreSQL)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "ConnectWithIamToken",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": Expr(f'"arn:${{{PARTITION}}}:rds-db:${{local.region}}:${{{ACCOUNT_ID}}}:dbuser:'
                             f'${{{address(cluster)}.cluster_resource_id}}/*"'),
        }],
    }
    return make(IamPolicy, stack, "connect",
        name_prefix="${substr(local.identifier, 0, 40)}-connect-",
        description="IAM database authentication to the Aurora PostgreSQL cluster",
        policy=jsonencode(document),
    )
