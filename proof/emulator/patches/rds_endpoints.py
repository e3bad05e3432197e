"""RDS: custom cluster endpoints, which moto 5.2.5 does not implement.

What ``aws_rds_cluster_endpoint`` (hashicorp/aws, internal/service/rds/cluster_endpoint.go) calls:
``CreateDBClusterEndpoint`` (with the default tags), then ``DescribeDBClusterEndpoints`` by
``DBClusterEndpointIdentifier`` until ``Status`` is ``available`` and on every read (an empty list
means gone); ``ModifyDBClusterEndpoint`` with the type and both member lists (an empty list clears
one); ``DeleteDBClusterEndpoint``, then describes until the endpoint is gone; and its tags through
``ListTagsForResource`` / ``AddTagsToResource`` / ``RemoveTagsFromResource`` on the endpoint's ARN.

Shapes are AWS's: ``DBClusterEndpointIdentifier`` (stored lowercase), ``DBClusterIdentifier``,
``DBClusterEndpointResourceIdentifier``, ``Endpoint``
(``<id>.cluster-custom-<suffix>.<region>.rds.amazonaws.com``, the suffix moto gives the cluster's
own endpoints), ``Status``, ``EndpointType`` ``CUSTOM``, ``CustomEndpointType``, ``StaticMembers``,
``ExcludedMembers``, ``DBClusterEndpointArn`` (``arn:<partition>:rds:<region>:<account>:cluster-endpoint:<id>``).
Described by cluster, the cluster's built-in ``WRITER`` and ``READER`` endpoints come first, as AWS
lists them. AWS's checks that matter to a deployment are kept: the cluster exists, the identifier
is free in the region, at most five per cluster, members are instances of that cluster. A cluster's
endpoints go with it when it is deleted.
"""

from __future__ import annotations

import random
import re
import string
from typing import Any

RESOURCE_TYPE = "cluster-endpoint"
MAX_PER_CLUSTER = 5
CUSTOM_TYPES = ("READER", "ANY")
# DescribeDBClusterEndpoints' filters: name -> the field of an endpoint (as listed) it matches.
FILTERS = {"db-cluster-endpoint-id": "DBClusterEndpointIdentifier", "db-cluster-endpoint-type": "EndpointType",
           "db-cluster-endpoint-custom-type": "CustomEndpointType", "db-cluster-endpoint-status": "Status"}


