"""Cluster and instance parameter groups.

The pair the package was created with, and one pair per newer engine major the cluster needs.

``main`` (unkeyed) is the pair created with the package, of the major it was created with: its
``family`` is ignored afterwards, so a major upgrade never replaces it (AWS refuses to delete an
instance group still used by an instance, and the instances keep the group they were created with:
``instances.KEPT``). Packages deployed before the upgrade groups existed keep their state as it is:
no address changes.

``upgraded`` is keyed by major (``upgraded["17"]``, family ``aurora-postgresql17``, names
``<identifier>-pg17-<unique suffix>``): one pair for each major needed (the configured one, and,
while a major upgrade an earlier bundle version left pending waits for the maintenance window with
``database.apply_immediately`` off, the one the cluster still runs) other than ``main``'s. This version
refuses a major upgrade with ``database.apply_immediately`` off at plan
(``cluster.engine_preconditions``). A major upgrade creates the new family's pair
first and moves the cluster to it (AWS moves every instance to the new instance group with the
upgrade). An ``upgraded`` pair the cluster left is deleted at the end of the deployment that left
it, or by the first deployment after the window that upgraded the engine. ``main`` stays until the
package is decommissioned, used or not (a parameter group costs nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)

from aurora_bundle.aws.tls import MINIMUM_TLS_VERSION
from aurora_bundle.inputs.engine import ENGINE
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import address, local, make

# The majors, as numbers (the running one is read at plan time, ``cluster.running_cluster``; null
# before the first deployment).
CONFIGURED_MAJOR = f"tonumber({P.database.engine_version})"
RUNNING_VERSION, RUNNING_MAJOR = "local.running_version", "local.running_major"
# Which majors need groups: the configured one, and the running one while an upgrade waits for the window.
MAJORS_NEEDED = "local.parameter_group_majors"
_MAJORS_NEEDED = (f"toset([for m in [{CONFIGURED_MAJOR}, {P.database.apply_immediately} ? null : {RUNNING_MAJOR}] : "
                  f"tostring(m) if m != null])")
# The cluster asks for the configured major's groups (an upgrade moves it and its instances there).
CLUSTER_KEY = f"tostring({CONFIGURED_MAJOR})"
# An instance created while an upgrade waits for the window joins with the family the engine runs
# (AWS moves it with the others when the upgrade happens).
INSTANCE_KEY = "local.instance_parameter_major"
_INSTANCE_KEY = (f"tostring({P.database.apply_immediately} ? {CONFIGURED_MAJOR} : "
                 f"coalesce({RUNNING_MAJOR}, {CONFIGURED_MAJOR}))")
# main's family is the configured major's when it is created, and is never changed afterwards.
MAIN_FAMILY = f'"{ENGINE}${{{P.database.engine_version}}}"'
UPGRADED_FAMILY = f'"{ENGINE}${{each.key}}"'

# (name, value, apply method). TLS is forced; DDL and slow statements are logged (checkov CKV2_AWS_27).
CLUSTER_PARAMETERS: list[tuple[str, str, str]] = [
    ("rds.force_ssl", "1", "pending-reboot"),
    ("ssl_min_protocol_version", MINIMUM_TLS_VERSION, "pending-reboot"),  # the artifacts publish it
    ("log_statement", "ddl", "immediate"),
    ("log_min_duration_statement", f"${{{P.observability.slow_query_ms}}}", "immediate"),
]
# Longer query texts in pg_stat_activity and Performance Insights (default 1024 cuts them off).
INSTANCE_PARAMETERS: list[tuple[str, str, str]] = [
    ("track_activity_query_size", "4096", "pending-reboot"),
]

CLUSTER_DESCRIPTION = "Aurora PostgreSQL cluster parameters: TLS only, DDL and slow query logging"
INSTANCE_DESCRIPTION = "Aurora PostgreSQL instance parameters"
def main_major(group: RdsClusterParameterGroup | DbParameterGroup) -> str:
    """HCL: the major ``main`` was created with, as a string (``"16"``)."""
    return f'trimprefix({address(group)}.family, "{ENGINE}")'


@dataclass(frozen=True)
class ParameterGroups:
    cluster: RdsClusterParameterGroup  # main
    instance: DbParameterGroup  # main
    upgraded_cluster: RdsClusterParameterGroup
    upgraded_instance: DbParameterGroup

    @property
    def cluster_name(self) -> str:
        """The cluster parameter group the cluster asks for: the configured major's."""
        return f"${{{by_major(self.cluster, self.upgraded_cluster)}[{CLUSTER_KEY}]}}"

    @property
    def instance_name(self) -> str:
        """The instance parameter group the cluster moves its instances to on a major upgrade."""
        return f"${{{by_major(self.instance, self.upgraded_instance)}[{CLUSTER_KEY}]}}"

    @property
    def new_instance_name(self) -> str:
        """The group an instance is created with (kept afterwards: ``instances.KEPT``)."""
        return f"${{{by_major(self.instance, self.upgraded_instance)}[{INSTANCE_KEY}]}}"


