"""A real PostgreSQL server on 127.0.0.1 that behaves, for a client, as the bundle's cluster does.

- Debian's ``postgresql`` package: the newest ``/usr/lib/postgresql/<major>/bin``.
- TLS from a throwaway CA (``tls``), the certificate naming the artifacts' hostnames;
  ``ssl_min_protocol_version`` is the artifact's ``minimum_version``; ``pg_hba.conf`` has ``hostssl`` lines
  only, with SCRAM: a TCP connection without TLS is refused, which is what ``rds.force_ssl = 1`` does.
  No Unix socket: even the proof's own administration connects over TLS with a password.
- The artifact's port on 127.0.0.1; the artifact's hostnames reach it through the clients' ``hostaddr``
  (libpq) or a ``dns.lookup`` override (Node), never through /etc/hosts.
- PostgreSQL refuses to run as root: as root, initdb and postgres run as the ``postgres`` system user
  (``setpriv``), in a private temporary directory it owns; everything is removed on ``stop``.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from proof.consumers import tls
from proof.consumers.contract import DATABASE, Endpoint
from proof.consumers.processes import wait_or_kill
from proof.state_server import LOOPBACK

PG_ROOT = Path("/usr/lib/postgresql")
ADMIN = "postgres"
INSTALL_HINT = "install Debian's postgresql package (apt-get install -y postgresql, as root) or run make system-packages"


class ServerError(RuntimeError):
    pass


def bin_dir(root: Path = PG_ROOT) -> Path:
    """The newest installed major's binaries (``initdb``, ``postgres``, ``psql``)."""
    majors = sorted((p for p in root.glob("*") if re.fullmatch(r"\d+", p.name)
                     and all((p / "bin" / b).exists() for b in ("initdb", "postgres", "psql"))),
                    key=lambda p: int(p.name))
    if not majors:
        raise ServerError(f"no PostgreSQL server under {root}/<major>/bin: {INSTALL_HINT}")
    return majors[-1] / "bin"


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as postgres binds: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _single(values: set[Any], what: str) -> Any:
    if len(values) != 1:
        raise ServerError(f"the artifacts disagree on {what}: {sorted(map(str, values))}; one server serves one value")
    return next(iter(values))


_PORTS_HELD: set[int] = set()  # the ports this process's servers hold the machine-wide lock of


