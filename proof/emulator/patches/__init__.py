"""The moto patches, by service; ``apply_patches`` applies them once per process."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from proof.emulator.patches.appautoscaling import _patch_appautoscaling_rds_readers, _patch_appautoscaling_tags
from proof.emulator.patches.ec2 import _patch_ec2_custom_ids
from proof.emulator.patches.iam import _patch_iam_managed_policies
from proof.emulator.patches.quotas import _patch_rds_instance_quota, _patch_servicequotas_rds
from proof.emulator.patches.rds import (
    _patch_rds_aurora_storage_types,
    _patch_rds_cluster_pending_iam,
    _patch_rds_default_ca,
    _patch_rds_engine_lifecycle_support,
    _patch_rds_master_password,
    _patch_rds_modify_cluster_iam_auth,
    _patch_rds_parameter_reset,
    _patch_rds_parameter_source,
    _patch_rds_performance_insights,
    _patch_rds_restore_from_snapshot_arn,
    _patch_rds_scaling_config_info,
    _patch_rds_subnet_group_modify,
)
from proof.emulator.patches.rds_availability import _patch_rds_availability
from proof.emulator.patches.rds_endpoints import _patch_rds_cluster_endpoints
from proof.emulator.patches.rds_engine import _patch_rds_engine_rules, _patch_rds_engine_versions

MOTO_VERSION = "5.2.5"

PATCHES: dict[str, Callable[[], bool]] = {
    "iam_managed_policies": _patch_iam_managed_policies,
    "appautoscaling_tags": _patch_appautoscaling_tags,
    "appautoscaling_rds_readers": _patch_appautoscaling_rds_readers,
    "rds_aurora_storage_types": _patch_rds_aurora_storage_types,
    "rds_parameter_source": _patch_rds_parameter_source,
    "rds_parameter_reset": _patch_rds_parameter_reset,
    "rds_scaling_config_info": _patch_rds_scaling_config_info,
    "rds_performance_insights": _patch_rds_performance_insights,
    "rds_default_ca": _patch_rds_default_ca,
    "rds_engine_versions": _patch_rds_engine_versions,
    "rds_subnet_group_modify": _patch_rds_subnet_group_modify,
    "rds_restore_from_snapshot_arn": _patch_rds_restore_from_snapshot_arn,
    "rds_modify_cluster_iam_auth": _patch_rds_modify_cluster_iam_auth,
    "rds_cluster_endpoints": _patch_rds_cluster_endpoints,
    "ec2_custom_ids": _patch_ec2_custom_ids,
    "servicequotas_rds": _patch_servicequotas_rds,
    "rds_instance_quota": _patch_rds_instance_quota,
    "rds_availability": _patch_rds_availability,
    "rds_engine_rules": _patch_rds_engine_rules,  # after rds_availability: it checks what that one defers
    "rds_cluster_pending_iam": _patch_rds_cluster_pending_iam,  # after rds_availability: extends its property
    "rds_engine_lifecycle_support": _patch_rds_engine_lifecycle_support,
    "rds_master_password": _patch_rds_master_password,  # last: it checks a request before the other patches see it
}
_applied: list[str] | None = None


def apply_patches(skip: Iterable[str] = ()) -> list[str]:
    """Apply the moto patches once per process; return the names applied."""
    global _applied
    if _applied is not None:
        return list(_applied)
    from importlib.metadata import version

    found = version("moto")
    if found != MOTO_VERSION:
        print(
            f"emulator: patches target moto {MOTO_VERSION}, found {found}",
            file=sys.stderr,
        )
    skipped = set(skip)
    _applied = [name for name, fn in PATCHES.items() if name not in skipped and fn()]
    return list(_applied)
