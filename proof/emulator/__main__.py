"""``python -m proof.emulator``: serve the patched moto on 127.0.0.1."""

import sys

from proof.emulator.server import main

if __name__ == "__main__":
    sys.exit(main())
