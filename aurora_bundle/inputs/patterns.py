"""JSON Schema ``pattern`` checked the way Massdriver's form checks it: as a JavaScript regex.

Massdriver validates params in the browser with ajv, where a pattern is an ECMA-262 regular
expression. The same text means something else to Python's ``re``: ``$`` also matches before a
trailing newline (so ``"03:00-04:00\\n"`` would pass ``^...$``), ``.`` matches ``\\r``, and ``\\d``
or ``\\w`` match non-ASCII digits and letters. ``ecma_regex`` compiles a pattern with JavaScript's
meaning, and ``Validator`` is Draft-07 with ``pattern`` checked that way, so a value the build
accepts is one the form accepts. Schemas keep writing anchors as ``^`` and ``$``, which then mean
the same in both languages; ``python_only`` names syntax JavaScript would read differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import ValidationError

# Python-only escapes and groups: JavaScript reads \A and \Z as the letters A and Z (or refuses them),
# and has no (?P<name>...), (?P=name) or (?#...).
_PYTHON_ONLY = re.compile(r"\\[AZz]|\(\?P[<=]|\(\?#")
_JS_DOT = r"[^\n\r\u2028\u2029]"


def python_only(pattern: str) -> str | None:
    """The first construct in ``pattern`` that only Python understands, if any."""
    found = _PYTHON_ONLY.search(pattern)
    return found.group() if found else None


@lru_cache(maxsize=256)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """``pattern`` (ECMA-262, no flags) as a Python regex that accepts exactly the same strings.

    Outside character classes ``$`` becomes ``\\Z`` (end of text only) and ``.`` excludes every
    JavaScript line terminator; ASCII mode gives ``\\d``, ``\\w`` and ``\\b`` their JavaScript
    meaning. Raises ``re.error`` when Python cannot compile it.
    """
    out, i, in_class = [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
        else:
            out.append({"$": r"\Z", ".": _JS_DOT}.get(char, char))
        i += 1
    return re.compile("".join(out), re.ASCII)


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string"):
        return
    try:
        regex = ecma_regex(pattern)
    except re.error:
        return  # reported with the schema (validation checks every pattern compiles)
    if not regex.search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = validators.extend(Draft7Validator, {"pattern": _pattern})