def _patch_rds_cluster_endpoints() -> bool:
    from moto.core.responses import ActionResult
    from moto.rds import models as rds_models
    from moto.rds.exceptions import (
        DBClusterNotFoundError,
        InvalidParameterCombination,
        InvalidParameterValue,
        RDSClientError,
    )
    from moto.rds.responses import RDSResponse
    from moto.utilities.utils import ARN_PARTITION_REGEX

    resp_cls: Any = RDSResponse
    backend_cls: Any = getattr(rds_models, "RDSBackend", None)
    base: Any = getattr(rds_models, "RDSBaseModel", None)
    if backend_cls is None or base is None or "create_db_cluster_endpoint" in vars(resp_cls):
        return False
    orig_tagging = getattr(backend_cls, "_get_resource_for_tagging", None)
    orig_delete_cluster = getattr(backend_cls, "delete_db_cluster", None)
    if orig_tagging is None or orig_delete_cluster is None:
        return False

    class DBClusterEndpoint(base):  # type: ignore[misc, valid-type]
        resource_type = RESOURCE_TYPE

        def __init__(self, backend: Any, identifier: str, cluster: Any, custom_type: str, static: list[str],
                     excluded: list[str], tags: list[dict[str, str]]) -> None:
            super().__init__(backend)
            self.identifier = identifier
            self.cluster_identifier = cluster.db_cluster_identifier
            self.endpoint = f"{identifier}.cluster-custom-{cluster.url_identifier}.{self.region}.rds.amazonaws.com"
            self.custom_type = custom_type
            self.static_members = static
            self.excluded_members = excluded
            self.resource_identifier = "cluster-endpoint-" + "".join(
                random.choice(string.ascii_uppercase + string.digits) for _ in range(26))
            self.tags = tags

        @property
        def resource_id(self) -> str:
            return self.identifier

        def listed(self, status: str = "available") -> dict[str, Any]:
            return {
                "DBClusterEndpointIdentifier": self.identifier,
                "DBClusterIdentifier": self.cluster_identifier,
                "DBClusterEndpointResourceIdentifier": self.resource_identifier,
                "Endpoint": self.endpoint,
                "Status": status,
                "EndpointType": "CUSTOM",
                "CustomEndpointType": self.custom_type,
                "StaticMembers": list(self.static_members),
                "ExcludedMembers": list(self.excluded_members),
                "DBClusterEndpointArn": self.arn,
            }

    tagged_arns = re.compile(rf"{ARN_PARTITION_REGEX}:rds:.*:[0-9]*:{RESOURCE_TYPE}:.*$")

    def store(backend: Any) -> dict[str, Any]:
        """The backend's (a region's) endpoints by identifier."""
        found: dict[str, Any] = backend.__dict__.setdefault("_emu_cluster_endpoints", {})
        return found

    def not_found(identifier: str) -> Exception:
        return RDSClientError("DBClusterEndpointNotFoundFault", f"DBClusterEndpoint {identifier} not found.")

    def cluster_of(backend: Any, identifier: Any) -> Any:
        cluster = backend.clusters.get(str(identifier or ""))
        if cluster is None:
            raise DBClusterNotFoundError(str(identifier))
        return cluster

    def custom_type(value: Any) -> str:
        kind = str(value or "").upper()
        if kind not in CUSTOM_TYPES:
            raise InvalidParameterValue(f"Invalid endpoint type {value}: expected one of {', '.join(CUSTOM_TYPES)}.")
        return kind

    def members(backend: Any, cluster_id: str, values: Any) -> list[str]:
        found = [str(v) for v in values or []]
        for instance_id in found:
            db = backend.databases.get(instance_id)
            if db is None or getattr(db, "db_cluster_identifier", None) != cluster_id:
                raise InvalidParameterValue(f"DB instance {instance_id} is not a member of DB cluster {cluster_id}.")
        return found

    def both(static: list[str], excluded: list[str]) -> None:
        if static and excluded:
            raise InvalidParameterCombination("StaticMembers and ExcludedMembers cannot both be specified.")

    def built_in(cluster: Any) -> list[dict[str, Any]]:
        return [{"DBClusterIdentifier": cluster.db_cluster_identifier, "Endpoint": host, "Status": "available",
                 "EndpointType": kind} for kind, host in (("WRITER", cluster.endpoint), ("READER", cluster.reader_endpoint))]

    def create_db_cluster_endpoint(self: Any) -> Any:
        backend = self.backend
        endpoints = store(backend)
        identifier = str(self.params.get("DBClusterEndpointIdentifier") or "").lower()
        cluster = cluster_of(backend, self.params.get("DBClusterIdentifier"))
        kind = custom_type(self.params.get("EndpointType"))
        if identifier in endpoints:
            raise RDSClientError("DBClusterEndpointAlreadyExistsFault", f"DBClusterEndpoint {identifier} already exists.")
        if sum(e.cluster_identifier == cluster.db_cluster_identifier for e in endpoints.values()) >= MAX_PER_CLUSTER:
            raise RDSClientError("DBClusterEndpointQuotaExceededFault",
                                 f"DB cluster {cluster.db_cluster_identifier} already has {MAX_PER_CLUSTER} custom endpoints.")
        static = members(backend, cluster.db_cluster_identifier, self.params.get("StaticMembers"))
        excluded = members(backend, cluster.db_cluster_identifier, self.params.get("ExcludedMembers"))
        both(static, excluded)
        endpoint = DBClusterEndpoint(backend, identifier, cluster, kind, static, excluded,
                                     list(self.params.get("Tags") or []))
        endpoints[identifier] = endpoint
        return ActionResult(endpoint.listed("creating"))

    def describe_db_cluster_endpoints(self: Any) -> Any:
        backend = self.backend
        endpoints = store(backend)
        cluster_id = self.params.get("DBClusterIdentifier")
        identifier = self.params.get("DBClusterEndpointIdentifier")
        clusters = [cluster_of(backend, cluster_id)] if cluster_id else list(backend.clusters.values())
        names = {c.db_cluster_identifier for c in clusters}
        listed = [] if identifier else [e for c in clusters for e in built_in(c)]
        listed += [e.listed() for e in endpoints.values() if e.cluster_identifier in names
                   and (not identifier or e.identifier == str(identifier).lower())]
        for wanted in self.params.get("Filters") or []:
            field = FILTERS.get(str(wanted.get("Name")))
            if field is None:
                raise InvalidParameterValue(f"Unrecognized filter name: {wanted.get('Name')}.")
            values = {str(v).lower() for v in wanted.get("Values") or []}
            listed = [e for e in listed if str(e.get(field, "")).lower() in values]
        return ActionResult({"DBClusterEndpoints": listed})

    def modify_db_cluster_endpoint(self: Any) -> Any:
        backend = self.backend
        identifier = str(self.params.get("DBClusterEndpointIdentifier") or "").lower()
        endpoint = store(backend).get(identifier)
        if endpoint is None:
            raise not_found(identifier)
        kind = custom_type(self.params["EndpointType"]) if self.params.get("EndpointType") else endpoint.custom_type
        # A list left out is kept, an empty one clears it; naming one list's members replaces the other.
        static = members(backend, endpoint.cluster_identifier, self.params.get("StaticMembers")) \
            if "StaticMembers" in self.params else endpoint.static_members
        excluded = members(backend, endpoint.cluster_identifier, self.params.get("ExcludedMembers")) \
            if "ExcludedMembers" in self.params else endpoint.excluded_members
        if static and "ExcludedMembers" not in self.params:
            excluded = []
        if excluded and "StaticMembers" not in self.params:
            static = []
        both(static, excluded)
        endpoint.custom_type, endpoint.static_members, endpoint.excluded_members = kind, static, excluded
        return ActionResult(endpoint.listed("modifying"))

    def delete_db_cluster_endpoint(self: Any) -> Any:
        identifier = str(self.params.get("DBClusterEndpointIdentifier") or "").lower()
        endpoint = store(self.backend).pop(identifier, None)
        if endpoint is None:
            raise not_found(identifier)
        return ActionResult(endpoint.listed("deleting"))

    def get_resource_for_tagging(self: Any, arn: str) -> Any:
        # moto's own lookup refuses ARNs of resource types it does not know ("Invalid resource name").
        if tagged_arns.match(arn):
            return store(self).get(arn.split(":", 6)[6].lower())
        return orig_tagging(self, arn)

    def delete_db_cluster(self: Any, cluster_identifier: str, *args: Any, **kwargs: Any) -> Any:
        cluster = orig_delete_cluster(self, cluster_identifier, *args, **kwargs)
        endpoints = store(self)
        for identifier in [i for i, e in endpoints.items() if e.cluster_identifier == cluster.db_cluster_identifier]:
            del endpoints[identifier]
        return cluster

    resp_cls.create_db_cluster_endpoint = create_db_cluster_endpoint
    resp_cls.describe_db_cluster_endpoints = describe_db_cluster_endpoints
    resp_cls.modify_db_cluster_endpoint = modify_db_cluster_endpoint
    resp_cls.delete_db_cluster_endpoint = delete_db_cluster_endpoint
    backend_cls._get_resource_for_tagging = get_resource_for_tagging
    backend_cls.delete_db_cluster = delete_db_cluster
    return True
