"""Application Auto Scaling: tagging, which moto 5.2.5 does not implement."""

from __future__ import annotations

import json
from typing import Any


def _patch_appautoscaling_tags() -> bool:
    # Gap 1: TagResource/UntagResource/ListTagsForResource raise HTTP 500, so
    # aws_appautoscaling_target can be neither created nor refreshed.  Tags
    # live in a dict on the backend keyed by ScalableTargetARN.
    from moto.applicationautoscaling import models as aas_models
    from moto.applicationautoscaling import responses as aas_responses
    from moto.core.exceptions import JsonRESTError

    resp_cls: Any = getattr(aas_responses, "ApplicationAutoScalingResponse", None)
    backend_cls: Any = getattr(aas_models, "ApplicationAutoscalingBackend", None)
    if resp_cls is None or backend_cls is None:
        return False
    if "list_tags_for_resource" in vars(resp_cls):
        return False  # implemented natively by this moto
    orig_register = getattr(resp_cls, "register_scalable_target", None)
    orig_deregister = getattr(backend_cls, "deregister_scalable_target", None)
    if orig_register is None or orig_deregister is None:
        return False

    def tag_store(backend: Any) -> dict[str, dict[str, str]]:
        if not hasattr(backend, "_emu_tags"):
            backend._emu_tags = {}
        store: dict[str, dict[str, str]] = backend._emu_tags
        return store

    def target_tags(resp: Any) -> dict[str, str]:
        backend = resp.applicationautoscaling_backend
        arn = str(resp._get_param("ResourceARN"))
        known = any(t.arn == arn for dims in backend.targets.values() for t in dims.values())
        if not known:
            raise JsonRESTError("ResourceNotFoundException", f"No scalable target found for {arn}")
        return tag_store(backend).setdefault(arn, {})

    def list_tags_for_resource(self: Any) -> str:
        return json.dumps({"Tags": target_tags(self)})

    def tag_resource(self: Any) -> str:
        target_tags(self).update(self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self: Any) -> str:
        tags = target_tags(self)
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
        return "{}"

    def register_scalable_target(self: Any) -> str:
        # RegisterScalableTarget takes Tags on create; keep them.
        body = str(orig_register(self))
        tags = self._get_param("Tags")
        if tags:
            arn = json.loads(body)["ScalableTargetARN"]
            backend = self.applicationautoscaling_backend
            tag_store(backend).setdefault(arn, {}).update(tags)
        return body

    def deregister_scalable_target(self: Any, namespace: str, r_id: str, dimension: str) -> None:
        target = self.targets.get(dimension, {}).get(r_id)
        orig_deregister(self, namespace, r_id, dimension)
        if target is not None:
            tag_store(self).pop(target.arn, None)

    resp_cls.list_tags_for_resource = list_tags_for_resource
    resp_cls.tag_resource = tag_resource
    resp_cls.untag_resource = untag_resource
    resp_cls.register_scalable_target = register_scalable_target
    backend_cls.deregister_scalable_target = deregister_scalable_target
    return True


AUTOSCALED_PREFIX = "application-autoscaling-"  # how AWS names the Aurora replicas it adds


def _patch_appautoscaling_rds_readers() -> bool:
    """Aurora Auto Scaling's own readers, which moto does not model.

    A scalable target whose maximum is below the cluster's readers scales in, removing only the readers autoscaling
    added (AWS names them ``application-autoscaling-<id>``; "Aurora Auto Scaling only scales in Aurora Replicas that
    it created": AuroraUserGuide, Aurora.Integrating.AutoScaling), never the fixed readers nor the writer. AWS scales
    in asynchronously; here RegisterScalableTarget does it at once. A scale-out is not modelled: the e2e creates an
    ``application-autoscaling-`` reader with CreateDBInstance in its stead. Deregistering the target leaves them
    running (Application Auto Scaling API reference, DeregisterScalableTarget: it deletes the target's policies and
    scheduled actions)."""
    from moto.applicationautoscaling import models as aas_models

    backend_cls: Any = getattr(aas_models, "ApplicationAutoscalingBackend", None)
    orig_register = getattr(backend_cls, "register_scalable_target", None)
    if orig_register is None:
        return False

    def register_scalable_target(self: Any, namespace: str, r_id: str, dimension: str, min_capacity: int | None,
                                 max_capacity: int | None, *args: Any, **kwargs: Any) -> Any:
        target = orig_register(self, namespace, r_id, dimension, min_capacity, max_capacity, *args, **kwargs)
        if (namespace, dimension) == ("rds", "rds:cluster:ReadReplicaCount") and r_id.startswith("cluster:"):
            _scale_in(self.account_id, self.region_name, r_id.removeprefix("cluster:"), target.max_capacity)
        return target

    backend_cls.register_scalable_target = register_scalable_target
    return True


def _scale_in(account: str, region: str, cluster_id: str, maximum: int | None) -> None:
    from moto.rds.models import rds_backends

    rds = rds_backends[account][region]
    cluster = rds.clusters.get(cluster_id)
    if cluster is None or maximum is None:
        return
    members = [db for db in rds.databases.values() if getattr(db, "db_cluster_identifier", None) == cluster_id]
    writer = getattr(cluster, "writer", None)
    readers = [db for db in members if db is not writer and not getattr(db, "is_cluster_writer", False)]
    ours = sorted(db.db_instance_identifier for db in readers
                  if db.db_instance_identifier.startswith(AUTOSCALED_PREFIX))
    for identifier in ours[:max(0, len(readers) - int(maximum))]:
        rds.delete_db_instance(identifier, skip_final_snapshot=True)
