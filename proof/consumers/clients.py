"""The three real clients of the proof.

Each connects with an ``Endpoint`` (the artifact's fields) and the CA file standing for the downloaded bundle, asks
the server whether the session is TLS, and says ``Outcome``.

- ``psql``: libpq keyword parameters, ``host`` the artifact's hostname, ``hostaddr=127.0.0.1``.
- ``psycopg``: the ``DATABASE_URL`` (parsed by libpq), ``hostaddr=127.0.0.1`` passed as an extra keyword.
- ``node``: the ``DATABASE_URL`` given to ``pg.Client({connectionString})`` in one long-running Node process
  (``node/client.mjs``), which sends the artifact's hostnames to 127.0.0.1 by overriding ``dns.lookup``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from proof.consumers.contract import Endpoint
from proof.consumers.processes import wait_or_kill
from proof.node_packages import npm_ci
from proof.state_server import LOOPBACK

NODE_DIR = Path(__file__).resolve().parent / "node"
STATUS = "select ssl, version from pg_stat_ssl where pid = pg_backend_pid()"
TLS_ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str  # the TLS version on success, the client's error otherwise


def _checked(ssl: bool, version: str | None, minimum: str) -> Outcome:
    """A session is only a success if it is TLS at the artifact's minimum version or newer."""
    if not ssl:
        return Outcome(False, "connected without TLS")
    if version not in TLS_ORDER or (minimum in TLS_ORDER and TLS_ORDER.index(version) < TLS_ORDER.index(minimum)):
        return Outcome(False, f"TLS version {version}, below the artifact's minimum_version {minimum}")
    return Outcome(True, version)


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else "(no message)"


class Client(Protocol):
    name: str

    def connect(self, endpoint: Endpoint, ca_bundle: Path) -> Outcome: ...


class Psql:
    """libpq through ``psql``, from the server's own major."""

    name = "psql"

    def __init__(self, binary: Path) -> None:
        self.binary = binary
        # Nothing but the connection string: no PG* variables, no ~/.pgpass, no ~/.psqlrc (-X).
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | {"PGPASSFILE": os.devnull,
                                                                                     "PGCONNECT_TIMEOUT": "10"}

    def connect(self, endpoint: Endpoint, ca_bundle: Path) -> Outcome:
        conninfo = endpoint.keywords(ca_bundle, hostaddr=LOOPBACK)
        proc = subprocess.run([str(self.binary), conninfo, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                               "-F", "|", "-c", "select 1", "-c", STATUS], capture_output=True, text=True,
                              env=self.env, timeout=60)
        if proc.returncode != 0:
            return Outcome(False, _first_line(proc.stderr or proc.stdout))
        rows = proc.stdout.split()
        if len(rows) != 2 or rows[0] != "1":
            return Outcome(False, f"unexpected output: {proc.stdout!r}")
        ssl, _, version = rows[1].partition("|")
        return _checked(ssl == "t", version, endpoint.minimum_version)


class Psycopg:
    """Python's psycopg 3 given the ``DATABASE_URL``; libpq (the one psycopg[binary] ships) parses it."""

    name = "psycopg"

    def connect(self, endpoint: Endpoint, ca_bundle: Path) -> Outcome:
        import psycopg

        try:
            with psycopg.connect(endpoint.database_url(ca_bundle), hostaddr=LOOPBACK, connect_timeout=10) as conn:
                row = conn.execute(STATUS).fetchone()
        except Exception as error:  # any failure is the client refusing the artifact: report it
            return Outcome(False, f"{type(error).__name__}: {_first_line(str(error))}")
        if row is None:
            return Outcome(False, "no pg_stat_ssl row for the session")
        return _checked(bool(row[0]), row[1], endpoint.minimum_version)


class Node:
    """node-postgres in one long-running process: one JSON line per connection."""

    name = "node"

    def __init__(self, node_dir: Path = NODE_DIR) -> None:
        self.node_dir = node_dir
        self._process: subprocess.Popen[str] | None = None
        self._stderr: Any = None

    def __enter__(self) -> Node:
        if shutil.which("node") is None:
            raise RuntimeError("node is required on PATH (Node 20) for the consumer proof's Node client")
        npm_ci(self.node_dir)
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self._process = subprocess.Popen(["node", str(self.node_dir / "client.mjs")], cwd=self.node_dir, text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                         bufsize=1)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            wait_or_kill(self._process)
            self._process = None
        if self._stderr is not None:
            self._stderr.close()

    def connect(self, endpoint: Endpoint, ca_bundle: Path) -> Outcome:
        process = self._process
        assert process is not None and process.stdin is not None and process.stdout is not None, "use `with Node()`"
        request = {"url": endpoint.database_url(ca_bundle), "resolve": {endpoint.hostname: LOOPBACK}}
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            raise RuntimeError(f"the Node client exited {process.poll()}: {_first_line(self._stderr.read()[-2000:])}")
        answer = json.loads(line)
        if not answer["ok"]:
            return Outcome(False, answer["error"])
        return _checked(answer["ssl"], answer["version"], endpoint.minimum_version)
