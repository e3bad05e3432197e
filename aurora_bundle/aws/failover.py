"""One failover per rolling change, whichever instance is the writer when it starts.

A class or CA change replaces every instance create-before-destroy (``aws/instances.py``). Deleting
the instance that holds the writer role fails over to the replica AWS picks by tier and size, and
after an unplanned failover that instance is an old reader: AWS may promote the old ``writer`` (tier 0
too, and as large or larger), which the roll deletes next, a second failover. The same happens when a
roll cut short resumes (the old writer and the half-made one are deleted in parallel). Terraform and
the AWS provider alone cannot prevent it (README, "Rolling changes and failovers"), so a Lambda
function does what an operator would: once the new writer and the new readers are up, and before any
old instance is deleted, it fails over to the new writer and waits until the cluster is available
with it as the writer (``aws/failover_function.py``).

``aws_lambda_invocation.writer_failover`` depends on the writer (through its input) and on the readers;
Terraform destroys a create-before-destroy object only after everything that depends on it has been
created or updated (hashicorp/terraform docs/destroying.md), so no old instance is deleted before the
invocation returns, and a failed invocation stops the deployment with every old instance still there.
It runs when it is created: with the package, where the writer already is the writer (nothing to do),
and whenever the writer is replaced (its id is the trigger), never on a decommission
(``lifecycle_scope`` CREATE_ONLY, the provider's default).
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.lambda_function import LambdaFunction
from cdktf_cdktf_provider_aws.lambda_invocation import LambdaInvocation
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance

from aurora_bundle.aws import failover_function
from aurora_bundle.aws.cluster import KMS_KEY_ARN
from aurora_bundle.aws.instances import NAME_PREFIX
from aurora_bundle.aws.kms import ACCOUNT_ID, PARTITION
from aurora_bundle.terraform.hcl import Expr, address, jsonencode, make

ARCHIVE = "writer-failover.zip"  # written beside the step's *.tf.json files, shipped with them
MODULE = "writer_failover"  # the handler's module name inside the archive
RUNTIME = "python3.12"  # AWS Lambda runtimes: deprecation 2028-10-31
TIMEOUT_SECONDS = 900  # Lambda's maximum: AWS documents a failover as typically under 60 s, but waits on a busy cluster
LOG_RETENTION_DAYS = 365
FUNCTION_NAME = '${format("%s-failover", substr(local.identifier, 0, 55))}'  # Lambda's limit: 64
# Zip entries carry a time and mode; fixed ones make the archive (and its hash) depend on the code alone.
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def archive() -> bytes:
    """The deployment package: the handler module, alone, byte for byte reproducible."""
    entry = zipfile.ZipInfo(f"{MODULE}.py", date_time=_ZIP_TIME)
    entry.external_attr = 0o644 << 16
    entry.compress_type = zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(entry, Path(failover_function.__file__).read_bytes())
    return buffer.getvalue()


def build_writer_failover(stack: TerraformStack, cluster: RdsCluster, writer: RdsClusterInstance,
                          readers: RdsClusterInstance) -> dict[str, bytes]:
    """The function, its role and log group, and its invocation; returns the step's archive (file name -> bytes)."""
    code = archive()
    logs = make(CloudwatchLogGroup, stack, "writer_failover",
        name=f"/aws/lambda/{FUNCTION_NAME}",
        retention_in_days=LOG_RETENTION_DAYS,
        kms_key_id=f"${{{KMS_KEY_ARN}}}",
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": Expr(ACCOUNT_ID)}},
        }],
    }
    role = make(IamRole, stack, "writer_failover",
        name_prefix="${substr(local.identifier, 0, 28)}-failover-",  # IAM's limit for a prefix: 38
        description="Aurora PostgreSQL: moves the writer role to the new writer during a rolling change",
        assume_role_policy=jsonencode(trust),
    )
    arn = f"arn:${{{PARTITION}}}:rds:${{local.region}}:${{{ACCOUNT_ID}}}"
    rights = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "FailOverThisCluster",
                "Effect": "Allow",
                "Action": ["rds:DescribeDBClusters", "rds:FailoverDBCluster"],
                # FailoverDBCluster authorizes the cluster, and the instance it promotes: any writer this
                # package names (not the one running: the policy would change, and IAM take time to
                # apply it, just before the function needs it).
                "Resource": [Expr(f'"{arn}:cluster:${{local.identifier}}"'),
                             Expr(f'"{arn}:db:${{{NAME_PREFIX}}}-writer-*"')],
            },
            {
                "Sid": "WriteItsLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": Expr(f'"${{{address(logs)}.arn}}:*"'),
            },
        ],
    }
    policy = make(IamPolicy, stack, "writer_failover",
        name_prefix="${substr(local.identifier, 0, 40)}-failover-",
        description="Aurora PostgreSQL: fail this cluster over to its writer, and log",
        policy=jsonencode(rights),
    )
    attachment = make(IamRolePolicyAttachment, stack, "writer_failover", role=role.name, policy_arn=policy.arn)
    function = make(LambdaFunction, stack, "writer_failover",
        function_name=FUNCTION_NAME,
        description="Moves the Aurora writer role to the new writer of a rolling change (aurora bundle)",
        role=role.arn,
        runtime=RUNTIME,
        architectures=["arm64"],
        handler=f"{MODULE}.handler",
        filename=f"${{path.module}}/{ARCHIVE}",
        source_code_hash=base64.b64encode(hashlib.sha256(code).digest()).decode(),
        timeout=TIMEOUT_SECONDS,
        memory_size=128,
        depends_on=[logs, attachment],  # its logs go to the encrypted group, not one Lambda would create
    )
    make(LambdaInvocation, stack, "writer_failover",
        function_name=function.function_name,
        input=jsonencode({"cluster_identifier": Expr(f"{address(cluster)}.cluster_identifier"),
                          "writer_identifier": Expr(f"{address(writer)}.identifier")}),
        triggers={"writer": f"${{{address(writer)}.id}}"},
        depends_on=[readers],  # after the new readers: the old ones still serve until then
    )
    return {ARCHIVE: code}