def by_major(main: RdsClusterParameterGroup | DbParameterGroup,
             upgraded: RdsClusterParameterGroup | DbParameterGroup) -> str:
    """HCL: each engine major's parameter group name.

    HCL: major -> group name, main's major then the upgraded ones (one map, so no lookup of a key that may be missing
    is ever evaluated). Written inline where a group is attached, not as a local: the attachment then references the
    groups themselves, as checkov's graph (CKV2_AWS_27, query logging in the cluster's parameter group) and a reader
    follow it."""
    return (f"merge({{({main_major(main)}) = {address(main)}.name}}, "
            f"{{for major, group in {address(upgraded)} : major => group.name}})")


def _pair(stack: TerraformStack, name: str, name_prefix: str, family: str,
          lifecycle: TerraformResourceLifecycle) -> tuple[RdsClusterParameterGroup, DbParameterGroup]:
    """A cluster and an instance parameter group of one family, with this bundle's parameters."""
    cluster = make(RdsClusterParameterGroup, stack, name,
        name_prefix=name_prefix,
        family=f"${{{family}}}",
        description=CLUSTER_DESCRIPTION,
        parameter=[RdsClusterParameterGroupParameter(name=key, value=value, apply_method=method)
                   for key, value, method in CLUSTER_PARAMETERS],
        lifecycle=lifecycle,
    )
    instance = make(DbParameterGroup, stack, name,
        name_prefix=name_prefix,
        family=f"${{{family}}}",
        description=INSTANCE_DESCRIPTION,
        parameter=[DbParameterGroupParameter(name=key, value=value, apply_method=method)
                   for key, value, method in INSTANCE_PARAMETERS],
        lifecycle=lifecycle,
    )
    return cluster, instance


def build_parameter_groups(stack: TerraformStack) -> ParameterGroups:
    local(stack, "parameter_group_majors", _MAJORS_NEEDED)
    local(stack, "instance_parameter_major", _INSTANCE_KEY)
    # main: created with the package; its family is the major it was created with, forever.
    cluster, instance = _pair(stack, "main", "${local.identifier}-", MAIN_FAMILY,
                              TerraformResourceLifecycle(create_before_destroy=True, ignore_changes=["family"]))
    # upgraded: the other majors needed. Create-before-destroy: a pair the cluster leaves is deleted
    # after the cluster moved off it.
    upgraded_cluster, upgraded_instance = _pair(stack, "upgraded", "${local.identifier}-pg${each.key}-",
                                                UPGRADED_FAMILY, TerraformResourceLifecycle(create_before_destroy=True))
    for main, upgraded in ((cluster, upgraded_cluster), (instance, upgraded_instance)):
        upgraded.add_override("for_each", f"${{setsubtract({MAJORS_NEEDED}, [{main_major(main)}])}}")
    return ParameterGroups(cluster=cluster, instance=instance,
                           upgraded_cluster=upgraded_cluster, upgraded_instance=upgraded_instance)
