"""Offline AWS emulator for the Aurora bundle: moto 5.2.5 in server mode.

Run ``python -m aurora_bundle.offline.emulator [--port N] [--host 127.0.0.1]``.
Before serving, moto is monkeypatched in-process so that a Terraform cycle
(init, apply, plan -> "No changes", destroy) of the Aurora PostgreSQL bundle
with hashicorp/aws 5.100.0 is clean.  Each patch names the gap it closes and is
written against moto 5.2.5; it skips itself if the target it patches is gone.

Patches (name: gap):
  iam_managed_policies       AttachRolePolicy on AWS-managed policies 404s
                             (AmazonRDSEnhancedMonitoringRole not loaded).
  appautoscaling_tags        Gap 1: application-autoscaling TagResource,
                             UntagResource, ListTagsForResource not implemented.
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
                             from the bundle's engine catalog).
  ec2_custom_ids             Harness: a `_custom_id_` tag sets VPC/subnet IDs.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

LOOPBACK = "127.0.0.1"
READY_PREFIX = "EMULATOR_READY "
MOTO_VERSION = "5.2.5"
WATCH_PARENT_ENV = "AURORA_EMULATOR_WATCH_PARENT"
AWS_DEFAULT_CA = "rds-ca-rsa2048-g1"
DEFAULT_PI_KEY_ID = "00000000-0000-0000-0000-000000000000"  # stands in for aws/rds

SERVICES: tuple[str, ...] = (
    "applicationautoscaling",
    "cloudwatch",
    "ec2",
    "iam",
    "kms",
    "logs",
    "rds",
    "secretsmanager",
    "sns",
    "sts",
)


# --------------------------------------------------------------------------
# Patches
# --------------------------------------------------------------------------


def _patch_iam_managed_policies() -> bool:
    # moto only loads AWS-managed IAM policies on request; without them
    # attaching AmazonRDSEnhancedMonitoringRole fails with NoSuchEntity.
    # Must be set before moto.iam builds its first backend.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return True


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


def _patch_rds_engine_versions() -> bool:
    # Gap: DescribeDBEngineVersions is not implemented, so data.aws_rds_engine_version cannot
    # resolve the newest minor of a major. Answer for aurora-postgresql from the bundle's engine
    # catalog (aurora_bundle/engine.py: each major's latest minor and the one before), with AWS's
    # dot-boundary matching of a partial EngineVersion ("17" matches "17.9", not "171.0").
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    from aurora_bundle.engine import ENGINE, MAJORS

    resp_cls: Any = RDSResponse
    if "describe_db_engine_versions" in vars(resp_cls):
        return False

    def catalog() -> list[dict[str, Any]]:
        versions = []
        for major, info in MAJORS.items():
            latest = int(info.latest_minor.split(".")[1])
            for minor in sorted({max(latest - 1, 0), latest}):
                versions.append({
                    "Engine": ENGINE,
                    "EngineVersion": f"{major}.{minor}",
                    "DBParameterGroupFamily": info.family,
                    "DBEngineDescription": "Aurora (PostgreSQL)",
                    "DBEngineVersionDescription": f"Aurora PostgreSQL (Compatible with PostgreSQL {major}.{minor})",
                    "Status": "available",
                    "SupportedEngineModes": ["provisioned"],
                    "SupportsLogExportsToCloudwatchLogs": True,
                    "ExportableLogTypes": ["postgresql", "iam-db-auth-error"],
                    "SupportsReadReplica": True,
                    "SupportsParallelQuery": False,
                    "SupportsGlobalDatabases": True,
                    "SupportsBabelfish": True,
                    "SupportsLimitlessDatabase": False,
                    "SupportsCertificateRotationWithoutRestart": True,
                    "SupportsLocalWriteForwarding": True,
                    "SupportsIntegrations": False,
                    "ValidUpgradeTarget": [],
                })
        return versions

    def describe_db_engine_versions(self: Any) -> Any:
        engine = self.params.get("Engine")
        wanted = self.params.get("EngineVersion")
        family = self.params.get("DBParameterGroupFamily")
        found = [v for v in catalog()
                 if (not engine or v["Engine"] == engine)
                 and (not family or v["DBParameterGroupFamily"] == family)
                 and (not wanted or v["EngineVersion"] == wanted or v["EngineVersion"].startswith(wanted + "."))]
        if str(self.params.get("DefaultOnly", "")).lower() == "true":
            found = found[:1]
        return ActionResult({"DBEngineVersions": found})

    resp_cls.describe_db_engine_versions = describe_db_engine_versions
    return True


CUSTOM_ID_TAG = "_custom_id_"


def _patch_ec2_custom_ids() -> bool:
    # Harness need, not a moto gap: the e2e creates the VPC and subnets an example's vpc connection
    # names, so they must get exactly those IDs. A `_custom_id_` tag on CreateVpc / CreateSubnet
    # picks the ID (moto's own custom-id mechanism does not cover these two in 5.2.5).
    from moto.ec2.models import subnets as subnet_models
    from moto.ec2.models import vpcs as vpc_models

    lock = threading.RLock()

    def with_id(module: Any, name: str, custom: str | None, call: Any) -> Any:
        if not custom:
            return call()
        with lock:
            original = getattr(module, name)
            setattr(module, name, lambda: custom)
            try:
                return call()
            finally:
                setattr(module, name, original)

    orig_vpc = vpc_models.VPCBackend.create_vpc
    orig_subnet = subnet_models.SubnetBackend.create_subnet

    def create_vpc(self: Any, *args: Any, **kwargs: Any) -> Any:
        custom = next((t.get("Value") for t in kwargs.get("tags") or [] if t.get("Key") == CUSTOM_ID_TAG), None)
        return with_id(vpc_models, "random_vpc_id", custom, lambda: orig_vpc(self, *args, **kwargs))

    def create_subnet(self: Any, *args: Any, **kwargs: Any) -> Any:
        custom = ((kwargs.get("tags") or {}).get("subnet") or {}).get(CUSTOM_ID_TAG)
        return with_id(subnet_models, "random_subnet_id", custom, lambda: orig_subnet(self, *args, **kwargs))

    vpc_models.VPCBackend.create_vpc = create_vpc
    subnet_models.SubnetBackend.create_subnet = create_subnet
    return True


PATCHES: dict[str, Callable[[], bool]] = {
    "iam_managed_policies": _patch_iam_managed_policies,
    "appautoscaling_tags": _patch_appautoscaling_tags,
    "rds_aurora_storage_types": _patch_rds_aurora_storage_types,
    "rds_parameter_source": _patch_rds_parameter_source,
    "rds_parameter_reset": _patch_rds_parameter_reset,
    "rds_scaling_config_info": _patch_rds_scaling_config_info,
    "rds_performance_insights": _patch_rds_performance_insights,
    "rds_default_ca": _patch_rds_default_ca,
    "rds_engine_versions": _patch_rds_engine_versions,
    "ec2_custom_ids": _patch_ec2_custom_ids,
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


# --------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------


def _serialized(app: Any) -> Any:
    """Handle one request at a time.

    moto's backends are not thread-safe (e.g. "dictionary changed size during
    iteration" -> HTTP 500) and several Terraform runs may share one emulator.
    Connections are still accepted concurrently; every moto call is fast, the
    time of a Terraform run is the provider's own polling delays.
    """
    lock = threading.Lock()

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with lock:
            result = app(environ, start_response)
            try:
                return list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()

    return wsgi


def serve(host: str = LOOPBACK, port: int = 0) -> None:
    """Apply patches, bind ``host:port`` and serve until SIGTERM/SIGINT."""
    if host != LOOPBACK:
        raise ValueError(f"the emulator only binds {LOOPBACK}, not {host!r}")
    applied = apply_patches()

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, _serialized(app), threaded=True, request_handler=MotoRequestHandler)
    bound_port = int(server.server_address[1])
    os.environ["MOTO_PORT"] = str(bound_port)  # moto builds some URLs from it

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    parent = os.getppid() if os.environ.get(WATCH_PARENT_ENV) == "1" else None

    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    print(f"emulator: patches applied: {', '.join(applied)}", file=sys.stderr)
    print(f"{READY_PREFIX}http://{host}:{bound_port}", flush=True)
    try:
        while worker.is_alive() and not stop.wait(0.5):
            if parent is not None and os.getppid() != parent:
                break  # the Emulator() owner died without stopping us
    finally:
        server.shutdown()
        server.server_close()


def provider_endpoints(endpoint: str) -> dict[str, str]:
    """Service keys for the AWS provider's ``endpoints {}`` block."""
    return {name: endpoint for name in SERVICES}


