"""The proof's Node packages (the form preview's, the consumer proof's client): ``npm ci`` on first use."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def npm_ci(node_dir: Path) -> None:
    """``npm ci`` in ``node_dir`` when node_modules is missing or older than the lock file.

    npm writes ``node_modules/.package-lock.json`` on every install: newer than the lock file, nothing to do."""
    marker = node_dir / "node_modules" / ".package-lock.json"
    lock = node_dir / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    if shutil.which("npm") is None:
        raise RuntimeError(f"npm is required on PATH (Node 20) for the Node packages in {node_dir}")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=node_dir, check=True,
                   timeout=600)
