"""The kms step: the customer-managed key that encrypts everything the cluster stores or sends.

It lives in its own step with ``skip_on_delete`` so it survives decommissioning and final snapshots
stay readable. The src step finds it by its alias (``key_alias``), derived from name_prefix.
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.data_aws_caller_identity import DataAwsCallerIdentity
from cdktf_cdktf_provider_aws.data_aws_kms_alias import DataAwsKmsAlias
from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey

from aurora_bundle.aws.naming import KEY_ALIAS_FORMAT
from aurora_bundle.terraform.hcl import Expr, jsonencode, make

KEY_ALIAS = f'format("{KEY_ALIAS_FORMAT}", var.md_metadata.name_prefix)'

# The account and partition, from the data sources account_context() declares (in both steps).
ACCOUNT_ID = "data.aws_caller_identity.current.account_id"
PARTITION = "data.aws_partition.current.partition"
_ROOT = Expr(f'"arn:${{{PARTITION}}}:iam::${{{ACCOUNT_ID}}}:root"')
_DATA_KEY_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
_SAMEACCOUNT_ID = {"StringEquals": {"aws:SourceAccount": Expr(ACCOUNT_ID)}}


def key_policy() -> str:
    """Root account administers the key (IAM decides who else may); AWS services use it, scoped."""
    statements = [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": _ROOT},
         "Action": "kms:*", "Resource": "*"},
        {"Sid": "RdsAndPerformanceInsightsThroughRds", "Effect": "Allow", "Principal": {"AWS": _ROOT},
         "Action": [*_DATA_KEY_USE, "kms:CreateGrant", "kms:ListGrants"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:ViaService": Expr('"rds.${local.region}.amazonaws.com"'),
                                        "kms:CallerAccount": Expr(ACCOUNT_ID)}}},
        {"Sid": "CloudWatchLogsForRdsLogGroups", "Effect": "Allow",
         "Principal": {"Service": Expr('"logs.${local.region}.amazonaws.com"')},
         "Action": _DATA_KEY_USE, "Resource": "*",
         "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": Expr(
             f'"arn:${{{PARTITION}}}:logs:${{local.region}}:${{{ACCOUNT_ID}}}:log-group:/aws/rds/*"')}}},
        {"Sid": "AlarmsPublishToEncryptedTopic", "Effect": "Allow",
         "Principal": {"Service": ["cloudwatch.amazonaws.com", "sns.amazonaws.com"]},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*", "Condition": _SAMEACCOUNT_ID},
    ]
    return jsonencode({"Version": "2012-10-17", "Statement": statements})


def account_context(stack: TerraformStack) -> None:
    """data.aws_caller_identity.current and data.aws_partition.current, used in ARNs and policies."""
    make(DataAwsCallerIdentity, stack, "current")
    make(DataAwsPartition, stack, "current")


def lookup_kms_key(stack: TerraformStack) -> DataAwsKmsAlias:
    """The kms step's key, found by its alias (steps share no state)."""
    return make(DataAwsKmsAlias, stack, "main", name=f"${{{KEY_ALIAS}}}")


def build_kms_step(stack: TerraformStack) -> None:
    account_context(stack)
    key = make(KmsKey, stack, "main",
        description="${format(\"Aurora PostgreSQL %s: storage, snapshots, logs, Performance Insights, alarms\", "
        "var.md_metadata.name_prefix)}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=key_policy(),
    )
    make(KmsAlias, stack, "main", name=f"${{{KEY_ALIAS}}}", target_key_id=key.key_id)
