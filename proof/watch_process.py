"""Driving a ``make watch`` process from another program: the tests and the author-loop bench.

The watcher runs on a copy of the bundle (so edits never touch the working tree), in a process
group of its own like a terminal job, and its output is collected line by line as it comes.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from author.watch import INPUT_DIRS, ROOT_FILES

# What the watcher reads and writes (README.md: generate.py updates its params table); enough to run
# it (the loop itself is author/), and generate.py, in a copy.
BUNDLE = (*ROOT_FILES, *INPUT_DIRS, "author", "kms", "src", "README.md")


def copy_bundle(source: Path, target: Path) -> Path:
    for name in BUNDLE:
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source / name, target / name)
    return target


class WatchTimeout(AssertionError):
    pass


class WatchProcess:
    """``python -m author.watch`` on ``root`` and the lines it has printed so far."""

    def __init__(self, root: Path, env: dict[str, str] | None = None, *args: str) -> None:
        self.root = root
        self.lines: list[str] = []
        self._changed = threading.Condition()
        env = {**(env or os.environ), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "author.watch", "--root", str(root), *args],
                                        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for(self, wanted: Callable[[str], bool], since: int, timeout: float = 60) -> int:
        """Index of the first line after ``since`` that is ``wanted``; ``WatchTimeout`` with the output otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index in range(since, len(self.lines)):
                    if wanted(self.lines[index]):
                        return index
                left = deadline - time.monotonic()
                if left <= 0 or self.process.poll() is not None:
                    raise WatchTimeout("the watcher did not print the expected line; it printed:\n" + self.output())
                self._changed.wait(min(left, 0.5))

    def wait_ready(self, timeout: float = 180) -> None:
        self.wait_for(lambda line: "(Ctrl-C to stop)" in line, 0, timeout)

    def output(self, since: int = 0) -> str:
        return "\n".join(self.lines[since:])

    def interrupt(self, timeout: float = 30) -> int:
        """Ctrl-C, as a terminal sends it: SIGINT to the whole process group. Returns the exit status."""
        os.killpg(self.process.pid, signal.SIGINT)
        status = self.process.wait(timeout=timeout)
        time.sleep(0.1)  # the reader thread takes the last lines
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
