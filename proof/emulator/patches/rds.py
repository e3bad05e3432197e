"""RDS: what Aurora PostgreSQL needs that moto 5.2.5 lacks or gets wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AWS_DEFAULT_CA = "rds-ca-rsa2048-g1"
DEFAULT_PI_KEY_ID = "00000000-0000-0000-0000-000000000000"  # stands in for aws/rds


def _patch_rds_aurora_storage_types() -> bool:
    # CreateDBCluster with StorageType "aurora-iopt1" (or "aurora") hits a
    # KeyError in DBCluster.default_allocated_storage -> HTTP 500.
    from moto.rds import models as rds_models

    cluster_cls: Any = getattr(rds_models, "DBCluster", None)
    orig = getattr(cluster_cls, "default_allocated_storage", None)
    if orig is None:
        return False

    def default_allocated_storage(engine: str, storage_type: str) -> int:
        try:
            return int(orig(engine, storage_type))
        except KeyError:
            return 1 if engine.startswith("aurora") else 20

    cluster_cls.default_allocated_storage = staticmethod(default_allocated_storage)
    return True


def _patch_rds_parameter_source() -> bool:
    # Gap 2: Describe[DBCluster|DB]Parameters return no Source; the provider
    # keeps only Source=user parameters, so any parameter block diffs forever.
    # moto stores only parameters the user set, so tag them "user".
    from moto.rds import models as rds_models

    applied = False
    for cls_name, method_name in (
        ("DBParameterGroup", "update_parameters"),
        ("DBClusterParameterGroup", "update_cluster_parameters"),
    ):
        pg_cls: Any = getattr(rds_models, cls_name, None)
        orig = getattr(pg_cls, method_name, None)
        if orig is None:
            continue

        def update(self: Any, new_parameters: Any, _orig: Any = orig) -> None:
            _orig(self, new_parameters)
            for param in self.parameters.values():
                param.setdefault("Source", "user")

        setattr(pg_cls, method_name, update)
        applied = True
    return applied


def _patch_rds_parameter_reset() -> bool:
    # ResetDBParameterGroup / ResetDBClusterParameterGroup are missing; the
    # provider calls them when parameters are removed from a group.
    from moto.core.responses import ActionResult
    from moto.rds import exceptions as rds_exc
    from moto.rds.responses import RDSResponse

    resp_cls: Any = RDSResponse
    if "reset_db_parameter_group" in vars(resp_cls):
        return False

    def reset(group: Any, params: Any) -> None:
        if params.get("ResetAllParameters"):
            group.parameters.clear()
        for param in params.get("Parameters") or []:
            group.parameters.pop(param.get("ParameterName"), None)

    def handler(name_key: str, groups: str, not_found: Any) -> Callable[[Any], Any]:
        def reset_group(self: Any) -> Any:
            name = self.params.get(name_key)
            group = getattr(self.backend, groups).get(name)
            if group is None:
                raise not_found(name)
            reset(group, self.params)
            return ActionResult({name_key: group.name})

        return reset_group

    resp_cls.reset_db_parameter_group = handler(
        "DBParameterGroupName", "db_parameter_groups", rds_exc.DBParameterGroupNotFoundError)
    resp_cls.reset_db_cluster_parameter_group = handler(
        "DBClusterParameterGroupName", "db_cluster_parameter_groups", rds_exc.DBClusterParameterGroupNotFoundError)
    return True


def _patch_rds_scaling_config_info() -> bool:
    # Gap 3: DescribeDBClusters always serializes ScalingConfigurationInfo
    # (all members empty), which the provider reads as a Serverless-v1
    # scaling_configuration block -> perpetual diff.  Omit it unless set.
    from moto.rds import models as rds_models

    cluster_cls: Any = getattr(rds_models, "DBCluster", None)
    prop = vars(cluster_cls).get("scaling_configuration_info") if cluster_cls else None
    if not isinstance(prop, property) or prop.fget is None:
        return False
    orig_fget = prop.fget

    def scaling_configuration_info(self: Any) -> Any:
        if not getattr(self, "scaling_configuration", None):
            return None
        return orig_fget(self)

    cluster_cls.scaling_configuration_info = property(scaling_configuration_info)
    return True


def _patch_rds_performance_insights() -> bool:
    # Gap 4: EnablePerformanceInsights / PerformanceInsightsKMSKeyId /
    # PerformanceInsightsRetentionPeriod are dropped on Create/ModifyDBInstance.
    # Store them; report AWS defaults (retention 7, a KMS key) when enabled.
    # ModifyDBInstance already setattr()s every request key onto the instance.
    from moto.rds import models as rds_models

    instance_cls: Any = getattr(rds_models, "DBInstance", None)
    if instance_cls is None or "performance_insights_enabled" in vars(instance_cls):
        return False
    orig_init = instance_cls.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        orig_init(self, *args, **kwargs)
        self.enable_performance_insights = bool(kwargs.get("enable_performance_insights") or False)
        self.performance_insights_kms_key_id = kwargs.get("performance_insights_kms_key_id")
        self.performance_insights_retention_period = kwargs.get("performance_insights_retention_period")

    def enabled(self: Any) -> bool:
        return bool(getattr(self, "enable_performance_insights", False))

    def kms_key(self: Any) -> str | None:
        if not enabled(self):
            return None
        key: str | None = self.__dict__.get("_emu_pi_kms")
        return key or f"arn:aws:kms:{self.region}:{self.account_id}:key/{DEFAULT_PI_KEY_ID}"

    def set_kms_key(self: Any, value: str | None) -> None:
        self.__dict__["_emu_pi_kms"] = value

    def retention(self: Any) -> int | None:
        if not enabled(self):
            return None
        return int(self.__dict__.get("_emu_pi_retention") or 7)

    def set_retention(self: Any, value: int | None) -> None:
        self.__dict__["_emu_pi_retention"] = value

    instance_cls.__init__ = init
    instance_cls.performance_insights_enabled = property(enabled)
    instance_cls.performance_insights_kms_key_id = property(kms_key, set_kms_key)
    instance_cls.performance_insights_retention_period = property(retention, set_retention)
    return True


def _patch_rds_default_ca() -> bool:
    # New instances report CACertificateIdentifier "rds-ca-default"; AWS's
    # default is rds-ca-rsa2048-g1.  When the configured ca_cert_identifier
    # differs from what CreateDBInstance returns, the provider runs Modify +
    # Reboot with four >=30s waits (~2.5 min per aws_rds_cluster_instance).
    from moto.rds import models as rds_models

    instance_cls: Any = getattr(rds_models, "DBInstance", None)
    if instance_cls is None:
        return False
    orig_init = instance_cls.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        orig_init(self, *args, **kwargs)
        if not kwargs.get("ca_certificate_identifier"):
            self.ca_certificate_identifier = AWS_DEFAULT_CA

    instance_cls.__init__ = init
    return True


def first_time(cls: Any, marker: str) -> bool:
    """Mark ``cls`` as patched by ``marker``: False when it already was (a patch applies once)."""
    if marker in vars(cls):
        return False
    setattr(cls, marker, True)
    return True


def _patch_rds_subnet_group_modify() -> bool:
    # ModifyDBSubnetGroup pops the group from the backend and never puts it back: the next read
    # finds no group ("Root object was present, but now absent" after a subnet is added).
    from moto.rds import models as rds_models
    from moto.rds.exceptions import DBSubnetGroupNotFoundError

    backend_cls: Any = rds_models.RDSBackend
    if not first_time(backend_cls, "_emu_subnet_group_modify"):
        return False

    def modify_db_subnet_group(self: Any, subnet_name: str, description: str, subnets: list[Any]) -> Any:
        subnet_group = self.subnet_groups.get(subnet_name)
        if subnet_group is None:
            raise DBSubnetGroupNotFoundError(subnet_name)
        subnet_group.subnets = subnets
        if description is not None:
            subnet_group.description = description
        return subnet_group

    backend_cls.modify_db_subnet_group = modify_db_subnet_group
    return True


# Cluster settings a request may turn on or off: the request's key -> the cluster's attribute.
_CLUSTER_FLAGS = {"deletion_protection": "deletion_protection", "copy_tags_to_snapshot": "copy_tags_to_snapshot",
                  "storage_encrypted": "storage_encrypted", "enable_iam_database_authentication": "iam_auth"}


def _apply_flags(backend: Any, returned: Any, request: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Set the request's ``keys`` on the cluster as stored and on the object returned (moto may return a copy).

    False included, and IAM authentication on the attribute DescribeDBClusters reads."""
    for key in keys:
        if request.get(key) is None:
            continue
        value = str(request[key]).lower() == "true"
        for cluster in (returned, backend.clusters.get(returned.db_cluster_identifier)):
            if cluster is not None:
                setattr(cluster, _CLUSTER_FLAGS[key], value)


