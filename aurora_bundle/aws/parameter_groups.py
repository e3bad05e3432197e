"""Cluster and instance parameter groups, one pair per engine major the cluster needs.

Keyed by major (``main["17"]``, family ``aurora-postgresql17``): the major configured, and, while a
major upgrade waits for the maintenance window (``database.apply_immediately`` off), the major the
cluster still runs. A major upgrade creates the new family's groups and moves the cluster to them;
the old family's groups stay while the engine still runs on them (AWS refuses to delete a group in
use: InvalidDBParameterGroupState) and are deleted by the first deployment after the window
upgraded the engine. Applied immediately, the old groups go at the end of the upgrade's own
deployment. A major never given up keeps its key, so no group is replaced by anything but a new
major. Names carry the major (``<identifier>-pg17-<unique suffix>``).
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
from aurora_bundle.terraform.hcl import address, make

# The majors, as numbers (the running one is read at plan time; null before the first deployment).
CONFIGURED_MAJOR = "tonumber(var.database.engine_version)"
RUNNING_VERSION = "one([for c in values(data.aws_rds_cluster.running) : c.engine_version])"
RUNNING_MAJOR = f'({RUNNING_VERSION} == null ? null : tonumber(split(".", {RUNNING_VERSION})[0]))'
# Which majors need groups: the configured one, and the running one while an upgrade waits for the window.
MAJORS_NEEDED = (f"toset([for m in [{CONFIGURED_MAJOR}, var.database.apply_immediately ? null : {RUNNING_MAJOR}] : "
                 f"tostring(m) if m != null])")
# The cluster asks for the configured major's groups (an upgrade moves it and its instances there).
CLUSTER_KEY = f"tostring({CONFIGURED_MAJOR})"
# An instance created while an upgrade waits for the window joins with the family the engine runs
# (AWS moves it with the others when the upgrade happens).
INSTANCE_KEY = (f"tostring(var.database.apply_immediately ? {CONFIGURED_MAJOR} : "
                f"coalesce({RUNNING_MAJOR}, {CONFIGURED_MAJOR}))")
FAMILY = f'"{ENGINE}${{each.key}}"'

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

    @property
    def cluster_name(self) -> str:
        """The cluster parameter group the cluster asks for: the configured major's."""
        return f"${{{address(self.cluster)}[{CLUSTER_KEY}].name}}"

    @property
    def instance_name(self) -> str:
        """The instance parameter group the cluster moves its instances to on a major upgrade."""
        return f"${{{address(self.instance)}[{CLUSTER_KEY}].name}}"

    @property
    def new_instance_name(self) -> str:
        """The group an instance is created with (kept afterwards: ``instances.KEPT``)."""
        return f"${{{address(self.instance)}[{INSTANCE_KEY}].name}}"


def build_parameter_groups(stack: TerraformStack) -> ParameterGroups:
    # Create-before-destroy: a group that leaves is deleted after the cluster moved off it.
    replace_first = TerraformResourceLifecycle(create_before_destroy=True)
    cluster = make(RdsClusterParameterGroup, stack, "main",
        name_prefix="${local.identifier}-pg${each.key}-",
        family=f"${{{FAMILY}}}",
        description="Aurora PostgreSQL cluster parameters: TLS only, DDL and slow query logging",
        parameter=[RdsClusterParameterGroupParameter(name=name, value=value, apply_method=method)
                   for name, value, method in CLUSTER_PARAMETERS],
        lifecycle=replace_first,
    )
    instance = make(DbParameterGroup, stack, "main",
        name_prefix="${local.identifier}-pg${each.key}-",
        family=f"${{{FAMILY}}}",
        description="Aurora PostgreSQL instance parameters",
        parameter=[DbParameterGroupParameter(name=name, value=value, apply_method=method)
                   for name, value, method in INSTANCE_PARAMETERS],
        lifecycle=replace_first,
    )
    for group in (cluster, instance):
        group.add_override("for_each", f"${{{MAJORS_NEEDED}}}")
    return ParameterGroups(cluster=cluster, instance=instance)
