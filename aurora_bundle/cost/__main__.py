"""``make cost``: the monthly estimate of each params file given (default: every examples/*/params.json).

Problems are printed as ``error: <file>: ...``, one line each, and the exit status is 1; the other
files are still estimated.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path

from aurora_bundle.cost.estimate import Assumptions, estimate
from aurora_bundle.cost.read import ROOT, read_params
from aurora_bundle.cost.report import text
from aurora_bundle.inputs.errors import BundleError


def main(argv: list[str] | None = None) -> int:
    defaults = Assumptions()
    parser = argparse.ArgumentParser(prog="make cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("params", nargs="*", type=Path, help="params files (JSON, or YAML by suffix)")
    parser.add_argument("--root", type=Path, default=ROOT, help="bundle directory (its schema checks the params)")
    parser.add_argument("--storage-gib", type=float, default=defaults.storage_gib, help="assumed volume size, GiB")
    parser.add_argument("--io-millions", type=float, default=defaults.io_millions,
                        help="assumed I/O requests a month, millions")
    parser.add_argument("--daily-change", type=float, default=defaults.daily_change,
                        help="assumed share of the volume changed a day (0.05 = 5%%)")
    parser.add_argument("--on", type=datetime.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                        help="the month estimated (default: today): RDS Extended Support depends on it")
    args = parser.parse_args(argv)
    assumptions = Assumptions(args.storage_gib, args.io_millions, args.daily_change)
    from aurora_bundle.inputs import spec as spec_module

    try:
        spec = spec_module.load(args.root)
    except BundleError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    paths = args.params or sorted((args.root / "examples").glob("*/params.json"))
    failed = printed = False
    for path in paths:
        shown = str(path.relative_to(args.root)) if path.is_absolute() and path.is_relative_to(args.root) else str(path)
        try:
            report = text(estimate(read_params(path, spec, shown), assumptions, args.on), shown)
        except BundleError as error:
            failed = True
            for problem in error.problems:
                print(f"error: {problem}", file=sys.stderr)
            continue
        print(("\n" if printed else "") + report)
        printed = True
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # the reader stopped early (make cost | head): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