def _patch_rds_restore_from_snapshot_arn() -> bool:
    # RestoreDBClusterFromSnapshot takes a snapshot identifier or ARN; moto looks the ARN up as an
    # identifier and answers DBClusterSnapshotNotFoundFault. It also keeps the snapshot's cluster's
    # settings where the request says false (it applies only truthy overrides) and drops the IAM
    # authentication the request asks for: AWS applies both.
    from moto.rds import models as rds_models

    backend_cls: Any = rds_models.RDSBackend
    if not first_time(backend_cls, "_emu_restore_arn"):
        return False
    restore = backend_cls.restore_db_cluster_from_snapshot

    def restore_db_cluster_from_snapshot(self: Any, from_snapshot_id: str, overrides: dict[str, Any]) -> Any:
        if from_snapshot_id.startswith("arn:") and ":cluster-snapshot:" in from_snapshot_id:
            from_snapshot_id = from_snapshot_id.split(":cluster-snapshot:", 1)[1]
        cluster = restore(self, from_snapshot_id, overrides)
        _apply_flags(self, cluster, overrides, tuple(_CLUSTER_FLAGS))
        return cluster

    backend_cls.restore_db_cluster_from_snapshot = restore_db_cluster_from_snapshot
    return True


_PENDING_IAM = "_emu_pending_iam"  # IAM authentication waiting for the maintenance window


