"""CloudWatch alarms on the cluster, sent to Massdriver through an encrypted SNS topic.

Which alarms exist and how each is measured is the table in ``alarm_table`` (one row per alarm,
which also gives its params); Terraform decides per deployment whether each one exists
(``alarms.<key>.enabled`` and whether it applies: replica lag needs readers, ACU utilization needs
Serverless v2). Alarms use the WRITER/READER role dimensions so they follow the roles across
failovers, where AWS publishes the metric so; a metric AWS publishes per instance only (Performance
Insights' DBLoad) gets one alarm per instance of the package (``per_instance`` in the table).
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription

from aurora_bundle.aws.alarm_table import ALARMS, GIB, AlarmSpec
from aurora_bundle.aws.cluster import KMS_KEY_ARN
from aurora_bundle.aws.conditions import SERVERLESS
from aurora_bundle.inputs.engine import (
    ACU_MEMORY_GIB,
    INSTANCE_MEMORY_GIB,
    INSTANCE_VCPUS,
    MAX_CONNECTIONS_BYTES_PER_CONNECTION,
    MAX_CONNECTIONS_CAP,
)
from aurora_bundle.inputs.params_root import ALWAYS, P
from aurora_bundle.massdriver.wiring import Wiring
from aurora_bundle.terraform.hcl import Expr, address, jsonencode, local_value, make, n


def _declare_capacity_locals(stack: TerraformStack) -> None:
    local_value(stack, "instance_memory_gib", dict(sorted(INSTANCE_MEMORY_GIB.items())))
    local_value(stack, "instance_vcpus", dict(sorted(INSTANCE_VCPUS.items())))
    local_value(
        stack,
        "instance_memory_bytes",
        f"${{({SERVERLESS} ? try({P.scaling.serverless.max_capacity}, 1) * {ACU_MEMORY_GIB} : "
        f"lookup(local.instance_memory_gib, {P.database.instance_class}, 16)) * {GIB}}}",
    )
    local_value(
        stack,
        "max_connections",
        f"${{min(floor(local.instance_memory_bytes / {MAX_CONNECTIONS_BYTES_PER_CONNECTION}), {MAX_CONNECTIONS_CAP})}}",
    )


def build_alarms(stack: TerraformStack, wiring: Wiring) -> None:
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
        applies = "" if spec.applies is ALWAYS else f" && ({spec.applies})"
        enabled = f"{P.alarms.at(spec.key, 'enabled')}{applies}"
        count: str | None = f"{enabled} ? 1 : 0"
        name = f"${{local.identifier}}-{spec.key.replace('_', '-')}"
        display: object = spec.display_name
        if spec.per_instance:
            # One alarm per instance of the package, keyed as custom endpoints name them ("writer",
            # "reader1"..): the keys are known at plan, the identifiers may not be yet.
            count = None
            name += "-${each.key}"
            display = f"{spec.display_name}: ${{each.key}}"
        alarm = make(
            CloudwatchMetricAlarm,
            stack,
            spec.key,
            alarm_name=name,
            alarm_description=jsonencode({"name_prefix": Expr("local.name_prefix"), "message": spec.message}),
            namespace=spec.namespace,
            metric_name=spec.metric,
            statistic=spec.statistic,
            period=spec.period,
            evaluation_periods=spec.periods,
            comparison_operator=spec.comparison,
            threshold=n(spec.threshold_hcl),
            treat_missing_data="notBreaching",
            dimensions=spec.dimensions,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
        )
        if count is None:
            alarm.add_override("for_each", f"${{{{for key, id in local.instance_members : key => id if {enabled}}}}}")
        else:
            alarm.add_override("count", f"${{{count}}}")

        def registration(alarm_ref: str, spec: AlarmSpec = spec, display: object = display) -> dict[str, object]:
            return {
                "display_name": display,
                "cloud_resource_id": Expr(f"{alarm_ref}.arn"),
                "comparison_operator": spec.comparison,
                "threshold": Expr(f"{alarm_ref}.threshold"),
                "period": spec.period,
                "metric": {"name": spec.metric, "namespace": spec.namespace, "statistic": spec.statistic,
                           "dimensions": Expr(f"{alarm_ref}.dimensions")},
            }

        wiring.register_alarm(stack, spec.key, address(alarm), count, registration)
