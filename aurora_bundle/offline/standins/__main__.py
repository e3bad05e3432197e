"""``python -m aurora_bundle.offline.standins <random|massdriver>``: what the mirror's executables run."""

from __future__ import annotations

import sys

from aurora_bundle.offline.standins.mirror import STANDINS
from aurora_bundle.offline.standins.protocol import serve

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in STANDINS:
        print(f"usage: python -m aurora_bundle.offline.standins {{{','.join(STANDINS)}}}", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(serve(STANDINS[sys.argv[1]]()))
