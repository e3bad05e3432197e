"""Problems found in the bundle's inputs, reported one per line."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# Line breaks and other control characters a file name, key or message could carry: printed escaped
# (as JSON would), so every problem stays exactly one line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def show(value: Any) -> str:
    """Render a value the way a user wrote it (JSON), shortened when long."""
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except TypeError:  # keys that do not sort together (a YAML mapping with number and text keys)
        text = json.dumps(value, default=str)
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
        line = f"{self.source}: {self.field or '(document)'}{held}: {self.expected}"
        return _CONTROL.sub(lambda m: json.dumps(m.group())[1:-1], line)


class BundleError(Exception):
    """The inputs are wrong; carries every problem found so they can be printed together."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
