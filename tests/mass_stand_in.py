#!/usr/bin/env python3
"""A stand-in for Massdriver's ``mass`` CLI, which cannot be installed here (no network to Massdriver).

Put on PATH as ``mass``. Every call is appended to ``$MASS_STAND_IN_LOG`` as one JSON line: its
arguments, working directory and, for ``--params FILE``, the file's JSON. ``--help`` answers with
the flags of the CLI generation named by ``$MASS_STAND_IN_FORM``: ``current`` (``instance deploy``
takes ``--params``) or ``configure`` (the earlier ``instance configure`` + ``instance deploy``).
``$MASS_STAND_IN_FAIL`` names a subcommand (e.g. ``publish``) that exits 1. While a file
``$MASS_STAND_IN_LOG.publish-seconds`` exists, ``bundle publish`` takes that many seconds (a slow
cycle); SIGINT ends it quietly, as Ctrl-C ends the real CLI.
"""

import json
import os
import signal
import sys
import time

signal.signal(signal.SIGINT, lambda *_: sys.exit(130))

args = sys.argv[1:]
if "--help" in args:
    flags = ["  -m, --message string   Add a message when deploying"]
    if os.environ.get("MASS_STAND_IN_FORM", "current") == "current":
        flags.append("  -p, --params string    Path to params json, tfvars or yaml file")
    print("Flags:\n" + "\n".join(flags))
    sys.exit(0)
record = {"args": args, "cwd": os.getcwd()}
if "--params" in args:
    with open(args[args.index("--params") + 1]) as handle:
        record["params"] = json.load(handle)
with open(os.environ["MASS_STAND_IN_LOG"], "a") as log:
    log.write(json.dumps(record) + "\n")
slow = os.environ["MASS_STAND_IN_LOG"] + ".publish-seconds"
if args[:2] == ["bundle", "publish"] and os.path.exists(slow):
    with open(slow) as handle:
        time.sleep(float(handle.read()))
sys.exit(1 if os.environ.get("MASS_STAND_IN_FAIL") in args else 0)
