"""The writer and the fixed readers, spread across availability zones, and their monitoring role.

Identifiers end in the time the instance was created (instances made before that naming end in
their zone's letter). Names and zones are chosen when an instance is created and kept afterwards, so
a change of the VPC's subnets replaces no instance. A class or CA change rolls through the instances
(see ``build_instances``); an instance left half-made by a cancelled deployment is replaced on the
next one, under a new name, before the broken one is deleted, and a rolling change cut short resumes
(``RESUME``). An instance a killed deployment created but never recorded is adopted by the next one
(``aws/adoption.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import (
    DataResource,
    ITerraformDependable,
    Postcondition,
    Precondition,
    TerraformResourceLifecycle,
    TerraformStack,
)
from cdktf_cdktf_provider_aws.data_aws_db_instance import DataAwsDbInstance
from cdktf_cdktf_provider_aws.data_aws_db_instances import DataAwsDbInstances, DataAwsDbInstancesFilter
from cdktf_cdktf_provider_aws.data_aws_servicequotas_service_quota import DataAwsServicequotasServiceQuota
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance

from aurora_bundle.aws.cluster import KMS_KEY_ARN
from aurora_bundle.aws.kms import ACCOUNT_ID, PARTITION
from aurora_bundle.aws.parameter_groups import ParameterGroups
from aurora_bundle.inputs.engine import ENGINE, MAX_INSTANCES
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import Expr, address, b, jsonencode, local, local_value, make, n

Monitoring = tuple[IamRole, IamRolePolicyAttachment]
AUTOSCALED_READER_PREFIX = "application-autoscaling"  # how AWS names the readers autoscaling adds

# Placement and names are chosen once: subnets added or removed later (which shift the zone list)
# move and rename no instance. The instance parameter group changes only with the engine major, and
# then the cluster moves every instance to the new family's group as part of the upgrade (its
# db_instance_parameter_group_name, which AWS applies with the upgrade: at once, or in the
# maintenance window): an instance asking for it before the engine upgraded would be refused by AWS.
# An instance created while an upgrade waits for the window joins with the running family's group.
KEPT = ["availability_zone", "identifier", "db_parameter_group_name"]
# What restarts an instance when it changes: its size, and the authority of its TLS certificate.
SHAPE = {"instance_class": P.database.instance_class, "ca_cert_identifier": P.database.ca_cert_identifier}
# Instances are named when they are created (the name is kept afterwards), with the time: a
# replacement never clashes with the instance it replaces, whether a class change or a deployment
# cancelled midway (a tainted instance) asked for it. 43 + "-reader15-" + 10 digits = 63, RDS's limit.
NAME_KEEP = 43
STAMP = 'formatdate("MMDDhhmmss", timestamp())'
# The identifier's first 43 characters, without a trailing hyphen (RDS refuses two in a row).
NAME_PREFIX = f'replace(substr(local.identifier, 0, {NAME_KEEP}), "/-+$/", "")'
WRITER_NAME = f'${{format("%s-writer-%s", {NAME_PREFIX}, {STAMP})}}'
READER_NAME = f'${{format("%s-reader%d-%s", {NAME_PREFIX}, count.index + 1, {STAMP})}}'
ROOM_RULE = "rolling-change-needs-room"
SHAPE_ADDRESS = "terraform_data.instance_shape"  # what a rolling change changes (autoscaling replaces its policy)
QUOTA_RULE = "db-instance-quota"
# The account's quota of DB instances in a Region: "Quotas in Amazon Aurora"
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html) lists it as
# "DB instances", 40 in each Region by default, adjustable, and Aurora's instances count. Service Quotas
# names it so for the rds service code; the data source looks it up by that name (its code, which public
# tools record as L-7B6409FD, is printed on no AWS guide page), then reads the applied value
# (GetServiceQuota; the default when none is applied: terraform-provider-aws 5.100
# internal/service/servicequotas/service_quota_data_source.go).
QUOTA_SERVICE = "rds"
QUOTA_NAME = "DB instances"
# An instance's shape is never changed in place (that restarts it: both readers at once with
# apply_immediately on). Only a replacement gives an instance a new shape: ignore_changes keeps an
# update from ever sending one, and a postcondition refuses the plan that would leave one on another.
SHAPE_KEPT = list(SHAPE)
SHAPE_RULE = "instance-shape-follows-a-rolling-change"
# A rolling change cut short (a cancelled deployment: the new writer half-made, so tainted; the old
# one deposed, both still the writer's) resumes on the next deployment: the tainted writer is
# replaced, and a replaced writer (its id unknown in the plan) replaces the readers too, whatever
# shape ``terraform_data.instance_shape`` already records. The trigger reads the writer's id, not the
# writer, so an in-place update of the writer replaces no reader. Terraform's replace_triggered_by on
# an attribute fires when that attribute's planned value differs from its prior one, on an update or
# a replacement only (hashicorp/terraform internal/terraform/eval_context_builtin.go
# EvaluateReplaceTriggeredBy; the same in opentofu internal/tofu/eval_context_builtin.go).
RESUME = "aws_rds_cluster_instance.writer.id"


def build_monitoring_role(stack: TerraformStack) -> Monitoring:
    """Role RDS assumes to publish enhanced monitoring.

    For this cluster's instances, and for the readers Application Auto Scaling adds to it (AWS names those
    ``application-autoscaling-<id>``, so the condition cannot name the cluster for them; they are still this
    account's, in this region)."""
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
                    for name in (f"${{{NAME_PREFIX}}}", AUTOSCALED_READER_PREFIX)]},
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


