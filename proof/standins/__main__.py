"""``python -m proof.standins <random|massdriver>``: what the mirror's executables run."""

from __future__ import annotations

import sys

from proof.standins.mirror import STANDINS, standin
from proof.standins.protocol import serve

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in STANDINS:
        print(f"usage: python -m proof.standins {{{','.join(STANDINS)}}}", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(serve(standin(sys.argv[1])))
