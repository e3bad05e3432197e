"""The ``mass`` CLI, as the author loop calls it: is it usable here, publish, configure and deploy.

Command forms (massdriver-cloud/mass): ``mass bundle publish --development`` publishes
``<version>-dev.<timestamp>`` from the bundle directory. The ``package`` command group is now
``instance``; current releases configure and deploy in one call,
``mass instance deploy <slug> --params <file> --message <text>`` (the params replace the instance's
configuration; the command waits for the deployment), while earlier ``instance`` releases
configure first with ``mass instance configure <slug> --params <file>``. Which form the installed
CLI speaks is asked once, from ``mass instance deploy --help``.

Credentials are looked up the way the CLI's SDK does: ``MASSDRIVER_API_KEY`` and
``MASSDRIVER_ORGANIZATION_ID`` (or ``MASSDRIVER_ORG_ID``) from the environment, each falling back to
the selected profile (``MASSDRIVER_PROFILE``, else ``current_profile``, else ``default``) of
``$XDG_CONFIG_HOME/massdriver/config.yaml`` (``~/.config`` when unset).

This module is part of the watcher itself: it is not reloaded while ``make watch`` runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from author.console import say

PUBLISH_TIMEOUT_S = 600
# The CLI polls a deployment for up to 5 minutes itself; allow for that and the API calls around it.
DEPLOY_TIMEOUT_S = 420


def config_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "massdriver" / "config.yaml"


def _profile() -> dict[str, Any]:
    path = config_file()
    if not path.is_file():
        return {}
    import yaml

    try:
        document = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return {}
    profiles = document.get("profiles") if isinstance(document, dict) else None
    if not isinstance(profiles, dict):
        return {}
    name = os.environ.get("MASSDRIVER_PROFILE") or document.get("current_profile") or "default"
    profile = profiles.get(name)
    return profile if isinstance(profile, dict) else {}


def missing_credentials() -> list[str]:
    """What the CLI would lack to talk to Massdriver: [] when both the API key and the organization are set."""
    profile = _profile()
    missing = []
    if not (os.environ.get("MASSDRIVER_API_KEY") or profile.get("api_key")):
        missing.append("MASSDRIVER_API_KEY")
    if not (os.environ.get("MASSDRIVER_ORGANIZATION_ID") or os.environ.get("MASSDRIVER_ORG_ID")
            or profile.get("organization_id")):
        missing.append("MASSDRIVER_ORGANIZATION_ID")
    return missing


class MassCli:
    def __init__(self, executable: str = "mass") -> None:
        self.executable = executable
        self._deploy_takes_params: bool | None = None

    def available(self) -> tuple[bool, str]:
        """Whether publishing can work here, and if not, why (one line)."""
        if shutil.which(self.executable) is None:
            return False, f"the {self.executable} CLI is not on PATH"
        missing = missing_credentials()
        if missing:
            return False, (f"no Massdriver credentials: set {' and '.join(missing)} "
                           f"(or a profile in {config_file()})")
        return True, ""

    def _run(self, args: list[str], cwd: Path | None, timeout: int) -> bool:
        shown = " ".join([self.executable, *args])
        started = time.monotonic()
        say(f"$ {shown}")
        try:
            # The CLI's own output goes straight to the terminal: its errors are the useful part.
            result = subprocess.run([self.executable, *args], cwd=cwd, timeout=timeout, stdin=subprocess.DEVNULL,
                                    check=False)
        except subprocess.TimeoutExpired:
            say(f"{shown}: no answer after {timeout}s; stopped it")
            return False
        except OSError as exc:
            say(f"{shown}: could not run it: {exc.strerror}")
            return False
        if result.returncode != 0:
            say(f"{shown}: failed (exit {result.returncode}, {time.monotonic() - started:.1f}s)")
            return False
        say(f"{shown}: ok ({time.monotonic() - started:.1f}s)")
        return True

    def publish_development(self, root: Path) -> bool:
        return self._run(["bundle", "publish", "--development"], root, PUBLISH_TIMEOUT_S)

    def deploy_takes_params(self) -> bool:
        """Current CLIs configure with ``instance deploy --params``; earlier ones need ``instance configure``."""
        if self._deploy_takes_params is None:
            try:
                result = subprocess.run([self.executable, "instance", "deploy", "--help"], capture_output=True,
                                        text=True, timeout=30, stdin=subprocess.DEVNULL, check=False)
                self._deploy_takes_params = "--params" in result.stdout + result.stderr
            except (OSError, subprocess.TimeoutExpired):
                self._deploy_takes_params = True
        return self._deploy_takes_params

    def configure_and_deploy(self, instance: str, params: Path, message: str) -> bool:
        """Replace the instance's params with the file's and deploy it (waits for the deployment)."""
        if self.deploy_takes_params():
            return self._run(["instance", "deploy", instance, "--params", str(params), "--message", message],
                             None, DEPLOY_TIMEOUT_S)
        return (self._run(["instance", "configure", instance, "--params", str(params)], None, DEPLOY_TIMEOUT_S)
                and self._run(["instance", "deploy", instance, "--message", message], None, DEPLOY_TIMEOUT_S))


def main() -> int:
    """``python -m author.mass_cli``: exit 1 with the reason when publishing cannot work here."""
    usable, why = MassCli().available()
    if not usable:
        print(f"cannot publish: {why}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
