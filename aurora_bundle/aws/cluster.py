"""The Aurora PostgreSQL cluster, its exported-log groups and the KMS key it is encrypted with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf import (
    DataResource,
    IResolvable,
    Postcondition,
    Precondition,
    TerraformResourceLifecycle,
    TerraformStack,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_rds_cluster import DataAwsRdsCluster
from cdktf_cdktf_provider_aws.data_aws_rds_clusters import DataAwsRdsClusters, DataAwsRdsClustersFilter
from cdktf_cdktf_provider_aws.data_aws_rds_engine_version import DataAwsRdsEngineVersion
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster

from aurora_bundle.aws.conditions import SERVERLESS
from aurora_bundle.aws.kms import KEY_ALIAS, PARTITION
from aurora_bundle.aws.network import Network
from aurora_bundle.aws.parameter_groups import CONFIGURED_MAJOR, RUNNING_MAJOR, RUNNING_VERSION, ParameterGroups
from aurora_bundle.inputs.engine import ENGINE, LOG_EXPORTS, PORT
from aurora_bundle.inputs.params_root import P
from aurora_bundle.inputs.rules import RULE_LOCALS, RULES
from aurora_bundle.massdriver.wiring import Secrets
from aurora_bundle.terraform.hcl import address, b, local, local_value, make, n, render, strings

KMS_KEY_ARN = "data.aws_kms_alias.main.target_key_arn"


DOWNGRADE_RULE = "no-major-downgrade"
SNAPSHOT_REGION_RULE = "snapshot-in-this-region"
RESTORE_IAM_CHECK = "restored-iam-authentication"
UPGRADE_TARGET_RULE = "major-upgrade-target"
UPGRADE_IMMEDIATELY_RULE = "major-upgrade-needs-apply-immediately"
STANDARD_VERSION_RULE = "standard-engine-version"
EXTENDED_SUPPORT_RULE = "extended-support-fixed-at-creation"


@dataclass(frozen=True)
class Running:
    """HCL for the cluster as AWS runs it now: null before the first deployment."""

    version: str  # e.g. 17.9
    major: str  # e.g. 17, as a number
    iam_authentication: str  # whether IAM database authentication is on


def running_cluster(stack: TerraformStack) -> Running:
    """The running cluster, read at plan time.

    A plan can refuse what AWS cannot do (a downgrade), keep what AWS did by itself (a minor upgrade in the
    maintenance window), and keep the parameter groups the engine still runs on while a major upgrade waits for the
    window (``parameter_groups``)."""
    existing = make(DataAwsRdsClusters, stack, "existing",
                    filter=[DataAwsRdsClustersFilter(name="db-cluster-id", values=["${local.identifier}"])])
    running = make(DataAwsRdsCluster, stack, "running", cluster_identifier="${each.value}")
    running.add_override("for_each", f"${{toset({address(existing)}.cluster_identifiers)}}")
    version = local(stack, "running_version", f"one([for c in values({address(running)}) : c.engine_version])")
    major = local(stack, "running_major", f'{version} == null ? null : tonumber(split(".", {version})[0])')
    assert (version, major) == (RUNNING_VERSION, RUNNING_MAJOR), "parameter_groups reads them the same way"
    iam = local(stack, "running_iam_authentication",
                f"one([for c in values({address(running)}) : c.iam_database_authentication_enabled])")
    return Running(version=version, major=major, iam_authentication=iam)


# The engine-version policy (locals, data sources and preconditions; README "Versions").
#
# AWS's catalog lists builds a standard cluster cannot use: Limitless builds such as 16.4-limitless ...
# 16.13-limitless (``describe-db-engine-versions --engine aurora-postgresql``, quoted in aws-cdk PRs #34446,
# #35430, #38053), usable only by a cluster created with ClusterScalabilityType limitless (AuroraUserGuide
# limitless-reqs-limits.html; CreateDBCluster). The provider sends ``version`` as DescribeDBEngineVersions'
# EngineVersion, which AWS matches at dot boundaries ("16" matches "16.4-limitless"), and ``latest = true``
# sorts the matches by CreateTime first (terraform-provider-aws 5.100,
# internal/service/rds/engine_version_data_source.go, ``sortEngineVersions``), so it can hand out a Limitless
# build. Instead: AWS's default build of the major (``default_only``) and the minors it lists as its upgrade
# targets (``valid_minor_targets``), only those of the form <major>.<minor>, the newest by number.
#
# A major upgrade goes only to a version the running one lists with IsMajorVersionUpgrade (AuroraUserGuide
# USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html; otherwise "InvalidParameterCombination: Cannot
# upgrade aurora-postgresql from 12.11 to 13.6", terraform-aws-modules/terraform-aws-rds-aurora#308): the
# newest such target in the configured major, or a refusal at plan naming the minor to reach first.
STANDARD = f'"^${{{P.database.engine_version}}}\\\\.[0-9]+$"'


def _newest(versions: str) -> str:
    """HCL: the newest of a list of <major>.<minor> versions of the configured major, null when empty."""
    return (f'(length({versions}) == 0 ? null : format("%s.%d", {P.database.engine_version}, '
            f'max([for v in {versions} : tonumber(split(".", v)[1])]...)))')


def _standard(versions: str) -> str:
    """HCL: the versions of the configured major a standard cluster can run (no suffix)."""
    return f"[for v in {versions} : v if can(regex({STANDARD}, v))]"


def resolve_engine_version(stack: TerraformStack, running: Running) -> str:
    """Declare the lookups and locals of the engine-version policy; return the HCL of the version to configure.

    - a new cluster: the newest standard minor of the configured major (``local.engine_new``);
    - the major stays: the version running (AWS's automatic minor upgrades are kept, never undone);
    - a newer major: the newest of the running version's ``valid_major_targets`` in that major
      (``local.engine_target``); when there is none, the running version (the plan is refused:
      ``local.engine_path`` names the minor to reach first).
    """
    default = make(DataAwsRdsEngineVersion, stack, "main", engine=ENGINE, version=f"${{{P.database.engine_version}}}",
                   default_only=True)
    local(stack, "engine_upgrading", f"{running.major} == null ? false : {CONFIGURED_MAJOR} > {running.major}")
    local(stack, "engine_new_candidates", _standard(
        f"concat([{address(default)}.version_actual], tolist({address(default)}.valid_minor_targets))"))
    local(stack, "engine_new", _newest("local.engine_new_candidates"))
    # The running version's targets, read only for a major upgrade. include_all: AWS may no longer list an old
    # minor as available; preferred_versions: only the exact version, whatever else AWS's partial match returns.
    targets = make(DataAwsRdsEngineVersion, stack, "running", engine=ENGINE, version="${each.value}",
                   include_all=True, preferred_versions=["${each.value}"])
    targets.add_override("for_each", f"${{local.engine_upgrading ? toset([{running.version}]) : toset([])}}")
    local(stack, "engine_target_candidates", _standard(
        f"flatten([for d in values({address(targets)}) : tolist(d.valid_major_targets)])"))
    local(stack, "engine_target", _newest("local.engine_target_candidates"))
    # No target: the running major's newer standard minors, to find the lowest that lists one.
    path = make(DataAwsRdsEngineVersion, stack, "upgrade_path", engine=ENGINE, version="${each.value}",
                preferred_versions=["${each.value}"])
    path.add_override("for_each", "${local.engine_upgrading && local.engine_target == null ? toset(" + (
        f'[for v in flatten([for d in values({address(targets)}) : tolist(d.valid_minor_targets)]) : v '
        f'if can(regex("^[0-9]+\\\\.[0-9]+$", v))]) : toset([])}}'))
    # minor -> whether it lists a target in the configured major; the path is the lowest such minor.
    listed = local(stack, "engine_path_listed",
                   f"{{for v, d in {address(path)} : v => length({_standard('tolist(d.valid_major_targets)')}) > 0}}")
    minor = 'tonumber(split(".", v)[1])'
    local(stack, "engine_path", f"try(one([for v, ok in {listed} : v if ok && {minor} == "
                                f"min([for v, ok in {listed} : {minor} if ok]...)]), null)")
    # What the refusal of an upgrade without a target says to do (engine_preconditions).
    local_value(stack, "engine_path_how",
                   "first upgrade the minor to %s (the lowest that lists one) with aws rds modify-db-cluster "
                   "--db-cluster-identifier %s --engine-version %s --apply-immediately, or wait until the automatic "
                   "minor upgrade in the maintenance window has reached it or a later minor, then deploy again")
    local(stack, "engine_path_advice",
          'local.engine_path == null ? "no newer minor of the running major lists one either: upgrade to a major '
          'in between first" : format(local.engine_path_how, local.engine_path, local.identifier, local.engine_path)')
    now = running.version
    local(stack, "engine_version",
          f"{now} == null ? local.engine_new : local.engine_upgrading ? coalesce(local.engine_target, {now}) : {now}")
    # The chosen version, looked up when it changes (a new cluster, a major upgrade): it must be a standard build.
    chosen = make(DataAwsRdsEngineVersion, stack, "chosen", engine=ENGINE, version="${each.value}",
                  preferred_versions=["${each.value}"])
    chosen.add_override("for_each", f"${{{running.version} == null || local.engine_upgrading ? "
                                     f"toset([for v in [local.engine_version] : v if v != null]) : toset([])}}")
    return "local.engine_version"


def engine_preconditions(running: Running) -> list[Precondition]:
    """The plan refuses what AWS would refuse, or would do outside the deployment, with the way through."""
    configured, version = P.database.engine_version, "local.engine_version"
    running_version = f'coalesce({running.version}, "none")'
    return [
        # A major version cannot go back: AWS has no downgrade (restore a snapshot instead).
        Precondition(
            condition=f"${{{running.major} == null ? true : tonumber({P.database.engine_version}) >= {running.major}}}",
            # Terraform renders the message even when the condition holds: never interpolate null.
            error_message=f"database.engine_version: is ${{{P.database.engine_version}}}, but the "
            f"cluster runs PostgreSQL ${{coalesce(tostring({running.major}), \"none\")}}: a major "
            f"version cannot be downgraded (restore a snapshot into a new package instead) [{DOWNGRADE_RULE}]."),
        # Never a Limitless (or otherwise suffixed) build: a standard cluster cannot run one.
        Precondition(
            condition=f'${{{version} != null && can(regex("^[0-9]+\\\\.[0-9]+$", coalesce({version}, "-"))) && '
                      f"!anytrue([for d in values(data.aws_rds_engine_version.chosen) : d.supports_limitless_database])}}",
            error_message=f"database.engine_version: is ${{{configured}}}, but AWS lists no standard (non-Limitless) "
            f"PostgreSQL ${{{configured}}} version this cluster can run (chosen: ${{coalesce({version}, \"none\")}}): "
            f"pick another major [{STANDARD_VERSION_RULE}]."),
        # A major upgrade goes only to a target AWS lists for the running version.
        Precondition(
            condition="${!local.engine_upgrading || local.engine_target != null}",
            error_message=f"database.engine_version: is ${{{configured}}}, but the cluster runs {_i(running_version)}, "
            f"for which AWS lists no PostgreSQL ${{{configured}}} upgrade target: "
            f"${{local.engine_path_advice}} [{UPGRADE_TARGET_RULE}]."),
        # A major upgrade is made during the deployment only: README "Why a major upgrade waits for no window".
        Precondition(
            condition=f"${{!local.engine_upgrading || {P.database.apply_immediately}}}",
            error_message=f"database.apply_immediately: is off, but database.engine_version ${{{configured}}} upgrades "
            f"the cluster from {_i(running_version)}: a major upgrade is made during the deployment only (AWS applies "
            f"the new instance parameter group at once, not in the maintenance window): turn Apply immediately on "
            f"for this deployment (off again afterwards if you like), or keep the running major "
            f"[{UPGRADE_IMMEDIATELY_RULE}]."),
    ]


def _i(code: str) -> str:
    return f"${{{code}}}"


def build_cluster(stack: TerraformStack, network: Network, groups: ParameterGroups, secrets: Secrets) -> RdsCluster:
    running = running_cluster(stack)
    for name, code in RULE_LOCALS.items():
        local(stack, name, code)
    snapshot_locals(stack)
    snapshot_advice(stack)
    # The engine-version policy: while the major stays, configure exactly what runs, so no deployment
    # changes the engine as a side effect (AWS's automatic minor upgrades happen in the maintenance
    # window) and none undoes or diffs against what AWS upgraded. A new cluster gets the newest standard
    # minor of the major; a new major the newest target AWS lists for the running version.
    engine_version = f"${{{resolve_engine_version(stack, running)}}}"
    logs = make(CloudwatchLogGroup, stack, "exports",
        name="/aws/rds/cluster/${local.identifier}/${each.value}",
        retention_in_days=n(P.observability.log_retention_days),
        kms_key_id=f"${{{KMS_KEY_ARN}}}",
    )
    # One log group per log type the engine can export, whether exported or not: turning an export
    # off keeps its log group and the logs already in it (until their retention runs out, or the
    # package is decommissioned). An empty log group costs nothing.
    logs.add_override("for_each", f"${{toset({render(list(LOG_EXPORTS))})}}")
    cluster = make(RdsCluster, stack, "main",
        cluster_identifier="${local.identifier}",
        engine=ENGINE,
        engine_mode="provisioned",
        engine_version=engine_version,
        allow_major_version_upgrade=True,
        # The configured major's groups. On a major upgrade the provider sends both with the new
        # EngineVersion and AllowMajorVersionUpgrade, applied immediately (engine_preconditions).
        db_cluster_parameter_group_name=groups.cluster_name,
        db_instance_parameter_group_name=groups.instance_name,
        apply_immediately=restore_apply_immediately(stack, running),
        port=PORT,
        # A restored cluster keeps the snapshot's root user (AWS ignores a new one and the provider
        # would replace the cluster forever); the password is reset to ours after the restore.
        master_username=f"${{try({P.database.snapshot_identifier}, null) == null ? {secrets.username} : null}}",
        master_password=f"${{{secrets.password}}}",
        snapshot_identifier=f"${{try({P.database.snapshot_identifier}, null)}}",
        db_subnet_group_name=network.subnet_group.name,
        vpc_security_group_ids=[network.security_group.id],
        storage_encrypted=True,
        kms_key_id=f"${{{KMS_KEY_ARN}}}",
        storage_type=f"${{{P.database.storage_type}}}",
        iam_database_authentication_enabled=b(P.database.iam_authentication),
        deletion_protection=b(P.database.deletion_protection),
        backup_retention_period=n(P.backup.retention_days),
        preferred_backup_window=f"${{{P.backup.window}}}",
        preferred_maintenance_window=f"${{{P.database.maintenance_window}}}",
        copy_tags_to_snapshot=True,
        skip_final_snapshot=b(P.backup.skip_final_snapshot),
        final_snapshot_identifier=f"${{format(\"%s-final-%s\", local.identifier, {secrets.snapshot_suffix})}}",
        enabled_cloudwatch_logs_exports=strings(P.observability.log_exports),
        engine_lifecycle_support=f"${{{P.database.extended_support}}}",
        depends_on=[logs],
        lifecycle=TerraformResourceLifecycle(
            # RDS Extended Support is chosen at creation only: see extended_support_postcondition.
            ignore_changes=["engine_lifecycle_support"],
            postcondition=[extended_support_postcondition()],
            precondition=[*(Precondition(condition=f"${{{rule.condition}}}", error_message=rule.message())
                            for rule in RULES),
                          *engine_preconditions(running),
                          snapshot_region_precondition()],
        ),
    )
    cluster.add_override("dynamic.serverlessv2_scaling_configuration", {
        "for_each": f"${{{SERVERLESS} ? [{P.scaling.serverless}] : []}}",
        "content": {
            "min_capacity": "${serverlessv2_scaling_configuration.value.min_capacity}",
            "max_capacity": "${serverlessv2_scaling_configuration.value.max_capacity}",
            "seconds_until_auto_pause": "${serverlessv2_scaling_configuration.value.min_capacity == 0 ? "
            "serverlessv2_scaling_configuration.value.seconds_until_auto_pause : null}",
        },
    })
    return cluster


RESTORED = f"try({P.database.snapshot_identifier}, null) != null"
# What the cluster's configuration is made of: the params a deployment sends to it (not the alarms).
PARAMS_DIGEST = f"sha256(jsonencode([{P.database}, {P.networking}, {P.scaling}, {P.backup}, {P.observability}]))"


def restore_apply_immediately(stack: TerraformStack, running: Running) -> IResolvable:
    """The cluster's ``apply_immediately``.

    The param, except that a restored package turns IAM authentication on at once, and keeps every plan after a
    deployment clean.

    The AWS provider restores without IAM authentication (RestoreDBClusterFromSnapshot is called without it,
    and so is the ModifyDBCluster after it: hashicorp/terraform-provider-aws#35189), so the package's second
    deployment turns it on with ModifyDBCluster, whose ApplyImmediately covers it (AWS keeps it in
    ClusterPendingModifiedValues.IAMDatabaseAuthenticationEnabled until the maintenance window otherwise; the
    provider then reads it back off, and every plan shows it again). So a restored package with IAM
    authentication asked for applies immediately while IAM authentication is off on the running cluster.

    The trap: ``apply_immediately`` is Optional + Computed in the provider (5.100, cluster.go), never read
    from AWS (AWS does not keep it), so the state holds what the last deployment configured, and a value
    that was true for one deployment and false for the next is a diff (an update that changes nothing).
    So the value stays true, for a restored package with IAM authentication, for as long as its params are
    those it was created with: ``terraform_data.restore_params`` keeps their digest from the first deployment
    (``ignore_changes``: it never changes afterwards). The documented path, deploy the new package a second
    time unchanged, is then true in all three plans (creation, IAM on, the plan after: clean). The first
    deployment with other params goes back to ``database.apply_immediately``, its value changing with the
    params' change (the plan after that is clean too). Only a second deployment that also changes params
    leaves a change of ``apply_immediately`` alone for the next one: IAM logins working at once come first.
    """
    latch = make(DataResource, stack, "restore_params", lifecycle=TerraformResourceLifecycle(ignore_changes=["input"]))
    latch.add_override("count", f"${{{RESTORED} ? 1 : 0}}")
    digest = local(stack, "params_digest", PARAMS_DIGEST)
    latch.add_override("input", f"${{{digest}}}")
    iam_off = f"{running.iam_authentication} == false"
    unchanged = f"one({address(latch)}[*].input) == {digest}"
    return b(f"{P.database.apply_immediately} || ({RESTORED} && {P.database.iam_authentication} && "
             f"({iam_off} || {unchanged}))")


def extended_support_postcondition() -> Postcondition:
    """A plan that would change database.extended_support on a deployed cluster fails, in one line.

    AWS takes EngineLifecycleSupport only in CreateDBCluster and RestoreDBClusterFromSnapshot (RDS API
    reference; ModifyDBCluster has no such parameter), and "enrolls it permanently for the lifetime of the
    cluster" (Aurora User Guide, extended-support-creating-db-instance.html). The AWS provider (5.100,
    internal/service/rds/cluster.go) sends ``engine_lifecycle_support`` in those two calls only: it is
    Optional + Computed, not ForceNew, and its update never sends it, so a change would plan an in-place
    update that changes nothing and diffs forever. ``ignore_changes`` keeps the planned value the state's
    (what AWS reports), and this postcondition compares it with the param: a package deployed before the
    param existed holds AWS's default, which is the param's default, so it plans no change. The message is
    rendered even when the condition holds: never interpolate null."""
    running = 'coalesce(self.engine_lifecycle_support, "unknown")'  # coalesce refuses only nulls and ""
    return Postcondition(
        condition=f'${{contains(["unknown", {P.database.extended_support}], {running})}}',
        error_message=f"database.extended_support: is ${{{P.database.extended_support}}}, but the cluster was created "
                      f"with ${{{running}}}: AWS sets RDS Extended Support only when a cluster is created, so put the "
                      f"param back (to change it, restore a snapshot into a new package) [{EXTENDED_SUPPORT_RULE}].",
    )


# database.snapshot_identifier ("-" when none): a name, or arn:<partition>:rds:<region>:<account>:cluster-snapshot:<name>.
_SNAPSHOT, _ARN_PARTITION, _ARN_REGION = "local.snapshot", "local.snapshot_partition", "local.snapshot_region"


def snapshot_locals(stack: TerraformStack) -> None:
    """The snapshot to restore (``local.snapshot``) and, for an ARN, its partition and region ("" for a name)."""
    local(stack, "snapshot", f'coalesce(try({P.database.snapshot_identifier}, null), "-")')
    for name, field in ((_ARN_PARTITION, 1), (_ARN_REGION, 3)):
        local(stack, name.removeprefix("local."), f'try(split(":", {_SNAPSHOT})[{field}], "")')


def snapshot_advice(stack: TerraformStack) -> None:
    """What the snapshot precondition says to do: copy the snapshot here, or move the data another way."""
    local_value(stack, "snapshot_copy_how",
                   "copy it into ${local.region} first with a key of this region (aws rds copy-db-cluster-snapshot "
                   f"--region ${{local.region}} --source-db-cluster-snapshot-identifier ${{{_SNAPSHOT}}} "
                   f"--target-db-cluster-snapshot-identifier <a name> --kms-key-id ${{{KEY_ALIAS}}}) and set the copy's "
                   "name here")
    local_value(stack, "snapshot_other_partition_how",
                   "AWS cannot copy a snapshot between partitions: restore it in its own partition, or move the data "
                   "with pg_dump and pg_restore")


def snapshot_region_precondition() -> Precondition:
    """A snapshot ARN of another region or partition fails the plan, before anything is created.

    RestoreDBClusterFromSnapshot runs in the provider's region and its SnapshotIdentifier "must match
    the identifier of an existing Snapshot" there (a name or an ARN; the ARN is how a snapshot shared
    by another account is named, which stays allowed: the account is not checked):
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_RestoreDBClusterFromSnapshot.html.
    A snapshot of another region is first copied into this one, with a KMS key of this region
    (``aws rds copy-db-cluster-snapshot``, run in the destination region, the source given by its ARN,
    ``--kms-key-id`` a key of the destination); AWS copies between the regions of one partition only
    (not between the GovCloud (US) and commercial regions, nor to or from the China regions):
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html (Limitations) and
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopyDBClusterSnapshot.Encrypted.CrossRegion.html.
    A plain identifier is always this region's. The message is rendered even when the condition holds.
    """
    how = f"${{{_ARN_PARTITION} == {PARTITION} ? local.snapshot_copy_how : local.snapshot_other_partition_how}}"
    return Precondition(
        condition=f'${{!startswith({_SNAPSHOT}, "arn:") || '
                  f'({_ARN_PARTITION} == {PARTITION} && {_ARN_REGION} == local.region)}}',
        error_message=f"database.snapshot_identifier: is a snapshot in ${{{_ARN_REGION}}} (partition "
                      f"${{{_ARN_PARTITION}}}), but this package deploys to ${{local.region}} (partition "
                      f"${{{PARTITION}}}): a cluster is restored only from a snapshot in its own region; {how} "
                      f"[{SNAPSHOT_REGION_RULE}].",
    )


def restored_iam_check(cluster: RdsCluster) -> tuple[str, dict[str, Any]]:
    """A check block (name, body): it warns at the end of a deployment that left IAM authentication off.

    The AWS provider restores a snapshot without IAM authentication (RestoreDBClusterFromSnapshot is
    called without it, and so is the ModifyDBCluster after it: hashicorp/terraform-provider-aws#35189);
    the package's next deployment turns it on. A check fails nothing: Terraform prints its warning.
    """
    return RESTORE_IAM_CHECK.replace("-", "_"), {"assert": [{
        "condition": f"${{!{P.database.iam_authentication} || {address(cluster)}.iam_database_authentication_enabled}}",
        "error_message": "database.iam_authentication is on, but the cluster runs without IAM authentication: after a "
                         "restore from a snapshot the AWS provider leaves it off (hashicorp/terraform-provider-aws#35189). "
                         "Deploy this package once more to turn it on (in place, no restart); until then applications "
                         f"connect with the password [{RESTORE_IAM_CHECK}].",
    }]}
