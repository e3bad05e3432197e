"""Reader autoscaling through Application Auto Scaling (target tracking on CPU or connections).

Autoscaled readers are created by AWS, not Terraform. Capacity counts every reader, so the fixed
readers are added to the params' minimum and maximum.
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance

from aurora_bundle.terraform.hcl import make, n

ENABLED = 'var.scaling.autoscaling.mode == "disabled" ? 0 : 1'
METRIC = {"cpu": "RDSReaderAverageCPUUtilization", "connections": "RDSReaderAverageDatabaseConnections"}


def build_autoscaling(stack: TerraformStack, cluster: RdsCluster, readers: list[RdsClusterInstance]) -> None:
    target = make(AppautoscalingTarget, stack, "readers",
        count=n(ENABLED),
        service_namespace="rds",
        scalable_dimension="rds:cluster:ReadReplicaCount",
        resource_id=f"cluster:{cluster.cluster_identifier}",
        min_capacity=n("var.scaling.reader_count + var.scaling.autoscaling.min_readers"),
        max_capacity=n("var.scaling.reader_count + var.scaling.autoscaling.max_readers"),
        depends_on=list(readers),
    )
    metric = f'lookup({{cpu = "{METRIC["cpu"]}", connections = "{METRIC["connections"]}"}}, var.scaling.autoscaling.mode, "")'
    make(AppautoscalingPolicy, stack, "readers",
        count=n(ENABLED),
        name="${local.identifier}-readers",
        policy_type="TargetTrackingScaling",
        service_namespace="${aws_appautoscaling_target.readers[0].service_namespace}",
        scalable_dimension="${aws_appautoscaling_target.readers[0].scalable_dimension}",
        resource_id="${aws_appautoscaling_target.readers[0].resource_id}",
        target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
            predefined_metric_specification=AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                predefined_metric_type=f"${{{metric}}}",
            ),
            target_value=n("var.scaling.autoscaling.target"),
            scale_in_cooldown=300,
            scale_out_cooldown=300,
        ),
        depends_on=[target],
    )
