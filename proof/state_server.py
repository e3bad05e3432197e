"""Massdriver's Terraform state service, stood in for on 127.0.0.1: the ``http`` backend's protocol.

The provisioner points every step at ``<MASSDRIVER_URL>/state/<package>/<step>`` with the
deployment's credentials. GET returns the state (404 when there is none), POST stores it, DELETE
forgets it, LOCK and UNLOCK take and release the step's lock (423 while another holds it).
"""

from __future__ import annotations

import base64
import json
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

LOOPBACK = "127.0.0.1"


class StateServer:
    def __init__(self) -> None:
        self.states: dict[str, bytes] = {}
        self.locks: dict[str, bytes] = {}
        self.credentials: set[str] = set()  # "user:password" pairs seen, for tests
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "state server is not running"
        return f"http://{LOOPBACK}:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            @property
            def key(self) -> str:
                return urlsplit(self.path).path  # writes under a lock add ?ID=<lock id>

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _reply(self, status: HTTPStatus, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorised(self) -> bool:
                auth = self.headers.get("Authorization", "")
                if not auth.startswith("Basic "):
                    self._reply(HTTPStatus.UNAUTHORIZED)
                    return False
                with owner._lock:
                    owner.credentials.add(base64.b64decode(auth[6:]).decode())
                return True

            def do_GET(self) -> None:
                if not self._authorised():
                    return
                with owner._lock:
                    state = owner.states.get(self.key)
                self._reply(HTTPStatus.OK, state) if state is not None else self._reply(HTTPStatus.NOT_FOUND)

            def do_POST(self) -> None:
                if not self._authorised():
                    return
                body = self._body()
                with owner._lock:
                    owner.states[self.key] = body
                self._reply(HTTPStatus.OK)

            def do_DELETE(self) -> None:
                if not self._authorised():
                    return
                with owner._lock:
                    owner.states.pop(self.key, None)
                self._reply(HTTPStatus.OK)

            def do_LOCK(self) -> None:
                if not self._authorised():
                    return
                body = self._body()
                with owner._lock:
                    held = owner.locks.get(self.key)
                    if held is None:
                        owner.locks[self.key] = body
                if held is None:
                    self._reply(HTTPStatus.OK)
                else:
                    self._reply(HTTPStatus.LOCKED, held)

            def do_UNLOCK(self) -> None:
                if not self._authorised():
                    return
                self._body()
                with owner._lock:
                    owner.locks.pop(self.key, None)
                self._reply(HTTPStatus.OK)

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="state-server", daemon=True).start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def resources(self, path: str) -> list[str]:
        """Addresses of the resources in the state at ``path`` (``/state/<package>/<step>``)."""
        with self._lock:
            raw = self.states.get(path)
        if not raw:
            return []
        state = json.loads(raw)
        return [f"{r.get('module', '') + '.' if r.get('module') else ''}{r['type']}.{r['name']}"
                for r in state.get("resources", []) if r.get("mode") == "managed"]
