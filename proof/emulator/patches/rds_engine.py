"""RDS: the engine versions AWS lists for Aurora PostgreSQL, and the rules AWS applies to them.

moto 5.2.5 does not implement DescribeDBEngineVersions and accepts any EngineVersion. Here:

- **The catalog.** Per major of the bundle's engine catalog (``inputs/engine.py``, ``MAJORS``), several
  standard minors, from the major's latest minor downwards, each with a ``CreateTime`` in release order
  (AWS releases a minor of every major together: one release a round). For 16, also the Limitless
  builds ``16.4-limitless`` ... ``16.13-limitless`` (``describe-db-engine-versions --engine
  aurora-postgresql`` lists them: quoted in aws-cdk PRs #34446, #35430, #38053), each released a day
  after its standard build, so the newest Limitless build is the newest version by ``CreateTime``: what
  ``data.aws_rds_engine_version`` with ``latest = true`` picks (terraform-provider-aws 5.100,
  ``internal/service/rds/engine_version_data_source.go``: ``sortEngineVersions`` orders by
  ``CreateTime`` first, then version; YakDriver/go-version ``LessThanWithTime``).
- **Partial versions** match at dot boundaries ("16" matches "16.13" and "16.4-limitless", not
  "160.1"); ``DefaultOnly`` answers the major's default, a standard build two minors behind the newest
  (AWS's default lags its newest minor); ``IncludeAll`` is accepted (every version here is available).
- **Upgrade targets** (``ValidUpgradeTarget``): every newer minor of the same kind (standard or
  Limitless), and, for a standard build, the next major's standard builds released in the same round
  or up to ``MAJOR_TARGET_ROUNDS`` rounds later, with ``IsMajorVersionUpgrade``. So a target is never
  older than its source (the real "Cannot upgrade aurora-postgresql from 12.11 to 13.6",
  terraform-aws-modules/terraform-aws-rds-aurora#308), an older minor lists only older targets of the
  next major (16.8 lists 17.4 to 17.7, not 17.9), and a minor released before the next major lists none
  (16.4). AWS allows a major upgrade only to a listed target (AuroraUserGuide,
  USER_UpgradeDBInstance.PostgreSQL.MajorVersion.html).
- **Refusals**, with AWS's error codes: CreateDBCluster / RestoreDBClusterFromSnapshot with a version
  AWS does not list ("InvalidParameterCombination: Cannot find version 15.5 for aurora-postgresql",
  langfuse/langfuse-terraform-aws#34), or with a Limitless version without ``ClusterScalabilityType``
  limitless (a Limitless version is for a cluster created as Limitless only: AuroraUserGuide
  limitless-reqs-limits.html, CreateDBCluster ``ClusterScalabilityType``; AWS's wording is not
  published: the message here is ours); ModifyDBCluster to a version that is not a listed target of the
  running one ("Cannot upgrade aurora-postgresql from X to Y").
- **A major upgrade in the window with the new instance parameter group.** ModifyDBCluster's
  ``DBInstanceParameterGroupName``: "parameter changes are applied immediately rather than during the
  next maintenance window", the group "must be in the same DB parameter group family as this DB
  cluster", and it is "valid in combination with AllowMajorVersionUpgrade for a major version upgrade
  only" (RDS API reference, ModifyDBCluster); ``ClusterPendingModifiedValues`` has no parameter-group
  field. Nothing documents that AWS defers the whole call. Modelled: the reading hardest on the bundle,
  AWS refuses it (InvalidParameterCombination): the group would apply now, to a cluster whose engine
  (and family) stays the old major's until the window. The engine version alone is deferred as AWS
  documents (``rds_availability``).
- **The request log.** Each engine version a request asks for (CreateDBCluster, RestoreDBClusterFromSnapshot,
  ModifyDBCluster), refused or not, is appended to the timeline file (``AURORA_EMULATOR_TIMELINE``) as a
  line ``{"t", "cluster": "", "members": [], "engine_request": {"action", "cluster", "version"}}``: the e2e
  asserts no Limitless version was ever asked for. (``cluster`` is empty so that no cluster's availability
  timeline, ``offline.availability``, ever includes it.)
- **Test only: a cluster created long ago.** ``AddTagsToResource`` on a cluster with the tag
  ``ENGINE_VERSION_TAG`` (``proof/emulator/__init__.py``) makes it run that version at once, bypassing
  the upgrade rules (as if it had been created on that minor long ago); the tag is not kept.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
import time
from typing import Any, NoReturn

from proof.emulator import ENGINE_VERSION_TAG, TIMELINE_ENV
from proof.emulator.patches.rds import first_time

# How many standard minors each major lists, from its latest minor downwards (one release round each).
MINORS_LISTED = {"18": 3, "17": 6, "16": 10, "15": 10, "14": 10}
LIMITLESS_MAJOR = "16"
LIMITLESS_SUFFIX = "-limitless"
LIMITLESS_MINORS = range(4, 14)  # 16.4-limitless ... 16.13-limitless
MAJOR_TARGET_ROUNDS = 3  # a standard build lists the next major's builds of its round and up to 3 rounds later
DEFAULT_LAG = 2  # DefaultOnly: the major's default is this many minors behind its newest
NEWEST_ROUND = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)  # when the newest minors came out
ROUND = datetime.timedelta(days=60)


def _parse(version: str) -> tuple[str, int, bool]:
    """(major, minor, limitless) of a catalog version."""
    limitless = version.endswith(LIMITLESS_SUFFIX)
    major, minor = version.removesuffix(LIMITLESS_SUFFIX).split(".")
    return major, int(minor), limitless


def _entry(version: str, family: str, created: datetime.datetime, limitless: bool) -> dict[str, Any]:
    major, minor, _ = _parse(version)
    kind = "Aurora PostgreSQL with Limitless Database" if limitless else "Aurora PostgreSQL"
    return {
        "Engine": "aurora-postgresql",
        "EngineVersion": version,
        "DBParameterGroupFamily": family,
        "DBEngineDescription": "Aurora (PostgreSQL)",
        "DBEngineVersionDescription": f"{kind} (Compatible with PostgreSQL {major}.{minor})",
        "Status": "available",
        "CreateTime": created,
        "SupportedEngineModes": ["provisioned"],
        "SupportsLogExportsToCloudwatchLogs": True,
        "ExportableLogTypes": ["postgresql", "iam-db-auth-error"],
        "SupportsReadReplica": not limitless,
        "SupportsParallelQuery": False,
        "SupportsGlobalDatabases": not limitless,
        "SupportsBabelfish": not limitless,
        "SupportsLimitlessDatabase": limitless,
        "SupportsCertificateRotationWithoutRestart": True,
        "SupportsLocalWriteForwarding": not limitless,
        "SupportsIntegrations": False,
        "ValidUpgradeTarget": [],
    }


def _target(entry: dict[str, Any], major_upgrade: bool) -> dict[str, Any]:
    return {key: entry[key] for key in ("Engine", "EngineVersion", "SupportedEngineModes", "SupportsParallelQuery",
                                        "SupportsGlobalDatabases", "SupportsBabelfish", "SupportsLimitlessDatabase",
                                        "SupportsLocalWriteForwarding", "SupportsIntegrations")} | {
        "Description": entry["DBEngineVersionDescription"], "AutoUpgrade": False,
        "IsMajorVersionUpgrade": major_upgrade}


def build_catalog() -> list[dict[str, Any]]:
    """Every aurora-postgresql version listed, with its upgrade targets, newest major first."""
    from aurora_bundle.inputs.engine import MAJORS

    entries: list[dict[str, Any]] = []
    rounds: dict[str, int] = {}  # version -> release round, 0 the newest, counting back
    for major, info in MAJORS.items():
        latest = int(info.latest_minor.split(".")[1])
        for age in range(MINORS_LISTED.get(major, 3)):
            if latest - age < 1:
                break
            version = f"{major}.{latest - age}"
            rounds[version] = age
            entries.append(_entry(version, info.family, NEWEST_ROUND - age * ROUND, limitless=False))
        if major == LIMITLESS_MAJOR:
            for minor in LIMITLESS_MINORS:
                standard = NEWEST_ROUND - (latest - minor) * ROUND
                entries.append(_entry(f"{major}.{minor}{LIMITLESS_SUFFIX}", info.family,
                                      standard + datetime.timedelta(days=1), limitless=True))
    for entry in entries:
        major, minor, limitless = _parse(entry["EngineVersion"])
        for other in entries:
            o_major, o_minor, o_limitless = _parse(other["EngineVersion"])
            if o_limitless != limitless:
                continue
            if o_major == major and o_minor > minor:
                entry["ValidUpgradeTarget"].append(_target(other, major_upgrade=False))
            elif (not limitless and int(o_major) == int(major) + 1
                  and rounds[entry["EngineVersion"]] - MAJOR_TARGET_ROUNDS <= rounds[other["EngineVersion"]]
                  <= rounds[entry["EngineVersion"]]):
                entry["ValidUpgradeTarget"].append(_target(other, major_upgrade=True))
    return entries


CATALOG = build_catalog()
BY_VERSION = {entry["EngineVersion"]: entry for entry in CATALOG}


def matches(version: str, wanted: str) -> bool:
    """AWS's partial match at dot boundaries: "16" matches "16.13" and "16.4-limitless", not "160.1"."""
    return version == wanted or version.startswith(wanted + ".")


