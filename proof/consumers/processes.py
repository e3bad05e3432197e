"""Ending the proof's child processes: wait for a clean exit, kill what does not come."""

from __future__ import annotations

import subprocess


def wait_or_kill(process: subprocess.Popen, timeout: float = 30) -> None:  # type: ignore[type-arg]
    """Wait ``timeout`` seconds for ``process`` to exit after it was asked to; kill it if it has not."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