class PostgresServer:
    """``with PostgresServer(endpoints) as server:`` -- started, and stopped and removed at the end."""

    def __init__(self, endpoints: list[Endpoint], binaries: Path | None = None) -> None:
        self.endpoints = endpoints
        self.hostnames = sorted({e.hostname for e in endpoints})
        self.port = int(_single({e.port for e in endpoints}, "data.authentication.port"))
        self.minimum_version = _single({e.minimum_version for e in endpoints}, "data.security.tls.minimum_version")
        self.bin = binaries or bin_dir()
        self.dir: Path | None = None
        self.ca_bundles: dict[str, Path] = {}  # ca_bundle_url -> the local file standing for it
        self._process: subprocess.Popen[bytes] | None = None
        self._admin: Any = None
        self._admin_password = secrets.token_hex(16)
        self._port_lock: IO[str] | None = None

    # -- life cycle -------------------------------------------------------------------------------
    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self.stop()

    def _as_owner(self) -> list[str]:
        """The prefix that runs a server binary as the ``postgres`` user when we are root."""
        if os.geteuid() != 0:
            return []
        if shutil.which("setpriv") is None:
            raise ServerError("setpriv is missing (util-linux): PostgreSQL refuses to run as root")
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]

    def _own(self, *paths: Path) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in paths:
                os.chown(path, user.pw_uid, user.pw_gid)

    def start(self) -> None:
        # The artifacts name one port, so two proofs on this machine (the suite's two workers) take turns; a
        # second server in the same process finds the port taken, as before.
        if self.port not in _PORTS_HELD:
            self._port_lock = open(Path(tempfile.gettempdir()) / f"aurora-consumer-proof-{self.port}.lock", "w")  # noqa: SIM115
            fcntl.flock(self._port_lock, fcntl.LOCK_EX)
            _PORTS_HELD.add(self.port)
        if not port_is_free(self.port):
            raise ServerError(f"{LOOPBACK}:{self.port} (the artifacts' port) is taken: stop what listens there "
                              f"(ss -ltnp 'sport = :{self.port}'; a cluster the postgresql package started: pg_lsclusters)")
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise ServerError(f"no postgres system user to run the server as: {INSTALL_HINT}") from None
        self.dir = Path(tempfile.mkdtemp(prefix="consumer-proof-pg-"))
        self._own(self.dir)
        files = tls.write(self.dir, self.hostnames)
        self._own(files.server_cert, files.server_key)
        files.ca_cert.chmod(0o644)
        self.ca_bundles = {e.ca_bundle_url: files.ca_cert for e in self.endpoints}
        pwfile = self.dir / "admin-password"
        pwfile.write_text(self._admin_password + "\n")
        self._own(pwfile)
        data = self.dir / "data"
        self._run([str(self.bin / "initdb"), "-D", str(data), "-U", ADMIN, "--pwfile", str(pwfile),
                   "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions"], "initdb")
        pwfile.unlink()
        # rds.force_ssl = 1: "connections must use SSL/TLS"; only hostssl lines, so plain TCP gets no pg_hba match.
        (data / "pg_hba.conf").write_text("# The consumer proof: TLS only (as rds.force_ssl = 1), SCRAM passwords.\n"
                                          f"hostssl all all {LOOPBACK}/32 scram-sha-256\n")
        settings = {"listen_addresses": LOOPBACK, "port": str(self.port), "unix_socket_directories": "",
                    "ssl": "on", "ssl_cert_file": str(files.server_cert), "ssl_key_file": str(files.server_key),
                    "ssl_min_protocol_version": self.minimum_version, "password_encryption": "scram-sha-256",
                    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                    "logging_collector": "off", "log_min_messages": "warning"}
        with (data / "postgresql.conf").open("a") as conf:
            conf.write("\n# The consumer proof\n" + "".join(f"{k} = '{v}'\n" for k, v in settings.items()))
        log = (self.dir / "server.log").open("wb")
        self._process = subprocess.Popen([*self._as_owner(), str(self.bin / "postgres"), "-D", str(data)],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._wait_ready(data)
        self._admin = self._connect_admin()

    def _run(self, args: list[str], what: str) -> None:
        proc = subprocess.run([*self._as_owner(), *args], capture_output=True, text=True, timeout=120, cwd=self.dir)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
            raise ServerError(f"{what} failed (exit {proc.returncode}): {' | '.join(tail)}")

    def _wait_ready(self, data: Path, timeout: float = 60) -> None:
        assert self._process is not None
        deadline = time.monotonic() + timeout
        pidfile = data / "postmaster.pid"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerError(f"postgres exited {self._process.returncode} while starting: {self.log_tail()}")
            if pidfile.exists() and pidfile.read_text().rstrip().endswith("ready"):
                return
            time.sleep(0.05)
        raise ServerError(f"postgres not ready after {timeout:.0f}s: {self.log_tail()}")

    def log_tail(self, lines: int = 5) -> str:
        log = self.dir / "server.log" if self.dir else None
        return " | ".join(log.read_text(errors="replace").strip().splitlines()[-lines:]) if log and log.exists() else ""

    def stop(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)  # fast shutdown
            wait_or_kill(self._process)
        self._process = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        if self._port_lock is not None:
            self._port_lock.close()  # releases the lock
            self._port_lock = None
            _PORTS_HELD.discard(self.port)

    # -- what the proof asks of it ------------------------------------------------------------------
    def ca_for(self, endpoint: Endpoint) -> Path:
        """The local file standing for the CA bundle at the endpoint's ``ca_bundle_url``."""
        if endpoint.ca_bundle_url not in self.ca_bundles:
            raise ServerError(f"artifact {endpoint.name}: data.security.tls.ca_bundle_url {endpoint.ca_bundle_url!r} "
                              f"is not one this server stands in for ({sorted(self.ca_bundles)})")
        return self.ca_bundles[endpoint.ca_bundle_url]

    def _connect_admin(self) -> Any:
        import psycopg

        endpoint = self.endpoints[0]
        return psycopg.connect(host=endpoint.hostname, hostaddr=LOOPBACK, port=self.port, user=ADMIN,
                               password=self._admin_password, dbname=DATABASE, sslmode="verify-full",
                               sslrootcert=str(self.ca_for(endpoint)), autocommit=True, connect_timeout=10)

    def query(self, statement: str) -> list[tuple[Any, ...]]:
        """Rows of a query run as the server's superuser (over TLS, like everyone)."""
        assert self._admin is not None, "the server is not running"
        return self._admin.execute(statement).fetchall()

    def set_password(self, username: str, password: str) -> None:
        """The role ``username`` (created on first use, with LOGIN) now has ``password`` (stored as SCRAM)."""
        from psycopg import sql

        assert self._admin is not None, "the server is not running"
        exists = self._admin.execute("select 1 from pg_roles where rolname = %s", (username,)).fetchone()
        verb = "ALTER" if exists else "CREATE"
        self._admin.execute(sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(username),
                                                                                 sql.Literal(password)))
