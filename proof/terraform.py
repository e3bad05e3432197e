"""Running Terraform offline: the stand-in providers' mirror, and the AWS provider mirror when the machine has one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from proof.standins.mirror import addresses, install

MIRROR_ENV = "TF_PROVIDER_MIRROR"
AWS_ADDRESS = "registry.terraform.io/hashicorp/aws"
_SEARCH_ROOTS = ("/opt", "/usr/local/share", "/usr/share", "/root/.terraform.d", "/var/lib")


@lru_cache(maxsize=1)
def find_mirror() -> Path | None:
    """Root of a filesystem mirror holding hashicorp/aws, or None (then Terraform uses the registry).

    ``$TF_PROVIDER_MIRROR`` wins; otherwise a few well-known roots are searched a few levels deep.
    """
    configured = os.environ.get(MIRROR_ENV)
    if configured:
        return Path(configured) if (Path(configured) / "registry.terraform.io/hashicorp/aws").is_dir() else None
    for root in _SEARCH_ROOTS:
        for current, dirs, _files in os.walk(root):
            if "registry.terraform.io" in dirs and Path(current, "registry.terraform.io/hashicorp/aws").is_dir():
                return Path(current)
            if current.count(os.sep) - root.count(os.sep) >= 3:
                dirs.clear()
    return None


def _cli_config(standins: Path, aws_mirror: Path | None) -> str:
    """Provider installation: the stand-ins from their mirror, hashicorp/aws from the machine's mirror if any."""
    local = [(standins, addresses())]
    if aws_mirror is not None:
        local.append((aws_mirror, [AWS_ADDRESS]))
    blocks = "".join(
        f'  filesystem_mirror {{\n    path    = "{path}"\n    include = {json.dumps(include)}\n  }}\n'
        for path, include in local)
    excluded = [address for _path, include in local for address in include]
    return f"provider_installation {{\n{blocks}  direct {{\n    exclude = {json.dumps(excluded)}\n  }}\n}}\n"


def cli_environment(build_dir: Path) -> dict[str, str]:
    """Environment for every terraform call: the stand-in providers, and the AWS mirror or a plugin cache.

    Presets run concurrently, so nothing one run reads may be rewritten by another's ``init``. With the
    (unpacked, read-only) mirrors, ``init`` links each working directory straight to them: no cache at all.
    Without an AWS mirror the registry download is cached; a cache entry is normally re-installed by every
    ``init`` of a directory without a lock file -- removed and linked again, which other runs' ``plan``
    hit as "there is no package ... cached in .terraform/providers" -- so the cache is told to trust
    its entries once filled (the first fill is serialised by the caller).
    """
    env = dict(os.environ)
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    env["CHECKPOINT_DISABLE"] = "1"
    # Terraform and the AWS provider are Go programs whose CPU goes largely to the garbage collector (the
    # provider's 1,500 schemas): collecting at 5x the live heap instead of 2x takes a plan of src from 10.1
    # to 7.9 CPU-seconds, within ~450 MB, and changes nothing a run does (bench/suite_profile.py).
    env.setdefault("GOGC", "400")
    # One OS thread running Go code each: the packages' processes share two cores, so a second one only adds the
    # runtime's spinning and parallel GC work. A one-preset e2e (2026-12-08): Terraform 46 -> 40 CPU-seconds, the
    # AWS provider 15 -> 13, same wall time (it waits on the provider's polls).
    env.setdefault("GOMAXPROCS", "1")
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    aws_mirror = find_mirror()
    rc = build_dir / "terraform.rc"
    rc.parent.mkdir(parents=True, exist_ok=True)
    rc.write_text(_cli_config(install(build_dir / "standin-mirror"), aws_mirror))
    env["TF_CLI_CONFIG_FILE"] = str(rc)
    if aws_mirror is None:
        cache = build_dir / "plugin-cache"
        cache.mkdir(parents=True, exist_ok=True)
        env["TF_PLUGIN_CACHE_DIR"] = str(cache)
        env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] = "1"
    return env


