"""``make watch``: the author loop. One process, the jsii runtime loaded once, a cycle per burst of saves.

Each cycle: validate and regenerate kms/ and src/ (Python modules of the generator reloaded when
one changed), then, when the ``mass`` CLI and Massdriver credentials are present, republish with
``mass bundle publish --development`` and configure and deploy every development instance mapped in
``.watch.local.yaml`` (see ``dev_instances``). Invalid input prints the one-line errors and keeps
the last good output. Bursts of saves are grouped; cycles never overlap (changes made during a
cycle start the next one); a second watcher on the same bundle is refused; Ctrl-C stops cleanly.

Run ``python -m author.watch [--root DIR]``.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib
import importlib.util
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

from aurora_bundle.terraform import bindings
from author import mass_cli
from author.console import say

PACKAGE = "aurora_bundle"
# Modules of the loop itself: they keep running while the generator's modules are reloaded.
# The loop (author/) is outside the generator's package and never reloaded; of the package, only the
# bindings loader stays.
LOOP_MODULES = {bindings.__name__}
ROOT_FILES = ("massdriver.yaml", "generate.py")
INPUT_DIRS = ("schemas", "artifacts", "examples", PACKAGE)
INPUT_SUFFIXES = (".yaml", ".yml", ".json", ".py")
SKIPPED_DIRS = {"__pycache__"}
STEP_MS = 50  # a burst ends after this long without another save (an editor's save is one write, or a write and a rename)
MAX_BURST_MS = 2_000  # a cycle starts at the latest this long after the first save of a burst
ARMED_MS = 100  # how soon the watch reports itself armed (and then how often it looks at the stop flag)
BUILD_DIR = Path("build")
DEPLOY_PARAMS_DIR = BUILD_DIR / "watch"


def watched_dirs(root: Path) -> list[Path]:
    """The root (for massdriver.yaml and generate.py) and every directory of the inputs, each watched alone.

    Directories rather than files, so an editor's save-by-rename is seen; not the root recursively,
    which would put inotify watches on .venv and .git.
    """
    dirs = [root]
    for name in INPUT_DIRS:
        top = root / name
        if top.is_dir():
            dirs.append(top)
            dirs += sorted(p for p in top.rglob("*") if p.is_dir() and not SKIPPED_DIRS & set(p.relative_to(root).parts))
    return dirs


def is_input(root: Path, path: Path, watched: Collection[Path] = ()) -> bool:
    """Whether a change at ``path`` means a new cycle.

    Inputs are massdriver.yaml, generate.py and the YAML, JSON and Python files under the input
    directories, plus subdirectories there coming or going (an example added, say; ``watched`` are
    the directories watched now). Editors' swap, backup and temporary files are not.
    """
    try:
        relative = path.relative_to(root)
    except ValueError:
        return False
    name = relative.name
    if not relative.parts or name.startswith((".", "#")) or name.endswith("~") or SKIPPED_DIRS & set(relative.parts):
        return False
    if len(relative.parts) == 1:
        return name in ROOT_FILES
    if relative.parts[0] not in INPUT_DIRS:
        return False
    return relative.suffix in INPUT_SUFFIXES or path.is_dir() or path in watched


class Generator:
    """The generator's modules, imported afresh after one of them changed (cdktf and jsii stay loaded)."""

    def preload(self) -> float:
        """Pay the jsii start-up once: load the cdktf runtime and the provider bindings' assemblies."""
        started = time.monotonic()
        # The jsii kernel (a node process, started by the first import) runs in a session of its own:
        # a Ctrl-C in the terminal then stops only this loop, which shuts the kernel down cleanly at
        # exit, instead of also killing the kernel under it (node resets an inherited SIG_IGN).
        popen = subprocess.Popen

        def detached(*args: Any, **kwargs: Any) -> Any:
            return popen(*args, **{"start_new_session": True, **kwargs})

        subprocess.Popen = detached  # type: ignore[misc]
        try:
            bindings.seed()
            for name in ("cdktf", "cdktf_cdktf_provider_aws._jsii", "cdktf_cdktf_provider_random._jsii"):
                importlib.import_module(name)
        finally:
            subprocess.Popen = popen  # type: ignore[misc]
        return time.monotonic() - started

    def reload(self, changed: list[Path]) -> None:
        """Import the generator afresh: its modules (and the package, which holds them as attributes) are forgotten."""
        for path in changed:
            if path.suffix == ".py":
                # A .pyc is trusted when the source's size and mtime (in whole seconds) match: a second
                # save of the same length within the same second would otherwise load the old code.
                Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)
        for name in [n for n in sys.modules if (n == PACKAGE or n.startswith(PACKAGE + ".")) and n not in LOOP_MODULES]:
            del sys.modules[name]
        importlib.invalidate_caches()

    def module(self, name: str) -> Any:
        """The generator's module ``name``, as imported since the last reload."""
        return importlib.import_module(f"{PACKAGE}.{name}")


