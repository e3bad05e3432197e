"""Time-stamped status lines of the author loop (``make watch``)."""

from __future__ import annotations

import time


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