def _patch_rds_modify_cluster_iam_auth() -> bool:
    # ModifyDBCluster sets EnableIAMDatabaseAuthentication on an attribute DescribeDBClusters never
    # reads (the cluster reports ``iam_auth``): turning IAM authentication on or off was lost, e.g.
    # when the provider turns it on after restoring a snapshot.
    #
    # And it honours ApplyImmediately, as AWS documents: ModifyDBCluster's ApplyImmediately lists
    # "EnableIAMDatabaseAuthentication" among the settings it decides, and ClusterPendingModifiedValues has
    # "IAMDatabaseAuthenticationEnabled" ("whether mapping of AWS IAM accounts to database accounts is
    # enabled", pending) (RDS API reference, ModifyDBCluster and ClusterPendingModifiedValues). Not applied
    # immediately, the cluster keeps its setting and reports the new one in PendingModifiedValues until the
    # maintenance window (here: a ModifyDBCluster with ApplyImmediately, which AWS says applies "any pending
    # modifications" too). The reading hardest on the bundle: nothing but the window turns it on.
    from moto.rds import models as rds_models

    backend_cls: Any = rds_models.RDSBackend
    if not first_time(backend_cls, "_emu_modify_iam_auth"):
        return False
    modify = backend_cls.modify_db_cluster

    def modify_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        stored = self.clusters.get(kwargs.get("db_cluster_identifier"))
        immediately = str(kwargs.get("apply_immediately", "")).lower() == "true"
        requested = kwargs.get("enable_iam_database_authentication")
        returned = modify(self, kwargs)  # a copy of the cluster, as it was when the call returned
        if stored is None:
            return returned
        if immediately:
            pending = stored.__dict__.pop(_PENDING_IAM, None)
            wanted = requested if requested is not None else pending
            if wanted is not None:
                _apply_flags(self, returned, {"enable_iam_database_authentication": wanted},
                             ("enable_iam_database_authentication",))
        elif requested is not None:
            if (str(requested).lower() == "true") == bool(getattr(stored, "iam_auth", False)):
                stored.__dict__.pop(_PENDING_IAM, None)  # asks for what runs: nothing left to wait for
            else:
                stored.__dict__[_PENDING_IAM] = requested
                returned.__dict__[_PENDING_IAM] = requested
        return returned

    backend_cls.modify_db_cluster = modify_db_cluster
    return True


def _patch_rds_cluster_pending_iam() -> bool:
    # DescribeDBClusters' PendingModifiedValues.IAMDatabaseAuthenticationEnabled for IAM authentication kept
    # for the window (above), beside what the other patches report there (rds_availability: EngineVersion).
    # Applied after rds_availability, whose property it extends.
    from moto.rds import models as rds_models

    cluster_cls: Any = rds_models.DBCluster
    if not first_time(cluster_cls, "_emu_pending_iam_values"):
        return False
    before = vars(cluster_cls).get("pending_modified_values")

    def pending_modified_values(self: Any) -> Any:
        pending = dict((before.fget(self) if isinstance(before, property) and before.fget else None) or {})
        if _PENDING_IAM in self.__dict__:
            pending["IAMDatabaseAuthenticationEnabled"] = str(self.__dict__[_PENDING_IAM]).lower() == "true"
        return pending or None

    cluster_cls.pending_modified_values = property(pending_modified_values)
    return True


# RDS API reference, CreateDBCluster and RestoreDBClusterFromSnapshot, EngineLifecycleSupport: "Valid Values:
# open-source-rds-extended-support | open-source-rds-extended-support-disabled. Default:
# open-source-rds-extended-support"; DescribeDBClusters reports it (DBCluster.EngineLifecycleSupport).
EXTENDED_SUPPORT_DEFAULT = "open-source-rds-extended-support"
EXTENDED_SUPPORT_VALUES = (EXTENDED_SUPPORT_DEFAULT, "open-source-rds-extended-support-disabled")


