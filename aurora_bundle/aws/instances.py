"""The writer and the fixed readers, spread across availability zones, and their monitoring role.

Instance identifiers end in their availability zone's letter. Both are chosen when an instance is
created and kept afterwards, so a change of the VPC's subnets replaces no instance, and an instance
left half-made by a cancelled deployment is replaced under its own name on the next one.
"""

from __future__ import annotations

from cdktf import TerraformLocal, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance

from aurora_bundle.aws.cluster import KMS_KEY_ARN
from aurora_bundle.aws.kms import ACCOUNT_ID, PARTITION
from aurora_bundle.aws.parameter_groups import ParameterGroups
from aurora_bundle.inputs.engine import ENGINE
from aurora_bundle.terraform.hcl import Expr, b, jsonencode, make, n

Monitoring = tuple[IamRole, IamRolePolicyAttachment]
AUTOSCALED_READER_PREFIX = "application-autoscaling"  # how AWS names the readers autoscaling adds


def build_monitoring_role(stack: TerraformStack) -> Monitoring:
    """Role RDS assumes to publish enhanced monitoring: for this cluster's instances, and for the readers
    Application Auto Scaling adds to it (AWS names those ``application-autoscaling-<id>``, so the
    condition cannot name the cluster for them; they are still this account's, in this region)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": Expr(ACCOUNT_ID)},
                "ArnLike": {"aws:SourceArn": [Expr(
                    f'"arn:${{{PARTITION}}}:rds:${{local.region}}:${{{ACCOUNT_ID}}}:db:{name}-*"')
                    for name in ("${local.identifier}", AUTOSCALED_READER_PREFIX)]},
            },
        }],
    }
    role = make(IamRole, stack, "monitoring",
        name_prefix="${substr(local.identifier, 0, 32)}-",
        description="Aurora PostgreSQL enhanced monitoring",
        assume_role_policy=jsonencode(trust),
    )
    attachment = make(IamRolePolicyAttachment, stack, "monitoring",
        role=role.name,
        policy_arn=f"arn:${{{PARTITION}}}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    )
    return role, attachment


def _instance(stack: TerraformStack, logical_id: str, cluster: RdsCluster, groups: ParameterGroups,
              monitoring: Monitoring, name: str, zone: str, tier: int, count: str | None = None) -> RdsClusterInstance:
    extra = {"count": n(count)} if count else {}
    return RdsClusterInstance(
        stack,
        logical_id,
        identifier=f'${{format("%s-{name}-%s", local.identifier, substr({zone}, -1, 1))}}',
        cluster_identifier=cluster.id,
        engine=ENGINE,
        instance_class="${var.database.instance_class}",
        availability_zone=f"${{{zone}}}",
        promotion_tier=tier,
        db_parameter_group_name=groups.instance.name,
        ca_cert_identifier="${var.database.ca_cert_identifier}",
        apply_immediately=b("var.database.apply_immediately"),
        preferred_maintenance_window="${var.database.maintenance_window}",
        publicly_accessible=False,
        auto_minor_version_upgrade=True,
        copy_tags_to_snapshot=True,
        monitoring_interval=n("var.observability.enhanced_monitoring_interval"),
        monitoring_role_arn=monitoring[0].arn,
        performance_insights_enabled=True,
        performance_insights_kms_key_id=f"${{{KMS_KEY_ARN}}}",
        performance_insights_retention_period=n("var.observability.performance_insights_retention_days"),
        # Placement is chosen once: subnets added or removed later (which shift the zone list) move
        # and rename no instance, so they replace none. The only replacement left is of an instance a
        # cancelled or failed deployment left half-made (tainted): it keeps its identifier, so the
        # broken one must go first (create-before-destroy would clash: DBInstanceAlreadyExists).
        lifecycle=TerraformResourceLifecycle(ignore_changes=["availability_zone", "identifier"]),
        depends_on=[monitoring[1]],  # RDS checks the role can publish when monitoring is turned on
        **extra,  # type: ignore[arg-type]
    )


def build_instances(stack: TerraformStack, cluster: RdsCluster, groups: ParameterGroups) -> list[RdsClusterInstance]:
    monitoring = build_monitoring_role(stack)
    zones = "local.availability_zones"
    writer = _instance(stack, "writer", cluster, groups, monitoring, "writer", f"{zones}[0]", tier=0)
    # Readers start in the next zone over, so with one reader the two instances never share a zone.
    # Tier 1: serverless readers scale with the writer and are promoted first on failover.
    readers = _instance(stack, "reader", cluster, groups, monitoring, "reader${count.index + 1}",
              f"{zones}[(count.index + 1) % length({zones})]", tier=1, count="var.scaling.reader_count")
    # What custom endpoints name as members: "writer" and "reader1".. for the fixed readers.
    TerraformLocal(stack, "instance_members", "${merge({writer = aws_rds_cluster_instance.writer.identifier}, "
                   '{for i, r in aws_rds_cluster_instance.reader : "reader${i + 1}" => r.identifier})}')
    return [writer, readers]