def default_version(major: str | None = None) -> str:
    """The default build: of ``major``, or of AWS's default major (the second newest) when None."""
    from aurora_bundle.inputs.engine import MAJORS

    major = major or list(MAJORS)[1]
    info = MAJORS[major]
    major_part, latest = info.latest_minor.split(".")
    return f"{major_part}.{max(int(latest) - DEFAULT_LAG, 1)}"


def newest_standard(major: str) -> str:
    """The newest standard minor listed for ``major``."""
    return max((v for v in BY_VERSION if re.fullmatch(rf"{major}\.\d+", v)), key=lambda v: _parse(v)[1])


def resolve(version: str | None) -> str | None:
    """The version a create or modify request means.

    AWS's default for none or a major alone, the version itself when listed, None when AWS lists no such version."""
    if not version:
        return default_version()
    if re.fullmatch(r"\d+", version):
        from aurora_bundle.inputs.engine import MAJORS

        return default_version(version) if version in MAJORS else None
    return version if version in BY_VERSION else None


def is_limitless(version: str) -> bool:
    return bool(BY_VERSION.get(version, {}).get("SupportsLimitlessDatabase"))


def _patch_rds_engine_versions() -> bool:
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    resp_cls: Any = RDSResponse
    if "describe_db_engine_versions" in vars(resp_cls):
        return False

    def describe_db_engine_versions(self: Any) -> Any:
        engine = self.params.get("Engine")
        wanted = self.params.get("EngineVersion")
        family = self.params.get("DBParameterGroupFamily")
        found = [v for v in CATALOG
                 if (not engine or v["Engine"] == engine)
                 and (not family or v["DBParameterGroupFamily"] == family)
                 and (not wanted or matches(v["EngineVersion"], wanted))]
        if str(self.params.get("DefaultOnly", "")).lower() == "true":
            major = wanted.split(".")[0] if wanted else None
            default = default_version(major) if major is None or re.fullmatch(r"\d+", major) else None
            found = [v for v in found if v["EngineVersion"] == default]
        return ActionResult({"DBEngineVersions": found})

    resp_cls.describe_db_engine_versions = describe_db_engine_versions
    return True