class Loop:
    def __init__(self, root: Path, cli: mass_cli.MassCli | None) -> None:
        self.root = root
        self.cli = cli  # None: regenerate only
        self.generator = Generator()
        self.cycles = 0
        # Inputs the last cycle wrote itself (what the tables generate in schemas/, massdriver.yaml and
        # examples/), as it left them: seeing them change is no reason for another cycle.
        self.own_writes: dict[Path, tuple[int, int] | None] = {}

    def cycle(self, changed: list[Path]) -> None:
        """Validate, regenerate, republish, redeploy. Whatever a cycle meets, the loop goes on."""
        own, self.own_writes = self.own_writes, {}
        if changed:
            changed = [path for path in changed if path not in own or own[path] != _stat(path)]
            if not changed:
                return
        try:
            self._cycle(changed)
        except Exception:  # e.g. an unreadable .watch.local.yaml, a full disk: the next save may fix it
            traceback.print_exc(file=sys.stdout)
            say("the cycle failed; still watching")

    def _cycle(self, changed: list[Path]) -> None:
        started = time.monotonic()
        self.cycles += 1
        names = ", ".join(sorted({str(p.relative_to(self.root)) for p in changed})) or "start"
        say(f"cycle {self.cycles}: {names}")
        stale_loop = sorted(str(p.relative_to(self.root)) for p in changed if _module_name(self.root, p) in LOOP_MODULES)
        if stale_loop:
            say(f"note: {', '.join(stale_loop)} is part of the watcher itself: restart make watch to use the change")
        if any(p.suffix == ".py" for p in changed):
            self.generator.reload(changed)
        if not self._generate():
            say(f"kept the last good output ({time.monotonic() - started:.2f}s)")
            return
        if changed and self.cli is not None:  # the start-up cycle only brings the output up to date
            self._publish_and_deploy(self.cli, names)
        say(f"ready ({time.monotonic() - started:.2f}s)")

    def _generate(self) -> bool:
        started = time.monotonic()
        try:
            written = self.generator.module("cli").build(self.root)
        except Exception as error:
            if not _is_bundle_error(error):
                traceback.print_exc(file=sys.stdout)  # the author's own generator code is broken: show where
                say("the generator failed; nothing was written")
                return False
            _print_problems(error, "nothing was written")
            return False
        self.own_writes = {path: _stat(path) for path in written if is_input(self.root, path)}
        files = ", ".join(str(p.relative_to(self.root)) for p in written) if written else "no changes"
        say(f"generated in {time.monotonic() - started:.2f}s: {files}")
        return True

    def _publish_and_deploy(self, cli: mass_cli.MassCli, reason: str) -> None:
        available, why = cli.available()
        if not available:
            say(f"not published: {why}")
            return
        if not cli.publish_development(self.root):
            say("publish failed: instances not redeployed")
            return
        dev_instances = importlib.reload(importlib.import_module("author.dev_instances"))  # against the new generator
        try:
            instances = dev_instances.load(self.root, self.generator.module("inputs.spec").load(self.root).examples)
        except Exception as error:
            if not _is_bundle_error(error):
                raise
            _print_problems(error, "published, but no instance redeployed")
            return
        if not instances:
            say(f"no development instances mapped in {dev_instances.CONFIG_FILE}: nothing to redeploy")
        for instance in instances:
            params = dev_instances.write_params(instance, self.root / DEPLOY_PARAMS_DIR)
            cli.configure_and_deploy(instance.instance, params, f"make watch: {reason}")


def _is_bundle_error(error: Exception) -> bool:
    """A ``BundleError`` of whichever generation of the errors module raised it (reloads make new classes)."""
    return type(error).__name__ == "BundleError" and isinstance(getattr(error, "problems", None), list)


