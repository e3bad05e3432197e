"""Offline AWS emulator (moto 5.2.5 server mode) for the Aurora bundle tests.

PATCHES PLACEHOLDER
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

LOOPBACK = "127.0.0.1"
READY_PREFIX = "EMULATOR_READY "
_PATCHED = False


def _patch_env() -> None:
    # Gap: AWS-managed IAM policies (e.g. AmazonRDSEnhancedMonitoringRole) are
    # only loaded on request; AttachRolePolicy otherwise 404s.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


def _patch_appautoscaling() -> None:
    """Gap 1: application-autoscaling Tag/Untag/ListTagsForResource (HTTP 500)."""
    from moto.applicationautoscaling import models as aas_models
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.core.exceptions import JsonRESTError

    resp_cls: Any = ApplicationAutoScalingResponse
    backend_cls: Any = aas_models.ApplicationAutoscalingBackend
    if hasattr(resp_cls, "list_tags_for_resource"):
        return  # moto implements it natively now

    def _tag_store(backend: Any) -> dict[str, dict[str, str]]:
        store: dict[str, dict[str, str]] | None = getattr(backend, "_emu_tags", None)
        if store is None:
            store = {}
            backend._emu_tags = store
        return store

    def _known_arn(backend: Any, arn: str) -> bool:
        return any(
            t.arn == arn for dims in backend.targets.values() for t in dims.values()
        )

    def _checked_store(self: Any) -> tuple[dict[str, dict[str, str]], str]:
        backend = self.applicationautoscaling_backend
        arn = str(self._get_param("ResourceARN"))
        if not _known_arn(backend, arn):
            raise JsonRESTError(
                "ResourceNotFoundException", f"No scalable target found for {arn}"
            )
        return _tag_store(backend), arn

    def list_tags_for_resource(self: Any) -> str:
        store, arn = _checked_store(self)
        return json.dumps({"Tags": store.get(arn, {})})

    def tag_resource(self: Any) -> str:
        store, arn = _checked_store(self)
        store.setdefault(arn, {}).update(self._get_param("Tags") or {})
        return json.dumps({})

    def untag_resource(self: Any) -> str:
        store, arn = _checked_store(self)
        for key in self._get_param("TagKeys") or []:
            store.get(arn, {}).pop(key, None)
        return json.dumps({})

    orig_register = resp_cls.register_scalable_target

    def register_scalable_target(self: Any) -> str:
        # RegisterScalableTarget accepts Tags on create; keep them.
        body = str(orig_register(self))
        tags = self._get_param("Tags")
        if tags:
            arn = json.loads(body)["ScalableTargetARN"]
            _tag_store(self.applicationautoscaling_backend).setdefault(
                arn, {}
            ).update(tags)
        return body

    orig_deregister = backend_cls.deregister_scalable_target

    def deregister_scalable_target(
        self: Any, namespace: str, r_id: str, dimension: str
    ) -> None:
        target = self.targets.get(dimension, {}).get(r_id)
        orig_deregister(self, namespace, r_id, dimension)
        if target is not None:
            _tag_store(self).pop(target.arn, None)

    resp_cls.list_tags_for_resource = list_tags_for_resource
    resp_cls.tag_resource = tag_resource
    resp_cls.untag_resource = untag_resource
    resp_cls.register_scalable_target = register_scalable_target
    backend_cls.deregister_scalable_target = deregister_scalable_target


def _patch_rds() -> None:
    from moto.rds import models as rds_models
    from moto.rds.responses import RDSResponse

    cluster_cls: Any = rds_models.DBCluster
    instance_cls: Any = rds_models.DBInstance
    resp_cls: Any = RDSResponse

    # Gap: CreateDBCluster with StorageType=aurora-iopt1 (or "aurora") raises
    # KeyError in default_allocated_storage -> HTTP 500.
    orig_default_storage = cluster_cls.default_allocated_storage

    def default_allocated_storage(engine: str, storage_type: str) -> int:
        try:
            return int(orig_default_storage(engine, storage_type))
        except KeyError:
            return 1 if engine.startswith("aurora") else 20

    cluster_cls.default_allocated_storage = staticmethod(default_allocated_storage)

    # Gap 2: parameters are returned without Source; the provider only keeps
    # Source=user params, so groups with parameters diff forever. Everything
    # moto stores was set by the user.
    pg_classes: tuple[tuple[Any, str], ...] = (
        (rds_models.DBParameterGroup, "update_parameters"),
        (rds_models.DBClusterParameterGroup, "update_cluster_parameters"),
    )
    for pg_cls, method_name in pg_classes:
        orig_update = getattr(pg_cls, method_name, None)
        if orig_update is None:
            continue

        def update(
            self: Any, new_parameters: Any, _orig: Any = orig_update
        ) -> None:
            _orig(self, new_parameters)
            for param in self.parameters.values():
                param.setdefault("Source", "user")

        setattr(pg_cls, method_name, update)

    # Gap 3: ScalingConfigurationInfo (Serverless v1) is always emitted, with
    # empty members, so provisioned/serverless-v2 clusters diff forever.
    prop = cluster_cls.__dict__.get("scaling_configuration_info")
    if isinstance(prop, property) and prop.fget is not None:
        orig_scaling_fget = prop.fget

        def scaling_configuration_info(self: Any) -> dict[str, Any] | None:
            if not getattr(self, "scaling_configuration", None):
                return None
            return dict(orig_scaling_fget(self))

        cluster_cls.scaling_configuration_info = property(scaling_configuration_info)

    # Gap 4: Performance Insights settings on instances are dropped.
    orig_instance_init = instance_cls.__init__

    def instance_init(self: Any, *args: Any, **kwargs: Any) -> None:
        orig_instance_init(self, *args, **kwargs)
        self.enable_performance_insights = bool(
            kwargs.get("enable_performance_insights", False)
        )
        self.performance_insights_kms_key_id = kwargs.get(
            "performance_insights_kms_key_id"
        )
        self.performance_insights_retention_period = kwargs.get(
            "performance_insights_retention_period"
        )

    def _pi_enabled(self: Any) -> bool:
        return bool(getattr(self, "enable_performance_insights", False))

    def _pi_kms(self: Any) -> str | None:
        if not _pi_enabled(self):
            return None
        return self.__dict__.get("_emu_pi_kms") or _default_pi_kms(self)

    def _set_pi_kms(self: Any, value: str | None) -> None:
        self.__dict__["_emu_pi_kms"] = value

    def _pi_retention(self: Any) -> int | None:
        if not _pi_enabled(self):
            return None
        return int(self.__dict__.get("_emu_pi_retention") or 7)

    def _set_pi_retention(self: Any, value: int | None) -> None:
        self.__dict__["_emu_pi_retention"] = value

    instance_cls.__init__ = instance_init
    instance_cls.performance_insights_enabled = property(_pi_enabled)
    instance_cls.performance_insights_kms_key_id = property(_pi_kms, _set_pi_kms)
    instance_cls.performance_insights_retention_period = property(
        _pi_retention, _set_pi_retention
    )
    del resp_cls


def _default_pi_kms(instance: Any) -> str:
    return (
        f"arn:aws:kms:{instance.region}:{instance.account_id}:key/"
        "00000000-0000-0000-0000-000000000000"
    )


def apply_patches() -> None:
    """Monkeypatch moto in-process so a full Terraform cycle is clean."""
    global _PATCHED
    if _PATCHED:
        return
    _patch_env()
    _patch_appautoscaling()
    _patch_rds()
    _PATCHED = True


def serve(host: str = LOOPBACK, port: int = 0) -> None:
    """Apply patches, bind ``host:port`` and serve until SIGTERM/SIGINT."""
    if host != LOOPBACK:
        raise ValueError(f"emulator only binds {LOOPBACK}, not {host!r}")
    apply_patches()

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        host, port, app, threaded=True, request_handler=MotoRequestHandler
    )
    bound_port = int(server.server_address[1])
    # Some moto services build callback URLs from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(bound_port)

    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    print(f"{READY_PREFIX}http://{host}:{bound_port}", flush=True)
    try:
        while not stop.wait(0.5):
            if not worker.is_alive():
                break
    finally:
        server.shutdown()
        server.server_close()


def provider_endpoints(endpoint: str) -> dict[str, str]:
    """Service keys for the AWS provider's ``endpoints {}`` block."""
    services = (
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
    return {name: endpoint for name in services}


def _package_root() -> str:
    # .../<root>/aurora_bundle/offline/emulator.py -> <root>
    return str(Path(__file__).resolve().parents[2])


class Emulator:
    """Run the emulator in a child process (own process group).

    Usage::

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
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self._ready = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def endpoint(self) -> str:
        if self._endpoint is None:
            raise RuntimeError("emulator is not running")
        return self._endpoint

    def stderr_tail(self, lines: int = 40) -> str:
        return "".join(list(self._stderr_tail)[-lines:])

    def start(self) -> Emulator:
        if self._proc is not None:
            raise RuntimeError("emulator already started")
        env = dict(os.environ)
        root = _package_root()
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (root, env.get("PYTHONPATH", "")) if p
        )
        env["PYTHONUNBUFFERED"] = "1"
        cmd = [
            sys.executable,
            "-m",
            "aurora_bundle.offline.emulator",
            "--host",
            LOOPBACK,
            "--port",
            str(self.port),
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            env=env,
            start_new_session=True,  # own process group
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _drain(self, stream: IO[str], is_stdout: bool) -> None:
        for line in stream:
            if is_stdout and self._endpoint is None and line.startswith(READY_PREFIX):
                self._endpoint = line[len(READY_PREFIX) :].strip()
                self._ready.set()
            elif not is_stdout:
                self._stderr_tail.append(line)

    def _wait_ready(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None and proc.stderr is not None
        for stream, is_stdout in ((proc.stdout, True), (proc.stderr, False)):
            t = threading.Thread(target=self._drain, args=(stream, is_stdout), daemon=True)
            t.start()
            self._threads.append(t)
        deadline = time.monotonic() + self.startup_timeout
        while not self._ready.wait(0.1):
            if proc.poll() is not None:
                time.sleep(0.2)  # let the stderr reader catch up
                raise RuntimeError(
                    f"emulator exited with code {proc.returncode} before ready; "
                    f"stderr tail:\n{self.stderr_tail()}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"emulator not ready after {self.startup_timeout}s; "
                    f"stderr tail:\n{self.stderr_tail()}"
                )

    def stop(self) -> None:
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(timeout=self.stop_timeout)
                except subprocess.TimeoutExpired:
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    proc.wait(timeout=self.stop_timeout)
        finally:
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
            self._proc = None
            self._endpoint = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=LOOPBACK, choices=[LOOPBACK])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
