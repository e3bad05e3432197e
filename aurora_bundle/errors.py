"""Problems found in the bundle's inputs, reported one per line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


def show(value: Any) -> str:
    """Render a value the way a user wrote it (JSON), shortened when long."""
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where it is, which field, what it holds, what was expected."""

    source: str  # e.g. 'massdriver.yaml preset "Production"' or 'examples/production/params.json'
    field: str  # dotted path, e.g. 'scaling.serverless.min_capacity'
    value: Any
    expected: str
    has_value: bool = True

    def __str__(self) -> str:
        held = f" = {show(self.value)}" if self.has_value else ""
        return f"{self.source}: {self.field or '(document)'}{held}: {self.expected}"


class BundleError(Exception):
    """The inputs are wrong; carries every problem found so they can be printed together."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
