"""``python -m aurora_bundle.offline.emulator``: serve the patched moto on 127.0.0.1."""

import sys

from aurora_bundle.offline.emulator.server import main

if __name__ == "__main__":
    sys.exit(main())