class TerraformError(RuntimeError):
    pass


REATTACH_ENV = "TF_REATTACH_PROVIDERS"


class ReattachedProvider:
    """One AWS provider process that a package's Terraform commands attach to, instead of starting three.

    Each command starts every provider once per graph walk (a plan: schema, validate, plan), and the AWS
    provider costs ~1.5 CPU-seconds a start before it does anything. The same binary ``init`` installed is
    started once in its debug mode (``-debug``: it prints the ``TF_REATTACH_PROVIDERS`` value Terraform
    attaches with; Terraform neither starts nor stops it) with the environment the commands have. One
    package's commands run one at a time, so one process serves one provider configuration at a time. It runs
    in the step directory, as Terraform runs the providers it starts: relative paths (the failover function's
    ``./writer-failover.zip``) resolve there.
    ``init`` and cut-short runs (``run_interrupted``, ``run_killed``) never attach (``Step.terraform``'s
    ``attach``): the first installs and locks the provider, the others must cancel or kill the provider they
    started, as in production.
    With ``keep_types``, the commands attach through ``schema_proxy``: the provider's schema cut to those types
    (about 2 CPU-seconds less a command), every other call passed on as it is.
    """

    def __init__(self, binary: Path, env: dict[str, str], cwd: Path, log: Path, nice: int = 0,
                 startup_timeout: float = 60.0, keep_types: set[str] | None = None) -> None:
        self.binary, self.cwd, self.log, self.nice, self.startup_timeout = binary, cwd, log, nice, startup_timeout
        self.keep_types = keep_types
        self._proxy: subprocess.Popen[str] | None = None
        # A debug server logs at trace level unless told otherwise. And a provider configured a second time in
        # one process with a CA bundle fails ("unable to add custom RootCAs HTTPClient"): the emulator is
        # plain HTTP, so the machine's AWS_CA_BUNDLE is left out.
        quiet = {"TF_LOG": "off", "TF_LOG_PROVIDER": "off", "TF_LOG_PROVIDER_AWS": "off", "TF_LOG_SDK": "off"}
        self.env = {**{k: v for k, v in env.items() if k != "AWS_CA_BUNDLE"}, **quiet}
        self._proc: subprocess.Popen[str] | None = None
        self.reattach = ""

    @staticmethod
    def installed(step_dir: Path) -> Path | None:
        """The AWS provider binary ``init`` installed for a step directory, or None."""
        found = sorted((step_dir / ".terraform" / "providers" / AWS_ADDRESS).glob("*/*/terraform-provider-aws*"))
        return found[-1] if found else None

    def __enter__(self) -> ReattachedProvider:
        handle = self.log.open("a")
        self._proc = subprocess.Popen(niced([str(self.binary), "-debug"], self.nice), cwd=self.cwd, env=self.env, text=True,
                                      stdout=subprocess.PIPE, stderr=handle, start_new_session=True)
        handle.close()
        announced = threading.Event()
        threading.Thread(target=self._read, args=(self._proc.stdout, announced), daemon=True).start()
        # The deadline holds even when the process prints nothing at all: the reader thread waits for lines.
        if not announced.wait(self.startup_timeout) or not self.reattach:
            self.__exit__(None, None, None)
            raise TerraformError(f"{self.binary} -debug printed no {REATTACH_ENV} within {self.startup_timeout:.0f} s "
                                 f"(see {self.log})")
        json.loads(self.reattach)
        if self.keep_types is not None:
            self._through_proxy(self.keep_types)
        return self

    def _through_proxy(self, keep: set[str]) -> None:
        """Point the reattach value at a ``schema_proxy`` in front of the provider."""
        (address, config), = json.loads(self.reattach).items()
        root = Path(__file__).resolve().parent.parent
        self._proxy = subprocess.Popen(niced([sys.executable, "-m", "proof.schema_proxy", config["Addr"]["String"],
                                              ",".join(sorted(keep))], self.nice),
                                       cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                       start_new_session=True)
        assert self._proxy.stdout is not None
        socket = self._proxy.stdout.readline().strip()
        if not socket:
            self.__exit__(None, None, None)
            raise TerraformError("the schema proxy exited before it served (proof/schema_proxy.py)")
        self.reattach = json.dumps({address: {**config, "Addr": {"Network": "unix", "String": socket}}})

    def _read(self, stream: Any, announced: threading.Event) -> None:
        """Take the reattach value from the debug server's stdout, then keep its other lines in the log."""
        with self.log.open("a") as handle:
            for line in stream:
                if not announced.is_set() and f"{REATTACH_ENV}='" in line:
                    self.reattach = line.split(f"{REATTACH_ENV}='", 1)[1].rsplit("'", 1)[0]
                    announced.set()
                    continue
                handle.write(line)
                handle.flush()
        announced.set()  # the process ended (or closed stdout) without announcing: fail now, not at the deadline

    def environment(self) -> dict[str, str]:
        return {REATTACH_ENV: self.reattach}

    @property
    def entry(self) -> dict[str, Any]:
        """address -> the config Terraform reattaches with."""
        value: dict[str, Any] = json.loads(self.reattach)
        return value

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def __exit__(self, *exc: object) -> None:
        if self._proxy is not None:
            _end_by_stdin(self._proxy)
            self._proxy = None
        if self._proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self._proc.send_signal(signal.SIGINT)  # the debug server's way out
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=10)
        self._proc = None