def _shape_postcondition() -> Postcondition:
    """Stops the deployment when an instance kept in place is on the wrong class or CA.

    Checked at plan time against each instance's planned state (Terraform evaluates postconditions after planning, on
    the planned object: terraform/docs "Custom Conditions"): an instance kept (not replaced) on another class or CA
    than the params ask for stops the plan before anything changes. It can only happen when state and AWS disagree on
    a roll's progress (a deployment killed mid-roll after the shape was recorded, or a class changed outside
    Terraform)."""
    return Postcondition(
        condition=f"${{self.instance_class == {SHAPE['instance_class']} && "
        f"self.ca_cert_identifier == {SHAPE['ca_cert_identifier']}}}",
        error_message=f"database.instance_class: instance ${{self.identifier}} runs "
        f"${{self.instance_class}}/${{self.ca_cert_identifier}}, not ${{{SHAPE['instance_class']}}}/"
        f"${{{SHAPE['ca_cert_identifier']}}}, and this plan would not replace it (its class or CA is never "
        f"changed in place): set database.instance_class and database.ca_cert_identifier back to what it "
        f"runs and deploy (a rolling change back), then to the new values and deploy [{SHAPE_RULE}].")


def _instance(stack: TerraformStack, logical_id: str, cluster: RdsCluster, groups: ParameterGroups,
              monitoring: Monitoring, identifier: str, zone: str, tier: int, *,
              lifecycle: TerraformResourceLifecycle, count: str | None = None,
              depends_on: Sequence[ITerraformDependable] = ()) -> RdsClusterInstance:
    extra = {"count": n(count)} if count else {}
    return make(
        RdsClusterInstance,
        stack,
        logical_id,
        identifier=identifier,
        cluster_identifier=cluster.id,
        engine=ENGINE,
        instance_class=f"${{{P.database.instance_class}}}",
        availability_zone=f"${{{zone}}}",
        promotion_tier=tier,
        db_parameter_group_name=groups.new_instance_name,
        ca_cert_identifier=f"${{{P.database.ca_cert_identifier}}}",
        apply_immediately=b(P.database.apply_immediately),
        preferred_maintenance_window=f"${{{P.database.maintenance_window}}}",
        publicly_accessible=False,
        auto_minor_version_upgrade=True,
        copy_tags_to_snapshot=True,
        monitoring_interval=n(P.observability.enhanced_monitoring_interval),
        monitoring_role_arn=monitoring[0].arn,
        performance_insights_enabled=True,
        performance_insights_kms_key_id=f"${{{KMS_KEY_ARN}}}",
        performance_insights_retention_period=n(P.observability.performance_insights_retention_days),
        lifecycle=lifecycle,
        depends_on=[monitoring[1], *depends_on],  # RDS checks the role can publish when monitoring is turned on
        **extra,  # type: ignore[arg-type]
    )



def _room_checks(stack: TerraformStack) -> list[Precondition]:
    """Whether the cluster and the account have room for a new set of instances.

    A class or CA change brings a whole new set of instances up before the old set leaves; a cluster holds at most
    MAX_INSTANCES, and the account a quota of DB instances in the Region (``_quota_check``). Read at plan time: what
    runs now, and whether it changes."""
    members = make(DataAwsDbInstances, stack, "members",
                   filter=[DataAwsDbInstancesFilter(name="db-cluster-id", values=["${local.identifier}"])])
    # The readers AWS's autoscaling added and still runs (the decommission guard and the autoscaling-off
    # check read it): Application Auto Scaling names them application-autoscaling-<id>.
    local_value(stack, "autoscaled_readers", f"${{length([for id in {address(members)}.instance_identifiers : id "
                   f'if startswith(id, "{AUTOSCALED_READER_PREFIX}-")])}}')
    member = make(DataAwsDbInstance, stack, "member", db_instance_identifier="${each.value}")
    member.add_override("for_each", f"${{toset({address(members)}.instance_identifiers)}}")
    ours = local(stack, "instances_ours", f'[for i in values({address(member)}) : i '
                 f'if !startswith(i.db_instance_identifier, "{AUTOSCALED_READER_PREFIX}-")]')
    changing = local(stack, "instances_changing",
                     f"anytrue([for i in {ours} : i.db_instance_class != {SHAPE['instance_class']} || "
                     f"i.ca_cert_identifier != {SHAPE['ca_cert_identifier']}])")
    running = f"length({address(members)}.instance_identifiers)"
    room = Precondition(
        condition=f"${{!{changing} || {running} + 1 + {P.scaling.reader_count} <= {MAX_INSTANCES}}}",
        error_message=f"database.instance_class: a new class or CA brings up a new writer and "
        f"${{{P.scaling.reader_count}}} new readers before the ${{{running}}} running instances leave, and an "
        f"Aurora cluster holds at most {MAX_INSTANCES}: lower scaling.reader_count (and "
        f"scaling.autoscaling.max_readers) first, deploy, then change the class or CA [{ROOM_RULE}].")
    return [room, _quota_check(stack, ours, changing)]


