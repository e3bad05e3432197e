"""``Emulator``: the emulator in a child process of its own, started and always stopped by the tests."""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from proof.emulator import LOOPBACK, READY_PREFIX, TIMELINE_ENV, WATCH_PARENT_ENV


def _import_root() -> str:
    # <root>/proof/emulator/process.py -> <root>
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
        timeline: Path | None = None,
        log: Path | None = None,
    ) -> None:
        self.port = port
        self.timeline = timeline  # where instances' availability is logged (patches/rds_availability.py)
        # Where every line the server prints goes (one per request: method, path, status), beside the last 400 kept
        # in memory: the record a lost or late answer leaves.
        self.log = log
        self._log_file: IO[str] | None = None
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
        if self.timeline is not None:
            env[TIMELINE_ENV] = str(self.timeline)
        self._ready.clear()
        self._proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "proof.emulator",
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
        on_stderr: Callable[[str], None] = self._stderr.append
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            log = self._log_file = self.log.open("a", encoding="utf-8")

            def on_stderr(line: str) -> None:
                self._stderr.append(line)
                log.write(f"{time.time():.3f} {line}")
                log.flush()

        for stream, handler in (
            (proc.stdout, self._on_stdout),
            (proc.stderr, on_stderr),
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
            if self._log_file is not None:
                self._log_file.close()
                self._log_file = None
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
