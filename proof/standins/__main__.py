"""``python -m proof.standins <random|massdriver> [--unmanaged]``: what the mirror's executables run.

``--unmanaged``: one process that Terraform commands attach to (``protocol.serve_unmanaged``)."""

from __future__ import annotations

import sys

from proof.standins.mirror import STANDINS, standin
from proof.standins.protocol import serve, serve_unmanaged

if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in STANDINS or sys.argv[2:] not in ([], ["--unmanaged"]):
        print(f"usage: python -m proof.standins {{{','.join(STANDINS)}}} [--unmanaged]", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit((serve_unmanaged if sys.argv[2:] else serve)(standin(sys.argv[1])))
