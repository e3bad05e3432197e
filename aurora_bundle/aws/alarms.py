"""CloudWatch alarms on the cluster, sent to Massdriver through an encrypted SNS topic.

Python fixes which alarms can exist and how each is measured; Terraform decides per deployment
whether each one exists (``alarms.<key>.enabled`` and whether it applies: replica lag needs
readers, ACU utilization needs Serverless v2). Alarms use the WRITER/READER role dimensions so they
follow the roles across failovers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cdktf import TerraformLocal, TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription

from aurora_bundle.aws.cluster import KMS_KEY_ARN, SERVERLESS
from aurora_bundle.inputs.engine import (
    ACU_MEMORY_GIB,
    INSTANCE_MEMORY_GIB,
    MAX_CONNECTIONS_BYTES_PER_CONNECTION,
    MAX_CONNECTIONS_CAP,
)
from aurora_bundle.massdriver.wiring import Wiring
from aurora_bundle.terraform.hcl import Expr, address, jsonencode, make, n

GIB = 1024**3
CLUSTER = "aws_rds_cluster.main.cluster_identifier"


@dataclass(frozen=True)
class AlarmSpec:
    key: str  # the alarm's params under ``alarms``
    display_name: str
    metric: str
    statistic: str
    comparison: str
    period: int  # seconds
    periods: int  # evaluation periods
    threshold: str  # HCL computing CloudWatch's threshold from the param
    message: str
    role: str | None = "WRITER"  # None: cluster-wide metric
    applies: str = "true"  # HCL: besides being enabled, does the alarm make sense here
    dimensions: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        dims = {"DBClusterIdentifier": f"${{{CLUSTER}}}"}
        if self.role:
            dims["Role"] = self.role
        object.__setattr__(self, "dimensions", dims)


def _threshold(key: str) -> str:
    return f"var.alarms.{key}.threshold"


HAS_READERS = 'var.scaling.reader_count > 0 || var.scaling.autoscaling.mode != "disabled"'

ALARMS: list[AlarmSpec] = [
    AlarmSpec("cpu_utilization", "Writer CPU utilization", "CPUUtilization", "Average", "GreaterThanThreshold",
              300, 3, _threshold("cpu_utilization"),
              "Writer CPU has been high for 15 minutes: find the expensive queries in Performance Insights or size up."),
    AlarmSpec("freeable_memory", "Writer freeable memory", "FreeableMemory", "Average", "LessThanThreshold",
              300, 3, f"floor(local.instance_memory_bytes * {_threshold('freeable_memory')} / 100)",
              "Writer memory is nearly exhausted: the instance may swap or restart. Size up or lower work_mem."),
    AlarmSpec("database_connections", "Writer connections", "DatabaseConnections", "Maximum", "GreaterThanThreshold",
              300, 2, f"floor(local.max_connections * {_threshold('database_connections')} / 100)",
              "Writer connections are close to max_connections: add a pooler (RDS Proxy, PgBouncer) or size up."),
    AlarmSpec("replica_lag", "Reader replica lag", "AuroraReplicaLag", "Maximum", "GreaterThanThreshold",
              60, 5, _threshold("replica_lag"),
              "Readers are falling behind the writer: reads may be stale and failover slower.",
              role="READER", applies=HAS_READERS),
    AlarmSpec("acu_utilization", "Writer ACU utilization", "ACUUtilization", "Average", "GreaterThanThreshold",
              300, 3, _threshold("acu_utilization"),
              "The serverless writer is running at its maximum capacity: raise scaling.serverless.max_capacity.",
              applies=SERVERLESS),
    AlarmSpec("volume_bytes_left", "Storage left", "AuroraVolumeBytesLeftTotal", "Minimum", "LessThanThreshold",
              300, 1, f"{_threshold('volume_bytes_left')} * {GIB}",
              "The cluster volume is close to its size limit: delete data or plan a split.", role=None),
    AlarmSpec("maximum_used_transaction_ids", "Transaction ID age", "MaximumUsedTransactionIDs", "Maximum",
              "GreaterThanThreshold", 300, 1, _threshold("maximum_used_transaction_ids"),
              "Transaction IDs are nearing wraparound: check autovacuum and long-running transactions."),
]


def _declare_capacity_locals(stack: TerraformStack) -> None:
    TerraformLocal(stack, "instance_memory_gib", dict(sorted(INSTANCE_MEMORY_GIB.items())))
    TerraformLocal(
        stack,
        "instance_memory_bytes",
        f"${{({SERVERLESS} ? try(var.scaling.serverless.max_capacity, 1) * {ACU_MEMORY_GIB} : "
        f"lookup(local.instance_memory_gib, var.database.instance_class, 16)) * {GIB}}}",
    )
    TerraformLocal(
        stack,
        "max_connections",
        f"${{min(floor(local.instance_memory_bytes / {MAX_CONNECTIONS_BYTES_PER_CONNECTION}), {MAX_CONNECTIONS_CAP})}}",
    )


def build_alarms(stack: TerraformStack, cluster: RdsCluster, wiring: Wiring) -> None:
    _declare_capacity_locals(stack)
    topic = make(SnsTopic, stack, "alarms",
        name="${local.name_prefix}-alarms",
        display_name="Massdriver alarms",
        kms_master_key_id=f"${{{KMS_KEY_ARN}}}",
    )
    make(SnsTopicSubscription, stack, "alarms",
        topic_arn=topic.arn,
        protocol="https",
        endpoint="${var.md_metadata.observability.alarm_webhook_url}",
    )
    for spec in ALARMS:
        applies = "" if spec.applies == "true" else f" && ({spec.applies})"
        count = f"var.alarms.{spec.key}.enabled{applies} ? 1 : 0"
        alarm = CloudwatchMetricAlarm(
            stack,
            spec.key,
            count=n(count),
            alarm_name=f"${{local.identifier}}-{spec.key.replace('_', '-')}",
            alarm_description=jsonencode({"name_prefix": Expr("local.name_prefix"), "message": spec.message}),
            namespace="AWS/RDS",
            metric_name=spec.metric,
            statistic=spec.statistic,
            period=spec.period,
            evaluation_periods=spec.periods,
            comparison_operator=spec.comparison,
            threshold=n(spec.threshold),
            treat_missing_data="notBreaching",
            dimensions=spec.dimensions,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            depends_on=[cluster],
        )

        def registration(alarm_ref: str, spec: AlarmSpec = spec) -> dict[str, object]:
            return {
                "display_name": spec.display_name,
                "cloud_resource_id": Expr(f"{alarm_ref}.arn"),
                "comparison_operator": spec.comparison,
                "threshold": Expr(f"{alarm_ref}.threshold"),
                "period": spec.period,
                "metric": {"name": spec.metric, "namespace": "AWS/RDS", "statistic": spec.statistic,
                           "dimensions": Expr(f"{alarm_ref}.dimensions")},
            }

        wiring.register_alarm(stack, spec.key, address(alarm), count, registration)
