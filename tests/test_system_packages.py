"""`make test` installs the system packages it needs when it can, and otherwise says in one line what to install."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "system-packages"


def test_a_missing_package_it_cannot_install_is_named_in_one_line(tmp_path: Path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "id").write_text("#!/bin/sh\necho 1000\n")  # not root: it may not install
    (fake / "id").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "CHROMIUM": str(tmp_path / "no-chromium")}
    proc = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("missing system packages: chromium")
    assert "apt-get install -y chromium" in line


def test_the_targets_that_need_chromium_or_postgresql_run_it_first():
    for target in ("test", "preview", "browser", "consumers", "e2e", "scan"):
        lines = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
        assert "scripts/system-packages" in lines, target
        assert lines.index("scripts/system-packages") < len(lines) - 1, target  # before the target's own command