# --------------------------------------------------------------------------
# Subprocess wrapper for tests
# --------------------------------------------------------------------------


def _import_root() -> str:
    # <root>/aurora_bundle/offline/emulator.py -> <root>
    return str(Path(__file__).resolve().parents[2])


class Emulator:
    """The emulator in a child process with its own process group.

    ::

        with Emulator() as emu:
            boto3.client("rds", endpoint_url=emu.endpoint, ...)
    """

    def __init__(
        self,
        port: int = 0,
        startup_timeout: float = 60.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.port = port
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._proc: subprocess.Popen[str] | None = None
        self._endpoint: str | None = None
        self._ready = threading.Event()
        self._stderr: collections.deque[str] = collections.deque(maxlen=400)
        self._readers: list[threading.Thread] = []

    @property
    def endpoint(self) -> str:
        if self._endpoint is None:
            raise RuntimeError("emulator is not running")
        return self._endpoint

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def stderr_tail(self, lines: int = 40) -> str:
        return "".join(list(self._stderr)[-lines:])

    def start(self) -> Self:
        if self._proc is not None:
            raise RuntimeError("emulator already started")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_import_root(), env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        env[WATCH_PARENT_ENV] = "1"  # child exits if this process dies
        self._ready.clear()
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aurora_bundle.offline.emulator",
                "--host",
                LOOPBACK,
                "--port",
                str(self.port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # own process group
        )
        try:
            self._start_readers(self._proc)
            self._wait_ready(self._proc)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_readers(self, proc: subprocess.Popen[str]) -> None:
        # Always drain both pipes so the child never blocks on a full pipe.
        assert proc.stdout is not None and proc.stderr is not None
        for stream, handler in (
            (proc.stdout, self._on_stdout),
            (proc.stderr, self._stderr.append),
        ):
            reader = threading.Thread(target=self._pump, args=(stream, handler), daemon=True)
            reader.start()
            self._readers.append(reader)

    @staticmethod
    def _pump(stream: IO[str], handler: Callable[[str], None]) -> None:
        try:
            for line in stream:
                handler(line)
        except (OSError, ValueError):
            pass

    def _on_stdout(self, line: str) -> None:
        if not self._ready.is_set() and line.startswith(READY_PREFIX):
            self._endpoint = line[len(READY_PREFIX) :].strip()
            self._ready.set()

    def _wait_ready(self, proc: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while not self._ready.wait(0.1):
            if proc.poll() is not None:
                for reader in self._readers:
                    reader.join(timeout=2)
                why = f"exited with code {proc.returncode} before it was ready"
                raise RuntimeError(f"emulator {why}; stderr tail:\n{self.stderr_tail()}")
            if time.monotonic() > deadline:
                why = f"not ready within {self.startup_timeout:.0f}s"
                raise TimeoutError(f"emulator {why}; stderr tail:\n{self.stderr_tail()}")

    @staticmethod
    def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)  # pgid == pid (start_new_session)

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it after ``stop_timeout``."""
        proc, self._proc = self._proc, None
        self._endpoint = None
        if proc is None:
            return
        try:
            if proc.poll() is None:
                self._signal_group(proc, signal.SIGTERM)
                try:
                    proc.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    self._signal_group(proc, signal.SIGKILL)
                    proc.wait(timeout=self.stop_timeout)
        finally:
            for reader in self._readers:
                reader.join(timeout=2)
            self._readers.clear()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        if getattr(self, "_proc", None) is not None:
            with contextlib.suppress(Exception):
                self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aurora_bundle.offline.emulator",
        description="moto server with Aurora-bundle patches (loopback only)",
    )
    parser.add_argument("--host", default=LOOPBACK, choices=[LOOPBACK])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
