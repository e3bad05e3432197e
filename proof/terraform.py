"""Running Terraform offline: the stand-in providers' mirror, and the AWS provider mirror when the machine has one."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

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


@dataclass
class Terraform:
    workdir: Path
    env: dict[str, str]
    log: Path
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *args: str, timeout: float = 1200, ok_codes: tuple[int, ...] = (0,), label: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        binary = shutil.which("terraform")
        if binary is None:
            raise TerraformError("terraform is not on PATH")
        started = time.monotonic()
        proc = subprocess.run([binary, *args, *([] if args[0] in {"show", "output", "version"} else ["-no-color"])],
                              cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout)
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
        """Run terraform and interrupt it (SIGINT, as a provisioner's graceful cancel does) ``delay``
        seconds after a line containing ``interrupt_on`` appears. Never raises for the exit code."""
        return self._run_cut_short(args, interrupt_on, delay, timeout, label, "interrupted", group=False)

    def run_killed(self, *args: str, kill_on: str, delay: float = 5.0, timeout: float = 1200,
                   label: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run terraform and kill it outright (SIGKILL to its whole process group, provider plugins
        included: an evicted pod, an out-of-memory kill) ``delay`` seconds after a line containing
        ``kill_on`` appears. Nothing is cleaned up: the state keeps its lock and what the last
        intermediate snapshot held. Never raises for the exit code."""
        return self._run_cut_short(args, kill_on, delay, timeout, label, "killed", group=True)

    def _run_cut_short(self, args: tuple[str, ...], trigger: str, delay: float, timeout: float, label: str | None,
                       how: str, *, group: bool) -> subprocess.CompletedProcess[str]:
        """Run terraform, then ``delay`` seconds after a line containing ``trigger``: SIGINT to terraform, or
        (``group``) SIGKILL to the process group it was started in, its plugins included."""
        binary = shutil.which("terraform")
        if binary is None:
            raise TerraformError("terraform is not on PATH")
        started = time.monotonic()
        proc = subprocess.Popen([binary, *args, "-no-color"], cwd=self.workdir, env=self.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=group)

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