def _refuse(code: str, message: str) -> NoReturn:
    from moto.rds.models import RDSClientError

    raise RDSClientError(code, message)


_log_lock = threading.Lock()


def _log_request(action: str, cluster: Any, version: Any) -> None:
    path = os.environ.get(TIMELINE_ENV)
    if not path or not version:
        return
    line = {"t": time.time(), "cluster": "", "event": "engine-request", "instance": "", "members": [],
            "engine_request": {"action": action, "cluster": str(cluster), "version": str(version)}}
    with _log_lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def _check_new_cluster(kwargs: dict[str, Any]) -> None:
    """What AWS refuses in a CreateDBCluster or RestoreDBClusterFromSnapshot request; resolves the version."""
    if kwargs.get("engine") not in (None, "aurora-postgresql"):
        return
    asked = kwargs.get("engine_version")
    _log_request("create", kwargs.get("db_cluster_identifier"), asked)
    version = resolve(asked)
    if version is None:
        _refuse("InvalidParameterCombination", f"Cannot find version {asked} for aurora-postgresql")
    if is_limitless(version) and str(kwargs.get("cluster_scalability_type") or "standard") != "limitless":
        _refuse("InvalidParameterCombination",
                f"The engine version {version} is for Aurora PostgreSQL Limitless Database only: it needs "
                f"ClusterScalabilityType limitless.")
    kwargs["engine_version"] = version