def _quota_check(stack: TerraformStack, ours: str, changing: str) -> Precondition:
    """The account's DB-instance quota in the Region (every engine, every cluster, AWS's autoscaled readers too).

    What this deployment brings up (a whole new set on a class or CA change, or on creation; the readers added
    otherwise) must fit beside what already runs there, or AWS refuses the instance midway (CreateDBInstance:
    InstanceQuotaExceeded) with half the new set up. Read at plan time."""
    region = make(DataAwsDbInstances, stack, "region")  # no filter: every DB instance of the account here
    quota = make(DataAwsServicequotasServiceQuota, stack, "db_instances",
                 service_code=QUOTA_SERVICE, quota_name=QUOTA_NAME)
    in_region = f"length({address(region)}.instance_identifiers)"
    limit = f"floor({address(quota)}.value)"
    new_set = f"(1 + {P.scaling.reader_count})"
    adding = local(stack, "instances_added", f"{changing} ? {new_set} : max(0, {new_set} - length({ours}))")
    return Precondition(
        condition=f"${{{in_region} + {adding} <= {limit}}}",
        error_message=f"database.instance_class: this deployment brings up ${{{adding}}} new DB instances while "
        f"${{{in_region}}} run in ${{local.region}}, and the account's quota there is ${{{limit}}} DB instances "
        f"(Service Quotas, Amazon RDS \"{QUOTA_NAME}\"; AWS's default is 40): request an increase in Service "
        f"Quotas, or delete unused DB instances in ${{local.region}}, then deploy again [{QUOTA_RULE}].")


def build_instances(stack: TerraformStack, cluster: RdsCluster, groups: ParameterGroups) -> list[RdsClusterInstance]:
    """The rolling change (what a new class or CA does, with Terraform alone).

    Every instance is replaced create-before-destroy. The writer's successor (tier 0) comes up first, then the new
    readers; then the writer role moves to the successor (one failover, ``aws/failover.py``, whichever instance held
    it); only then do the old readers leave, and the old writer last. At every moment the cluster has an available
    writer and available readers, and no instance restarts. It needs room for the new set (``_room_checks``)."""
    monitoring = build_monitoring_role(stack)
    zones = "local.availability_zones"
    shape = make(DataResource, stack, "instance_shape",
                 lifecycle=TerraformResourceLifecycle(precondition=_room_checks(stack)))
    shape.add_override("input", {key: f"${{{value}}}" for key, value in SHAPE.items()})
    assert address(shape) == SHAPE_ADDRESS
    rolling = TerraformResourceLifecycle(create_before_destroy=True, ignore_changes=[*KEPT, *SHAPE_KEPT],
                                         replace_triggered_by=[address(shape)], postcondition=[_shape_postcondition()])
    writer = _instance(stack, "writer", cluster, groups, monitoring, WRITER_NAME, f"{zones}[0]", tier=0,
                       lifecycle=rolling)
    resuming = TerraformResourceLifecycle(create_before_destroy=True, ignore_changes=[*KEPT, *SHAPE_KEPT],
                                          replace_triggered_by=[address(shape), RESUME],
                                          postcondition=[_shape_postcondition()])
    # Readers start in the next zone over, so with one reader the two instances never share a zone.
    # Tier 1: serverless readers scale with the writer and are promoted first on failover. They come
    # up after the writer: the first instance of a new cluster becomes its writer.
    readers = _instance(stack, "reader", cluster, groups, monitoring, READER_NAME,
                        f"{zones}[(count.index + 1) % length({zones})]", tier=1, lifecycle=resuming,
                        count=P.scaling.reader_count, depends_on=[writer])
    # What custom endpoints name as members: "writer" and "reader1".. for the fixed readers.
    local_value(stack, "instance_members", "${merge({writer = aws_rds_cluster_instance.writer.identifier}, "
                   '{for i, r in aws_rds_cluster_instance.reader : "reader${i + 1}" => r.identifier})}')
    return [writer, readers]
