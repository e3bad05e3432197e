#!/usr/bin/env python3
"""The author loop, measured: ``make bench`` (or ``.venv/bin/python bench/author_loop.py``). Prints numbers; judges nothing.

1. Cold build: ``make build`` as a fresh process (forced: an unchanged bundle is not built again,
   which is measured too, as "make build, unchanged"), against the floor: a bare Python process that
   imports cdktf and the AWS binding modules this generator imports (found in its sources), which
   is where the jsii start-up goes. The ratio is build median / floor median (target ≤ 1.3). The
   generator imports only those modules (``aurora_bundle.terraform.bindings``), not the 2,135 the bindings'
   package imports, so it is also compared with a floor that does the same. Alternated, median of
   ``--runs``.
2. Warm regeneration in ``make watch`` (run on a copy of the bundle, ``--no-publish``): the time
   from a save to the watcher's "ready" line, after editing massdriver.yaml (a title that changes
   src/) and after editing a construct module (alarms.py, reloaded), median of ``--edits`` each
   (target ≤ 0.5 s). It includes the watcher's 50 ms quiet period that groups a burst of saves.
3. The fast test suite (``make unit``: ``make test`` minus e2e and scan), wall time (target ≤ 60 s).
"""

from __future__ import annotations

import argparse
import ast
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aurora_bundle.terraform.bindings import AWS_PACKAGE  # noqa: E402
from proof.watch_process import WatchProcess, copy_bundle  # noqa: E402


def binding_modules() -> list[str]:
    """cdktf plus every AWS binding module the generator imports (read from its sources, not listed by hand)."""
    modules = {"cdktf"}
    for source in (ROOT / "aurora_bundle").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(AWS_PACKAGE + "."):
                modules.add(node.module)
    return sorted(modules)


def timed(command: list[str]) -> float:
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


IMPORT = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]"
SEEDED_IMPORT = "from aurora_bundle.terraform.bindings import seed; seed(); " + IMPORT


def cold(runs: int) -> dict[str, float]:
    modules = binding_modules()
    commands = {
        "floor": [sys.executable, "-c", IMPORT, *modules],
        "floor, only these modules": [sys.executable, "-c", SEEDED_IMPORT, *modules],
        "make build": ["make", "--no-print-directory", "build", "BUILD_ARGS=--force"],
        "make build, unchanged": ["make", "--no-print-directory", "build"],
    }
    timed(commands["make build"])  # the virtual environment and page cache as a user's second build finds them
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command))
    medians = {name: statistics.median(times) for name, times in samples.items()}
    print(f"cold: floor = a bare process importing cdktf and the {len(modules) - 1} AWS binding modules the generator uses")
    for name, times in samples.items():
        print(f"cold: {name:<26} median {medians[name]:5.2f}s [{', '.join(f'{t:.2f}' for t in times)}]")
    ratio = medians["make build"] / medians["floor"]
    print(f"cold: ratio make build / floor {ratio:.2f} (target <= 1.3)")
    print(f"cold: ratio make build / floor importing only these modules (bindings.seed) "
          f"{medians['make build'] / medians['floor, only these modules']:.2f}")
    return {**medians, "ratio": ratio}


def _edit_and_wait(watcher: WatchProcess, path: Path, text: str) -> tuple[float, float]:
    """Save ``text`` to ``path``; (seconds until the cycle is ready, the watcher's own generation time)."""
    since = len(watcher.lines)
    started = time.monotonic()
    path.write_text(text)
    ready = watcher.wait_for(lambda line: "] ready (" in line or "kept the last good output" in line, since)
    elapsed = time.monotonic() - started
    if "ready" not in watcher.lines[ready]:
        raise SystemExit(f"the edit of {path.name} was rejected:\n{watcher.output(since)}")
    generated = next(line for line in watcher.lines[since:ready] if "generated in" in line)
    return elapsed, float(generated.split("generated in ")[1].split("s")[0])


def warm(edits: int) -> dict[str, float]:
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        root = copy_bundle(ROOT, Path(tmp))
        manifest, module = root / "massdriver.yaml", root / "aurora_bundle" / "aws" / "alarms.py"
        anchor = "      $ref: ./schemas/networking.json\n"
        variants = {
            "massdriver.yaml": (manifest, manifest.read_text(), lambda text, i: text.replace(
                anchor, f"{anchor}      title: Network placement {i}\n", 1)),
            "construct module (alarms.py)": (module, module.read_text(), lambda text, i: text.replace(
                '"Writer CPU utilization"', f'"Writer CPU utilization {i}"', 1)),
        }
        started = time.monotonic()
        watcher = WatchProcess(root, None, "--no-publish")
        try:
            watcher.wait_ready()
            print(f"warm: watcher started in {time.monotonic() - started:.1f}s (the one jsii start-up)")
            for name, (path, original, edit) in variants.items():
                samples = []
                for i in range(edits):
                    samples.append(_edit_and_wait(watcher, path, edit(original, i)))
                    time.sleep(0.4)  # each save its own burst
                _edit_and_wait(watcher, path, original)
                latencies = [s[0] for s in samples]
                median = statistics.median(latencies)
                inside = statistics.median(s[1] for s in samples)
                print(f"warm: {name}: save -> ready median {median:.2f}s [{', '.join(f'{t:.2f}' for t in latencies)}]; "
                      f"generation itself median {inside:.2f}s (target <= 1 s)")
                results[name] = median
            if watcher.interrupt() != 0:
                raise SystemExit("the watcher did not stop cleanly:\n" + watcher.output())
        finally:
            watcher.kill()
    return results


def suite() -> float:
    started = time.monotonic()
    result = subprocess.run(["make", "--no-print-directory", "unit"], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "(no output)"
    print(f"suite: make unit {elapsed:.1f}s (target <= 60 s): {summary.strip('= ')}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold repetitions of each command (default 5)")
    parser.add_argument("--edits", type=int, default=7, help="warm edits of each kind (default 7)")
    parser.add_argument("--only", choices=("cold", "warm", "suite"), action="append", help="run only these parts")
    args = parser.parse_args()
    parts = args.only or ["cold", "warm", "suite"]
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M')}")
    if "cold" in parts:
        cold(args.runs)
    if "warm" in parts:
        warm(args.edits)
    if "suite" in parts:
        suite()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