def _check_modification(backend: Any, kwargs: dict[str, Any]) -> None:
    """What AWS refuses in a ModifyDBCluster request's engine version and instance parameter group."""
    cluster = backend.clusters.get(kwargs.get("db_cluster_identifier"))
    asked = kwargs.get("engine_version")
    _log_request("modify", kwargs.get("db_cluster_identifier"), asked)
    if cluster is None or not asked or cluster.engine != "aurora-postgresql":
        return
    running = str(cluster.engine_version)
    version = resolve(asked)
    if version is None:
        _refuse("InvalidParameterCombination", f"Cannot find version {asked} for aurora-postgresql")
    kwargs["engine_version"] = version
    if version == running:
        return
    targets = {t["EngineVersion"]: t for t in BY_VERSION.get(running, {}).get("ValidUpgradeTarget", [])}
    if version not in targets:
        _refuse("InvalidParameterCombination", f"Cannot upgrade aurora-postgresql from {running} to {version}")
    if targets[version]["IsMajorVersionUpgrade"] and str(kwargs.get("allow_major_version_upgrade")).lower() != "true":
        _refuse("InvalidParameterCombination",
                "The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.")
    immediately = str(kwargs.get("apply_immediately", "")).lower() == "true"
    group = kwargs.get("db_instance_parameter_group_name")
    if targets[version]["IsMajorVersionUpgrade"] and group and not immediately:
        _refuse("InvalidParameterCombination",
                f"DBInstanceParameterGroupName {group} is applied immediately, but the upgrade to {version} waits "
                f"for the maintenance window (ApplyImmediately false): the cluster runs {running} until then, and "
                f"an instance parameter group must be of the cluster's family.")


def _patch_rds_engine_rules() -> bool:
    from moto.rds import models as rds_models

    backend_cls: Any = rds_models.RDSBackend
    if not first_time(backend_cls, "_emu_engine_rules"):
        return False
    create, modify, tag = (backend_cls.create_db_cluster, backend_cls.modify_db_cluster,
                           backend_cls.add_tags_to_resource)

    def create_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        _check_new_cluster(kwargs)  # a restore from a snapshot creates its cluster here too
        return create(self, kwargs)

    def modify_db_cluster(self: Any, kwargs: dict[str, Any]) -> Any:
        _check_modification(self, kwargs)
        return modify(self, kwargs)

    def add_tags_to_resource(self: Any, arn: str, tags: list[dict[str, str]]) -> Any:
        version = next((t.get("Value") for t in tags if t.get("Key") == ENGINE_VERSION_TAG), None)
        if version is not None:
            cluster = next((c for c in self.clusters.values() if c.db_cluster_arn == arn), None)
            if cluster is None or version not in BY_VERSION:
                _refuse("InvalidParameterValue", f"{ENGINE_VERSION_TAG}: no cluster {arn}, or no version {version}")
            cluster.engine_version = version
            tags = [t for t in tags if t.get("Key") != ENGINE_VERSION_TAG]
        return tag(self, arn, tags) if tags else []

    backend_cls.create_db_cluster = create_db_cluster
    backend_cls.modify_db_cluster = modify_db_cluster
    backend_cls.add_tags_to_resource = add_tags_to_resource
    return True
