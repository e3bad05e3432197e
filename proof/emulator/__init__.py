"""Offline AWS emulator for the Aurora bundle: moto 5.2.5 in server mode.

Run ``python -m proof.emulator [--port N] [--host 127.0.0.1]``.

Modules: ``patches/`` (one module per AWS service moto falls short on), ``server`` (the
patched moto server, loopback only), ``process`` (``Emulator``: the server in a child process, for
the tests), ``lambda_runtime`` (Lambda Invoke, run for real). This module holds what clients need: the
address it binds and the environment that points AWS clients at it.
Before serving, moto is monkeypatched in-process so that a Terraform cycle
(init, apply, plan -> "No changes", destroy) of the Aurora PostgreSQL bundle
with hashicorp/aws 5.100.0 is clean.  Each patch names the gap it closes and is
written against moto 5.2.5; it skips itself if the target it patches is gone.

Patches (name: gap):
  iam_managed_policies       AttachRolePolicy on AWS-managed policies 404s
                             (AmazonRDSEnhancedMonitoringRole not loaded).
  appautoscaling_tags        Gap 1: application-autoscaling TagResource,
                             UntagResource, ListTagsForResource not implemented.
  appautoscaling_rds_readers  Aurora's autoscaled readers: RegisterScalableTarget
                             with a maximum below the readers removes the
                             application-autoscaling-* ones (only those).
  rds_aurora_storage_types   CreateDBCluster StorageType=aurora-iopt1 -> 500.
  rds_parameter_source       Gap 2: parameters lack Source=user.
  rds_parameter_reset        ResetDB[Cluster]ParameterGroup not implemented
                             (used when parameters are removed from config).
  rds_scaling_config_info    Gap 3: empty Serverless-v1 ScalingConfigurationInfo
                             always returned.
  rds_performance_insights   Gap 4: Performance Insights settings ignored.
  rds_default_ca             New instances get CA "rds-ca-default", not AWS's
                             rds-ca-rsa2048-g1 (costs ~2.5 min per instance).
  rds_engine_versions        DescribeDBEngineVersions not implemented (answers
                             a catalog built from the bundle's engine catalog:
                             several minors a major, Limitless builds of 16,
                             upgrade targets per version; patches/rds_engine.py).
  rds_engine_rules           Any EngineVersion accepted: refuses an unlisted
                             version, a Limitless one for a standard cluster,
                             an upgrade to a version not listed as a target, a
                             window-mode major upgrade with its instance group.
  rds_cluster_endpoints      Custom cluster endpoints (Create/Describe/Modify/
                             DeleteDBClusterEndpoint, their tags) not implemented.
  rds_subnet_group_modify    ModifyDBSubnetGroup drops the group it modifies.
  rds_restore_from_snapshot_arn  RestoreDBClusterFromSnapshot refuses a
                             snapshot ARN.
  rds_modify_cluster_iam_auth  ModifyDBCluster loses IAM authentication.
  ec2_custom_ids             Harness: a `_custom_id_` tag sets VPC/subnet IDs.
  servicequotas_rds          Service Quotas knows no rds quota: serves "DB
                             instances" (default 40, applied value from
                             AURORA_EMULATOR_DB_INSTANCE_QUOTA, else 200).
  rds_instance_quota         CreateDBInstance has no limit: refuses beyond the
                             applied quota with InstanceQuotaExceeded.
  (lambda_runtime)           Invoke runs only in Docker: runs the stored package's
                             Python handler in a process of its own, boto3
                             pointed at the emulator (not a moto patch: a route
                             of the server, outside its lock).
  rds_availability           Instances are available at once and never fail over:
                             creating/restarting take time, deleting the writer
                             fails over, changes not applied immediately stay
                             pending, and a timeline of members is logged.
"""


from __future__ import annotations

LOOPBACK = "127.0.0.1"
READY_PREFIX = "EMULATOR_READY "
WATCH_PARENT_ENV = "AURORA_EMULATOR_WATCH_PARENT"
TIMELINE_ENV = "AURORA_EMULATOR_TIMELINE"  # a file the emulator logs instances' availability to
DB_INSTANCE_QUOTA_ENV = "AURORA_EMULATOR_DB_INSTANCE_QUOTA"  # the account's applied DB-instance quota
CUSTOM_ID_TAG = "_custom_id_"  # a tag that sets the ID of a VPC or subnet the harness creates
# Test only: AddTagsToResource with this tag on a cluster makes it run the tag's engine version at once, as if
# created on that minor long ago (no upgrade rule applies; the tag is not kept). patches/rds_engine.py.
ENGINE_VERSION_TAG = "_engine_version_"

ENDPOINT_ENV = "AWS_ENDPOINT_URL"


def emulator_environment(endpoint: str) -> dict[str, str]:
    """What points an AWS SDK client (the AWS provider, boto3) at the emulator.

    ``AWS_ENDPOINT_URL``, the endpoint of every service
    (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html). Not the provider's ``endpoints {}``
    block: with it set, the provider validates its configuration in ~2 CPU-seconds instead of 0.1 (the block's 450
    attributes), twice a plan and once an apply."""
    return {ENDPOINT_ENV: endpoint}