def _patch_rds_engine_lifecycle_support() -> bool:
    # moto 5.2.5 drops EngineLifecycleSupport: a cluster reports none, so the provider would read "" back.
    # Keep what CreateDBCluster or RestoreDBClusterFromSnapshot asked for (AWS's default otherwise), refuse
    # a value AWS does not know, and report it. ModifyDBCluster has no such parameter: it never changes.
    from moto.rds import models as rds_models
    from moto.rds.exceptions import InvalidParameterValue

    backend_cls: Any = rds_models.RDSBackend
    if not first_time(backend_cls, "_emu_engine_lifecycle_support"):
        return False
    rds_models.DBCluster.engine_lifecycle_support = EXTENDED_SUPPORT_DEFAULT
    create, restore = backend_cls.create_db_cluster, backend_cls.restore_db_cluster_from_snapshot

    def chosen(kwargs: dict[str, Any]) -> str:
        value = kwargs.get("engine_lifecycle_support") or EXTENDED_SUPPORT_DEFAULT
        if value not in EXTENDED_SUPPORT_VALUES:
            raise InvalidParameterValue(f"Invalid value {value} for EngineLifecycleSupport.")
        return str(value)

    def keep(self: Any, cluster: Any, value: str) -> Any:
        for each in (cluster, self.clusters.get(cluster.db_cluster_identifier)):
            if each is not None:
                each.engine_lifecycle_support = value
        return cluster

    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        value = chosen(kwargs)
        return keep(self, create(self, kwargs), value)

    def restore_db_cluster_from_snapshot(self: Any, from_snapshot_id: str, overrides: dict[str, Any]) -> Any:
        value = chosen(overrides)
        return keep(self, restore(self, from_snapshot_id, overrides), value)

    backend_cls.create_db_cluster = create_db_cluster
    backend_cls.restore_db_cluster_from_snapshot = restore_db_cluster_from_snapshot
    return True


# AWS's RDS API reference, CreateDBCluster and ModifyDBCluster, MasterUserPassword (Aurora DB clusters):
# "Must contain from 8 to 41 characters. Can contain any printable ASCII character except "/", """, or "@"."
# AWS also refuses a space, with InvalidParameterValue "The parameter MasterUserPassword is not a valid
# password. Only printable ASCII characters besides '/', '@', '"', ' ' may be used." (the message quoted in
# hashicorp/terraform-provider-random#15 and terraform-aws-modules/terraform-aws-rds#243).
MASTER_PASSWORD_LENGTH = (8, 41)
MASTER_PASSWORD_FORBIDDEN = frozenset('/"@ ')


def master_password_problem(password: str) -> str | None:
    """AWS's InvalidParameterValue message for an Aurora master password it refuses, or None."""
    shortest, longest = MASTER_PASSWORD_LENGTH
    if len(password) < shortest:
        return (f"The parameter MasterUserPassword is not a valid password because it is shorter than "
                f"{shortest} characters.")
    if len(password) > longest:
        return (f"The parameter MasterUserPassword is not a valid password because it is longer than "
                f"{longest} characters.")
    if any(c in MASTER_PASSWORD_FORBIDDEN or not " " <= c <= "~" for c in password):
        return ("The parameter MasterUserPassword is not a valid password. Only printable ASCII characters "
                "besides '/', '@', '\"', ' ' may be used.")
    return None


def _patch_rds_master_password() -> bool:
    # moto 5.2.5 refuses only a blank or short password, and on ModifyDBCluster only after it has taken the
    # cluster out of the backend (a refused modification lost the cluster). Refuse what AWS refuses for
    # Aurora, before anything changes.
    from moto.rds import models as rds_models
    from moto.rds.exceptions import InvalidParameterValue

    backend_cls: Any = rds_models.RDSBackend
    if not first_time(backend_cls, "_emu_master_password"):
        return False
    create, modify = backend_cls.create_db_cluster, backend_cls.modify_db_cluster

    def check(kwargs: dict[str, Any]) -> None:
        password = kwargs.get("master_user_password")
        problem = None if password is None else master_password_problem(str(password))
        if problem:
            raise InvalidParameterValue(problem)

    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        check(kwargs)
        return create(self, kwargs)

    def modify_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        check(kwargs)
        return modify(self, kwargs)

    backend_cls.create_db_cluster = create_db_cluster
    backend_cls.modify_db_cluster = modify_db_cluster
    return True
