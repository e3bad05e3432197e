"""Cluster and instance parameter groups of the engine major's family.

Created with a name prefix and create-before-destroy: a major-version upgrade (new family) creates
the new groups first, moves the cluster and its instances to them, then deletes the old ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)

from aurora_bundle.inputs.engine import ENGINE
from aurora_bundle.terraform.hcl import make

FAMILY = f'"{ENGINE}${{var.database.engine_version}}"'

# (name, value, apply method). TLS is forced; DDL and slow statements are logged (checkov CKV2_AWS_27).
CLUSTER_PARAMETERS: list[tuple[str, str, str]] = [
    ("rds.force_ssl", "1", "pending-reboot"),
    ("ssl_min_protocol_version", "TLSv1.2", "pending-reboot"),
    ("log_statement", "ddl", "immediate"),
    ("log_min_duration_statement", "${var.observability.slow_query_ms}", "immediate"),
]
# Longer query texts in pg_stat_activity and Performance Insights (default 1024 cuts them off).
INSTANCE_PARAMETERS: list[tuple[str, str, str]] = [
    ("track_activity_query_size", "4096", "pending-reboot"),
]


@dataclass(frozen=True)
class ParameterGroups:
    cluster: RdsClusterParameterGroup
    instance: DbParameterGroup


def build_parameter_groups(stack: TerraformStack) -> ParameterGroups:
    replace_first = TerraformResourceLifecycle(create_before_destroy=True)
    cluster = make(RdsClusterParameterGroup, stack, "main",
        name_prefix="${local.identifier}-",
        family=f"${{{FAMILY}}}",
        description="Aurora PostgreSQL cluster parameters: TLS only, DDL and slow query logging",
        parameter=[RdsClusterParameterGroupParameter(name=name, value=value, apply_method=method)
                   for name, value, method in CLUSTER_PARAMETERS],
        lifecycle=replace_first,
    )
    instance = make(DbParameterGroup, stack, "main",
        name_prefix="${local.identifier}-",
        family=f"${{{FAMILY}}}",
        description="Aurora PostgreSQL instance parameters",
        parameter=[DbParameterGroupParameter(name=name, value=value, apply_method=method)
                   for name, value, method in INSTANCE_PARAMETERS],
        lifecycle=replace_first,
    )
    return ParameterGroups(cluster=cluster, instance=instance)
