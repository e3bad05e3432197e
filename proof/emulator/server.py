"""The patched moto server: one process, loopback only, one request at a time."""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import threading
from typing import Any

from proof.emulator import LOOPBACK, READY_PREFIX, WATCH_PARENT_ENV
from proof.emulator.lambda_runtime import invoke
from proof.emulator.patches import apply_patches


def _serialized(app: Any) -> Any:
    """Handle one request at a time.

    moto's backends are not thread-safe (e.g. "dictionary changed size during
    iteration" -> HTTP 500) and several Terraform runs may share one emulator.
    Connections are still accepted concurrently; every moto call is fast, the
    time of a Terraform run is the provider's own polling delays. A Lambda
    Invoke is the exception (``lambda_runtime``): it runs the function unlocked.
    """
    lock = threading.Lock()

    def locked(call: Any) -> Any:
        with lock:
            return call()

    def wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        invoked = invoke(environ, locked)  # a Lambda function runs outside the lock: it calls the emulator
        if invoked is not None:
            status, headers, body = invoked
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]
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

    from moto import backends
    from moto.core import responses
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    # Two things moto works out again on every request, kept once the patches are applied: which services it has (it
    # lists its package directory: listdir and isdir of ~150 entries) and a response class's method names
    # (inspect.getmembers). They were 13% and 4% of the emulator's CPU in the e2e (py-spy, 2026-12-08).
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules
    responses.method_names_from_class = functools.cache(responses.method_names_from_class)

    class OneRequestPerConnection(MotoRequestHandler):  # type: ignore[misc, valid-type]
        """HTTP/1.0: the connection closes after each response.

        Werkzeug turns keep-alive on for a threaded server; with seven packages' providers side by side, a response
        was now and then cut off on a reused connection ("use of closed network connection" reading a 200's body), and
        the SDK's retry of a create then met the object the lost response had made (409, InvalidPermission.Duplicate)."""

        protocol_version = "HTTP/1.0"

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(host, port, _serialized(app), threaded=True, request_handler=OneRequestPerConnection)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m proof.emulator",
        description="moto server with Aurora-bundle patches (loopback only)",
    )
    parser.add_argument("--host", default=LOOPBACK, choices=[LOOPBACK])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0
