"""Reader autoscaling through Application Auto Scaling (target tracking on CPU or connections).

Autoscaled readers are created by AWS, not Terraform. Capacity counts every reader, so the fixed
readers are added to the params' minimum and maximum.

A rolling change (a new class or CA: ``instances.build_instances``) doubles the instances for a while,
and the target-tracking metric (RDSReaderAverageCPUUtilization or ...DatabaseConnections) averages
every reader, the new set's idle ones included: the policy would see load halve and scale in AWS's
readers in the middle of the change. So the roll replaces the policy (``replace_triggered_by`` the
instance shape): Terraform deletes it when the apply starts (nothing orders it after anything, and
it is not create-before-destroy), and creates it again only after the new readers exist (it depends
on the target, which depends on them). While no policy exists nothing scales: AWS deletes a target
tracking policy's CloudWatch alarms with it ("It also deletes the CloudWatch alarms that Application
Auto Scaling created on your behalf": Application Auto Scaling user guide,
delete-target-tracking-policy.html) and keeps the scalable target and the readers it added. The new
policy's alarms start without data, so it
cannot act until its metric has been evaluated afresh, by when the old set is leaving. The
alternative, ``suspended_state`` on the target, would have to be turned on for the change and off
after it, which Terraform cannot do in one apply (any value held "during the roll" is a diff on the
next plan).
"""

from __future__ import annotations

from cdktf import TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance

from aurora_bundle.aws.instances import SHAPE_ADDRESS
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import make, n

ENABLED = f'{P.scaling.autoscaling.mode} == "disabled" ? 0 : 1'
# Whether autoscaling was off at the last deployment, kept where the next plan can read it: a tag on the
# cluster (read back through data.aws_rds_cluster.running), set while the mode is "disabled". Terraform
# gives a plan no other way to see what the last deployment applied (a resource's planned value is the
# new one). Only a tag: AddTagsToResource changes nothing else on the cluster.
OFF_TAG = "aurora-bundle:autoscaling-off"
WAS_OFF = f'anytrue([for c in values(data.aws_rds_cluster.running) : lookup(c.tags, "{OFF_TAG}", "") == "true"])'
METRIC = {"cpu": "RDSReaderAverageCPUUtilization", "connections": "RDSReaderAverageDatabaseConnections"}


def build_autoscaling(stack: TerraformStack, cluster: RdsCluster, readers: list[RdsClusterInstance]) -> None:
    cluster.add_override("tags", f'${{{P.scaling.autoscaling.mode} == "disabled" ? {{"{OFF_TAG}" = "true"}} : {{}}}}')
    target = make(AppautoscalingTarget, stack, "readers",
        count=n(ENABLED),
        service_namespace="rds",
        scalable_dimension="rds:cluster:ReadReplicaCount",
        resource_id=f"cluster:{cluster.cluster_identifier}",
        min_capacity=n(f"{P.scaling.reader_count} + {P.scaling.autoscaling.min_readers}"),
        max_capacity=n(f"{P.scaling.reader_count} + {P.scaling.autoscaling.max_readers}"),
        depends_on=list(readers),
    )
    metric = f'lookup({{cpu = "{METRIC["cpu"]}", connections = "{METRIC["connections"]}"}}, {P.scaling.autoscaling.mode}, "")'
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
            target_value=n(P.scaling.autoscaling.target),
            scale_in_cooldown=300,
            scale_out_cooldown=300,
        ),
        depends_on=[target],
        lifecycle=TerraformResourceLifecycle(replace_triggered_by=[SHAPE_ADDRESS]),
    )