class UnmanagedStandIn:
    """One stand-in provider process (``standins.protocol.serve_unmanaged``) that a package's commands attach to.

    Terraform starts each provider once per graph walk: three starts of each stand-in a plan, 0.2 CPU-seconds each.
    The random stand-in does the same for any command. The massdriver stand-in reads the command's ``MASSDRIVER_*``
    (the step, the deployment action), so it is started with the ``env`` of one step's commands for one action, and
    serves only those: what a provider Terraform started for such a command would have read."""

    def __init__(self, name: str, nice: int = 0, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        if name == "massdriver" and (env is None or cwd is None):
            raise ValueError("the massdriver stand-in reads each command's environment: start it with that of the "
                             "step and action it serves, in the step's directory")
        self.name, self.nice, self.env, self.cwd = name, nice, env, cwd
        self._proc: subprocess.Popen[str] | None = None
        self.entry: dict[str, Any] = {}

    def __enter__(self) -> UnmanagedStandIn:
        root = Path(__file__).resolve().parent.parent
        # In the step's directory, as Terraform starts a provider: the massdriver stand-in opens ../schema-*.json.
        env = {**(self.env if self.env is not None else os.environ), "PYTHONPATH": str(root)}
        self._proc = subprocess.Popen(niced([sys.executable, "-m", "proof.standins", self.name, "--unmanaged"], self.nice),
                                      cwd=self.cwd or root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, start_new_session=True)
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.strip():
            self.__exit__()
            raise TerraformError(f"the {self.name} stand-in exited before it served (proof/standins)")
        self.entry = json.loads(line)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            _end_by_stdin(self._proc)
            self._proc = None


def _end_by_stdin(proc: subprocess.Popen[str], timeout: float = 10) -> None:
    """Stop a helper that serves until its stdin closes (the schema proxy, an unmanaged stand-in); kill it if it lingers."""
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


def reattach_environment(*entries: dict[str, Any]) -> dict[str, str]:
    """``TF_REATTACH_PROVIDERS`` naming every provider of ``entries`` (each: address -> its reattach config)."""
    merged: dict[str, Any] = {}
    for entry in entries:
        merged.update(entry)
    return {REATTACH_ENV: json.dumps(merged)}


def niced(command: list[str], nice: int) -> list[str]:
    """``command`` run at a lower CPU priority (``nice -n``) when ``nice`` > 0.

    The e2e lets the packages on its critical path (the day-2 ones) go first on a machine with two cores; nothing else
    about the run changes."""
    return ["nice", "-n", str(nice), *command] if nice > 0 else command


@dataclass
class Terraform:
    workdir: Path
    env: dict[str, str]
    log: Path
    timings: dict[str, float] = field(default_factory=dict)
    nice: int = 0  # see ``niced``

    def run(self, *args: str, timeout: float = 1200, ok_codes: tuple[int, ...] = (0,), label: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        binary = shutil.which("terraform")
        if binary is None:
            raise TerraformError("terraform is not on PATH")
        started = time.monotonic()
        proc = subprocess.run(niced([binary, *args, *([] if args[0] in {"show", "output", "version"} else ["-no-color"])],
                                    self.nice), cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout)
        elapsed = time.monotonic() - started
        name = label or args[0]
        self.timings[name] = self.timings.get(name, 0.0) + elapsed
        with self.log.open("a") as handle:
            shown = "" if args[0] == "show" else proc.stdout  # plan JSON is kept in files of its own
            handle.write(f"$ terraform {' '.join(args)}  # exit {proc.returncode}, {elapsed:.1f}s\n{shown}{proc.stderr}\n")
        if proc.returncode not in ok_codes:
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-25:])
            raise TerraformError(f"terraform {' '.join(args)} in {self.workdir} exited {proc.returncode}:\n{tail}")
        return proc

    def run_interrupted(self, *args: str, interrupt_on: str, delay: float = 3.0, timeout: float = 1200,
                        label: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run terraform and interrupt it (SIGINT) once a line shows.

        ``delay`` seconds after a line containing ``interrupt_on`` appears, as a provisioner's graceful cancel does.
        Never raises for the exit code."""
        return self._run_cut_short(args, interrupt_on, delay, timeout, label, "interrupted", group=False)

    def run_killed(self, *args: str, kill_on: str, delay: float = 5.0, timeout: float = 1200,
                   label: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run terraform and kill it outright (SIGKILL) once a line shows.

        ``delay`` seconds after a line containing ``kill_on`` appears, to its whole process group, provider plugins
        included: an evicted pod, an out-of-memory kill. Nothing is cleaned up: the state keeps its lock and what the
        last intermediate snapshot held. Never raises for the exit code."""
        return self._run_cut_short(args, kill_on, delay, timeout, label, "killed", group=True)

    def _run_cut_short(self, args: tuple[str, ...], trigger: str, delay: float, timeout: float, label: str | None,
                       how: str, *, group: bool) -> subprocess.CompletedProcess[str]:
        """Run terraform, then ``delay`` seconds after a line containing ``trigger``.

        SIGINT to terraform, or (``group``) SIGKILL to the process group it was started in, its plugins included."""
        binary = shutil.which("terraform")
        if binary is None:
            raise TerraformError("terraform is not on PATH")
        started = time.monotonic()
        proc = subprocess.Popen(niced([binary, *args, "-no-color"], self.nice), cwd=self.workdir, env=self.env,
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=group)

        def cut() -> None:
            with contextlib.suppress(ProcessLookupError):
                if group:
                    os.killpg(proc.pid, signal.SIGKILL)
                else:
                    proc.send_signal(signal.SIGINT)

        lines: list[str] = []
        timer: threading.Timer | None = None
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if timer is None and trigger in line:
                timer = threading.Timer(delay, cut)
                timer.start()
        stderr = proc.stderr.read() if proc.stderr else ""
        proc.wait(timeout=timeout)
        if timer is not None:
            timer.cancel()
        elapsed = time.monotonic() - started
        name = label or args[0]
        self.timings[name] = self.timings.get(name, 0.0) + elapsed
        stdout = "".join(lines)
        with self.log.open("a") as handle:
            handle.write(f"$ terraform {' '.join(args)}  # {how} on {trigger!r}: exit {proc.returncode}, "
                         f"{elapsed:.1f}s\n{stdout}{stderr}\n")
        return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