def _print_problems(error: Any, outcome: str) -> None:
    for problem in error.problems:
        print(f"error: {problem}", flush=True)
    say(f"{len(error.problems)} problem(s); {outcome}")


def _module_name(root: Path, path: Path) -> str | None:
    relative = path.relative_to(root)
    if relative.suffix != ".py" or relative.parts[0] != PACKAGE:
        return None
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _stat(path: Path) -> tuple[int, int] | None:
    """A file's mtime and size, None when it is gone."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _inputs(root: Path) -> dict[Path, tuple[int, int]]:
    """Every input file with its mtime and size: what a restarted watch compares to catch up."""
    found = {}
    for folder in watched_dirs(root):
        for path in folder.iterdir():
            try:
                if path.is_file() and is_input(root, path):
                    stat = path.stat()
                    found[path] = (stat.st_mtime_ns, stat.st_size)
            except FileNotFoundError:  # deleted while looking: the watch reports it
                continue
    return found


def _bursts(root: Path, stop: threading.Event) -> Iterator[list[Path]]:
    """Changed inputs, one list per burst of saves.

    Yields [] whenever it has been quiet for a moment; the first yield says the watch is armed, so
    nothing saved from then on can be missed. When directories came or went, the watch is started
    again on the new set after that burst's cycle; what changed while that cycle ran (the old watch's
    pending events are dropped with it, and a new directory was not watched at all) is found by
    comparing the input files with how they were before the cycle, and reported with the first yield.
    """
    from watchfiles import watch

    before: dict[Path, tuple[int, int]] | None = None
    while not stop.is_set():
        dirs = watched_dirs(root)

        def wanted(_: object, path: str, dirs: list[Path] = dirs) -> bool:
            return is_input(root, Path(path), dirs)

        armed = False
        for changes in watch(*dirs, watch_filter=wanted, debounce=MAX_BURST_MS, step=STEP_MS, stop_event=stop,
                             recursive=False, rust_timeout=ARMED_MS, yield_on_timeout=True):
            found = {Path(path) for _, path in changes}
            if not armed:
                armed = True
                if before is not None:
                    now = _inputs(root)
                    found |= {path for path in before.keys() | now.keys() if before.get(path) != now.get(path)}
            restart = bool(found) and watched_dirs(root) != dirs
            before = _inputs(root) if restart else None
            yield sorted(found)
            if restart:
                break


def _lock(root: Path) -> int:
    """One watcher per bundle, or their cycles would interleave.

    The lock is held on the bundle directory itself, which ``make clean`` cannot delete under a
    running watcher; build/watch.pid only names the holder.
    """
    handle = os.open(root, os.O_RDONLY)
    pid_file = root / BUILD_DIR / "watch.pid"
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        owner = pid_file.read_text().strip() if pid_file.exists() else "?"
        raise SystemExit(f"another make watch is running on this bundle (pid {owner}); stop it first") from None
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{os.getpid()}\n")
    return handle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make watch", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="bundle directory (default: the current one)")
    parser.add_argument("--no-publish", action="store_true", help="regenerate only: never call the mass CLI")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    lock = _lock(root)
    # A supervisor's SIGTERM and a closing terminal's SIGHUP stop the loop the way Ctrl-C does; Ctrl-C
    # itself too, even when started from a shell that ignores SIGINT (a background job of a script
    # does: Python then leaves it ignored, and Ctrl-C would wait for the publish and never stop the loop).
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, signal.default_int_handler)
    stop = threading.Event()
    loop = Loop(root, None if args.no_publish else mass_cli.MassCli())
    try:
        say(f"loading the jsii runtime and provider bindings (once) ... {loop.generator.preload():.1f}s")
        available, why = loop.cli.available() if loop.cli else (False, "--no-publish")
        say("publishing to Massdriver after each change" if available else f"regenerating only: {why}")
        bursts = _bursts(root, stop)
        loop.cycle(next(bursts))  # armed before the first build: a save made during it starts the next cycle
        say(f"watching {', '.join(ROOT_FILES)}, {', '.join(d + '/' for d in INPUT_DIRS)} (Ctrl-C to stop)")
        for changed in bursts:
            if changed:
                loop.cycle(changed)
    except KeyboardInterrupt:
        stop.set()
        print(flush=True)
        say("stopped")
    finally:
        os.close(lock)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.exit(main())
