"""What a change did to the cluster's availability, read from the emulator's timeline.

The emulator (``emulator/patches/rds_availability.py``) logs every change of a cluster's members
or of their availability, with each member's role and the time it is available from. Members only
become unavailable at a logged event (created, restarted), so checking the state right after each
event finds every moment where the most members were down at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Availability:
    events: int = 0
    writers: list[str] = field(default_factory=list)  # the writer, each time it changed
    no_writer: list[str] = field(default_factory=list)  # moments without an available writer
    no_reader: list[str] = field(default_factory=list)  # moments with readers, none of them available
    restarted_together: int = 0  # the most members unavailable at once

    @property
    def failovers(self) -> int:
        return max(len(self.writers) - 1, 0)


def read_timeline(path: Path, cluster: str, start: float, end: float) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [e for e in lines if e["cluster"] == cluster and start <= e["t"] <= end]


def assess(events: list[dict[str, Any]]) -> Availability:
    result = Availability(events=len(events))
    for event in sorted(events, key=lambda e: e["t"]):
        now, members = event["t"], event["members"]
        up = {m["id"] for m in members if m["available_from"] <= now}
        writer = next((m["id"] for m in members if m["writer"]), None)
        moment = f'{event["event"]} {event["instance"]}'
        if writer is not None and (not result.writers or result.writers[-1] != writer):
            result.writers.append(writer)
        if writer not in up:
            result.no_writer.append(moment)
        readers = [m["id"] for m in members if not m["writer"]]
        if readers and not up.intersection(readers):
            result.no_reader.append(moment)
        result.restarted_together = max(result.restarted_together, len(members) - len(up))
    return result
