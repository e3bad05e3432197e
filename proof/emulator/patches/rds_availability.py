"""RDS: instances that take time to be available, failover, and a timeline the harness can read.

moto makes every instance available the moment it is asked for and never fails over, so it could
not show two instances restarting together. Here, for the instances of a cluster:

- an instance being created, or restarted by a change of class or CA certificate applied
  immediately, is unavailable (``creating`` / ``modifying``) for ``RESTART_SECONDS``;
- such a change not applied immediately is kept pending (AWS applies it in the maintenance window):
  the instance keeps its class and CA, and reports them in ``PendingModifiedValues``;
- deleting the writer fails over as AWS documents (AuroraUserGuide, Concepts.AuroraHighAvailability.html,
  "Fault tolerance for an Aurora DB cluster"): to the available replica with the lowest promotion tier;
  within a tier, "the replica that is largest in size" (here: the class's memory, ``INSTANCE_MEMORY_GIB``;
  ``db.serverless`` by the cluster's maximum ACUs); within a tier and size AWS promotes "an arbitrary
  replica", and the emulator takes the reading hardest on a rolling change: the oldest instance (the one
  a create-before-destroy roll still has to delete, so a second failover follows);
- ``FailoverDBCluster`` (what an unplanned failover looks like to the cluster, and what the harness calls
  to cause one) moves the writer role to ``TargetDBInstanceIdentifier``, or without one to the replica the
  rule above picks; the demoted writer restarts as a reader (``rebooting`` for ``RESTART_SECONDS``);
- ``ModifyDBCluster`` with ``DBInstanceParameterGroupName`` (a major upgrade) moves every member to
  that group, and ``DeleteDBParameterGroup`` refuses a group an instance still uses;
- a major upgrade not applied immediately (``ModifyDBCluster`` with a new major's ``EngineVersion``
  and ``ApplyImmediately`` false) is kept pending, as AWS keeps it for the maintenance window: the
  cluster keeps running its version and reports the new one in ``PendingModifiedValues.EngineVersion``
  (what the provider reads to keep ``engine_version`` as configured). The parameter groups wait with
  it: the new cluster parameter group is reported at once (``DBClusterParameterGroup``, as AWS reports
  a group change and applies its parameters later), but the old one stays in use by the engine, and the
  members keep their instance parameter group, until the upgrade happens. ``DeleteDBClusterParameterGroup``
  refuses a group a cluster uses, or still runs on while its upgrade is pending;
- the maintenance window is made to happen by ``ModifyDBCluster`` with ``ApplyImmediately`` true (AWS:
  the request's modifications "and any pending modifications" are applied as soon as possible): the
  pending upgrade is applied, the engine version and every member's instance parameter group move.

Each change of a cluster's members or of their availability is appended, as one JSON line, to the
file named by ``AURORA_EMULATOR_TIMELINE`` (when set): the time, the cluster, what happened, and every
member with its role, promotion tier and the time it is (or was) available from. ``offline.availability``
reads it.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from aurora_bundle.inputs.engine import ACU_MEMORY_GIB, INSTANCE_MEMORY_GIB, SERVERLESS_CLASS
from proof.emulator import TIMELINE_ENV
from proof.emulator.patches.rds import first_time

RESTART_SECONDS = 3.0
_RESTARTING = {"db_instance_class": "DBInstanceClass", "ca_certificate_identifier": "CACertificateIdentifier"}
_lock = threading.Lock()
_PENDING = "_emu_pending_upgrade"  # a cluster's major upgrade waiting for the maintenance window


def _major(version: str | None) -> str:
    return str(version or "").split(".")[0]


def _members(backend: Any, cluster_id: str) -> list[Any]:
    from moto.rds.models import DBInstanceClustered

    return [db for db in backend.databases.values()
            if isinstance(db, DBInstanceClustered) and db.db_cluster_identifier == cluster_id]


def available_from(db: Any) -> float:
    return float(db.__dict__.get("_emu_busy_until", 0.0))


def _record(backend: Any, cluster_id: str | None, event: str, instance: str) -> None:
    path = os.environ.get(TIMELINE_ENV)
    if not path or not cluster_id:
        return
    line = {"t": time.time(), "cluster": cluster_id, "event": event, "instance": instance,
            "members": [{"id": db.db_instance_identifier, "writer": bool(db.is_cluster_writer),
                         "tier": int(db.promotion_tier or 0), "available_from": available_from(db)}
                        for db in _members(backend, cluster_id)]}
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


_created = iter(range(1, 1 << 62))  # creation order of instances: the oldest is promoted among equals


def memory_gib(db: Any) -> float:
    """The instance's size as failover compares it: its class's memory; db.serverless by its maximum ACUs."""
    if db.db_instance_class == SERVERLESS_CLASS:
        scaling = getattr(getattr(db, "cluster", None), "serverless_v2_scaling_configuration", None) or {}
        return float(scaling.get("max_capacity") or scaling.get("MaxCapacity") or 0) * ACU_MEMORY_GIB
    return float(INSTANCE_MEMORY_GIB.get(db.db_instance_class, 0))


def promotion_order(candidates: list[Any]) -> list[Any]:
    """Who AWS promotes first when the writer goes.

    Available replicas before unavailable ones, then the lowest promotion tier, then the largest, then (AWS: "an
    arbitrary replica") the oldest."""
    now = time.time()
    return sorted(candidates, key=lambda db: (available_from(db) > now, int(db.promotion_tier or 0),
                                              -memory_gib(db), int(db.__dict__.get("_emu_created", 0))))


def _busy(db: Any, state: str) -> None:
    db.__dict__["_emu_busy_until"] = time.time() + RESTART_SECONDS
    db.__dict__["_emu_busy_state"] = state


def _patch_rds_availability() -> bool:
    from moto.rds import models as rds_models

    backend_cls: Any = rds_models.RDSBackend
    instance_cls: Any = rds_models.DBInstance
    if not first_time(backend_cls, "_emu_availability"):
        return False

    def get_status(self: Any) -> str:
        if time.time() < available_from(self):
            return str(self.__dict__.get("_emu_busy_state"))
        return str(self.__dict__.get("_emu_status", "available"))

    def set_status(self: Any, value: str) -> None:
        self.__dict__["_emu_status"] = value

    instance_cls.status = property(get_status, set_status)

    pending_prop = vars(instance_cls).get("pending_modified_values")

    def pending_modified_values(self: Any) -> Any:
        pending = dict(self.__dict__.get("_emu_pending") or {})
        if isinstance(pending_prop, property) and pending_prop.fget is not None:
            pending = {**(pending_prop.fget(self) or {}), **pending}
        return pending or None

    instance_cls.pending_modified_values = property(pending_modified_values)

    create = backend_cls.create_db_instance

    def create_db_instance(self: Any, db_kwargs: dict[str, Any]) -> Any:
        database = create(self, db_kwargs)
        cluster_id = getattr(database, "db_cluster_identifier", None)
        if cluster_id:
            database.__dict__["_emu_created"] = next(_created)
            _busy(database, "creating")
            _record(self, cluster_id, "create", database.db_instance_identifier)
        return database

    modify = backend_cls.modify_db_instance

    def modify_db_instance(self: Any, db_instance_identifier: str, db_kwargs: dict[str, Any]) -> Any:
        database = self.describe_db_instances(db_instance_identifier)[0]
        cluster_id = getattr(database, "db_cluster_identifier", None)
        changing = {key: db_kwargs[key] for key in _RESTARTING
                    if db_kwargs.get(key) is not None and db_kwargs[key] != getattr(database, key, None)}
        immediately = str(db_kwargs.get("apply_immediately", "")).lower() == "true"
        if cluster_id and changing and not immediately:
            for key in changing:
                db_kwargs.pop(key)
            database.__dict__.setdefault("_emu_pending", {}).update(
                {_RESTARTING[key]: value for key, value in changing.items()})
        database = modify(self, db_instance_identifier, db_kwargs)
        if cluster_id and changing:
            if immediately:
                _busy(database, "modifying")
            _record(self, cluster_id, "modify" if immediately else "pending", database.db_instance_identifier)
        return database

    delete = backend_cls.delete_db_instance

    def delete_db_instance(self: Any, db_instance_identifier: str, *args: Any, **kwargs: Any) -> Any:
        database = self.databases.get(db_instance_identifier)
        cluster_id = getattr(database, "db_cluster_identifier", None)
        was_writer = bool(getattr(database, "is_cluster_writer", False))
        deleted = delete(self, db_instance_identifier, *args, **kwargs)
        if cluster_id:
            rest = _members(self, cluster_id)
            if was_writer and rest:  # AWS fails over as part of the deletion: one event
                chosen = promotion_order(rest)[0]
                for db in rest:
                    db.is_cluster_writer = db is chosen
            _record(self, cluster_id, "delete", db_instance_identifier)
        return deleted

    failover = backend_cls.failover_db_cluster

    def failover_db_cluster(self: Any, db_cluster_identifier: str,
                            target_db_instance_identifier: str | None = None) -> Any:
        cluster = self.clusters.get(db_cluster_identifier)
        members = _members(self, db_cluster_identifier) if cluster is not None else []
        demoted = next((db for db in members if db.is_cluster_writer), None)
        if target_db_instance_identifier is None:
            replicas = promotion_order([db for db in members if not db.is_cluster_writer])
            if replicas and available_from(replicas[0]) <= time.time():
                target_db_instance_identifier = replicas[0].db_instance_identifier
        result = failover(self, db_cluster_identifier, target_db_instance_identifier)
        if demoted is not None and not demoted.is_cluster_writer:
            _busy(demoted, "rebooting")  # the old writer restarts as a reader
        promoted = next((db for db in members if db.is_cluster_writer), None)
        _record(self, db_cluster_identifier, "failover", promoted.db_instance_identifier if promoted else "")
        return result

    modify_cluster = backend_cls.modify_db_cluster

    def modify_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        current = self.clusters.get(kwargs.get("db_cluster_identifier"))
        group = kwargs.pop("db_instance_parameter_group_name", None)
        immediately = str(kwargs.get("apply_immediately", "")).lower() == "true"
        wanted = kwargs.get("engine_version")
        if current is not None and wanted and _major(wanted) != _major(current.engine_version) and not immediately:
            pending = current.__dict__.setdefault(_PENDING, {"previous_cluster_group": current.parameter_group})
            pending["EngineVersion"] = kwargs.pop("engine_version")
            pending["instance_group"] = group or pending.get("instance_group")
            group = None  # the members keep theirs until the upgrade
        elif current is not None and immediately and _PENDING in current.__dict__:
            pending = current.__dict__.pop(_PENDING)
            kwargs.setdefault("engine_version", pending["EngineVersion"])
            group = group or pending.get("instance_group")
        cluster = modify_cluster(self, kwargs)
        if group:
            for db in _members(self, cluster.db_cluster_identifier):
                db.db_parameter_group_name = group
        return cluster

    cluster_cls: Any = rds_models.DBCluster

    def cluster_pending_modified_values(self: Any) -> Any:
        pending = self.__dict__.get(_PENDING)
        return {"EngineVersion": pending["EngineVersion"]} if pending else None

    cluster_cls.pending_modified_values = property(cluster_pending_modified_values)

    delete_cluster_group = backend_cls.delete_db_cluster_parameter_group

    def delete_db_cluster_parameter_group(self: Any, db_cluster_parameter_group_name: str) -> Any:
        users = sorted(c.db_cluster_identifier for c in self.clusters.values()
                       if db_cluster_parameter_group_name in (
                           c.parameter_group, (c.__dict__.get(_PENDING) or {}).get("previous_cluster_group")))
        if users:
            raise rds_models.RDSClientError(
                "InvalidDBParameterGroupState",
                f"One or more DB clusters are still using the DB cluster parameter group "
                f"{db_cluster_parameter_group_name}, so it cannot be deleted ({', '.join(users)}).")
        return delete_cluster_group(self, db_cluster_parameter_group_name)

    delete_group = backend_cls.delete_db_parameter_group

    def delete_db_parameter_group(self: Any, db_parameter_group_name: str) -> Any:
        users = sorted(db.db_instance_identifier for db in self.databases.values()
                       if getattr(db, "db_parameter_group_name", None) == db_parameter_group_name)
        if users:
            raise rds_models.RDSClientError(
                "InvalidDBParameterGroupState",
                f"One or more database instances are still members of this parameter group "
                f"{db_parameter_group_name}, so the group cannot be deleted ({', '.join(users)}).")
        return delete_group(self, db_parameter_group_name)

    backend_cls.create_db_instance = create_db_instance
    backend_cls.modify_db_instance = modify_db_instance
    backend_cls.delete_db_instance = delete_db_instance
    backend_cls.failover_db_cluster = failover_db_cluster
    backend_cls.modify_db_cluster = modify_db_cluster
    backend_cls.delete_db_parameter_group = delete_db_parameter_group
    backend_cls.delete_db_cluster_parameter_group = delete_db_cluster_parameter_group
    return True
