#!/usr/bin/env python3
"""Where the offline proof's time goes: ``.venv/bin/python bench/suite_profile.py [build/e2e]``. Prints numbers; judges nothing.

Reads what the last e2e left in ``build/e2e/<package>/*.log`` (every Terraform command the provisioner ran,
with its exit code and seconds) and prints, per package, how many commands of each kind ran and their
wall time. The packages run side by side on a machine with few cores, so a command's seconds include
waiting for the CPU: the counts say what work there is, the seconds where it piles up. Each Terraform
process starts the AWS provider and loads its schema (seconds of CPU), so the count of processes is the
first thing to bring down.
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = re.compile(r"^\$ terraform (\S+)(.*?)#.*?([\d.]+)s$", re.M)


def kind(verb: str, args: str) -> str:
    """plan, plan -refresh=false, plan -destroy, plan -detailed-exitcode (a re-plan), show, apply, init..."""
    flags = [f for f in ("-refresh=false", "-destroy", "-detailed-exitcode") if f in args]
    return " ".join([verb, *flags])


def profile(e2e: Path) -> dict[str, tuple[Counter[str], dict[str, float]]]:
    out: dict[str, tuple[Counter[str], dict[str, float]]] = {}
    for package in sorted(p for p in e2e.iterdir() if p.is_dir()):
        counts: Counter[str] = Counter()
        seconds: dict[str, float] = defaultdict(float)
        for log in package.glob("*.log"):
            for verb, args, took in COMMAND.findall(log.read_text(errors="replace")):
                counts[kind(verb, args)] += 1
                seconds[kind(verb, args)] += float(took)
        out[package.name] = (counts, seconds)
    return out


def main(argv: list[str]) -> int:
    e2e = Path(argv[0]) if argv else ROOT / "build" / "e2e"
    if not e2e.is_dir():
        print(f"no {e2e}: run make e2e first")
        return 1
    total_counts: Counter[str] = Counter()
    total_seconds: dict[str, float] = defaultdict(float)
    for package, (counts, seconds) in profile(e2e).items():
        print(f"{package}: {sum(counts.values())} terraform commands, {sum(seconds.values()):.0f} s")
        for name, count in counts.most_common():
            print(f"  {name:<32} {count:>4} x  {seconds[name]:>7.0f} s")
            total_counts[name] += count
            total_seconds[name] += seconds[name]
    print(f"all packages: {sum(total_counts.values())} terraform commands, {sum(total_seconds.values()):.0f} s")
    for name, count in total_counts.most_common():
        print(f"  {name:<32} {count:>4} x  {total_seconds[name]:>7.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
