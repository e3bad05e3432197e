"""A hand edit to what a table owns is refused; a change of the table rewrites the file.

``make build`` writes parts of ``schemas/*.json`` and massdriver.yaml's alarms ``ui:order`` line from
Python tables (``params.py``). Next to each part it writes a digest of what it wrote: at the end of
the node's ``$comment`` (the comment's own text, written by the build, is part of what it owns), and
at the end of the ``ui:order`` line. At the next build the part as it is now is one of:

- what the build last wrote (its digest matches): the table may have changed, so it is rewritten;
- what the table writes now (nothing a person wrote would be lost): rewritten, with a new digest.
  This is also how a part without a digest is taken over: files written before digests existed, a
  node a new stamp starts writing, a ``$comment`` deleted by hand;
- anything else: someone edited it by hand. The build refuses with one line naming the file, the
  JSON path of the first key that differs from what the table writes (a key added, changed or
  removed) and the table that owns it, and writes nothing.

A part both edited by hand and changed in its table is refused too, and the line then names the
first difference, which may be the table's.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from aurora_bundle.inputs.errors import Problem

COMMENT = "$comment"
NOTE = "digest of what it wrote"
_IN_COMMENT = re.compile(rf" \({NOTE}: (?P<digest>[0-9a-f]{{16}})\)$")
_MISSING = object()


def _canonical(value: Any) -> str:
    """JSON with sorted keys: equal texts for equal documents (``1`` and ``1.0``, ``true`` and ``1`` differ)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value: Any) -> str:
    return hashlib.sha256(_canonical(value).encode()).hexdigest()[:16]


def comment_with_digest(text: str, owned: dict[str, Any]) -> str:
    """The ``$comment`` a stamp writes: its text, then the digest of the keys it owns (text included)."""
    return f"{text} ({NOTE}: {digest({COMMENT: text, **owned})})"


def split_comment(comment: Any) -> tuple[Any, str | None]:
    """A node's ``$comment`` as its text and the digest recorded in it (``None`` when there is none)."""
    if not isinstance(comment, str) or (match := _IN_COMMENT.search(comment)) is None:
        return comment, None
    return comment[: match.start()], match["digest"]


def owner(source: str) -> str:
    """``ALARMS in aurora_bundle/aws/alarm_table.py`` from a stamp's source (without its trailing note)."""
    return re.sub(r" \([^()]*\)$", "", source)


def refusal(file: str, path: tuple[str, ...], value: Any, source: str) -> Problem:
    """The one line a hand edit gets: the file, the JSON path and the table that owns it."""
    present = value is not _MISSING
    return Problem(file, ".".join(path), value if present else None,
                   f"{'' if present else 'removed; '}owned by {owner(source)}: change the table, not the file",
                   has_value=present)


def first_difference(have: Any, want: Any, path: tuple[str, ...] = ()) -> tuple[tuple[str, ...], Any] | None:
    """The first path where ``have`` differs from ``want``, and its value in ``have``.

    The path of the first key where ``have`` is not ``want`` (added, changed or removed) and its value in ``have``
    (``_MISSING`` when removed); ``None`` when they are equal. A list is compared whole."""
    if isinstance(have, dict) and isinstance(want, dict):
        for key in [*have, *(k for k in want if k not in have)]:
            if key not in want:
                return (*path, key), have[key]
            if key not in have:
                return (*path, key), _MISSING
            if (found := first_difference(have[key], want[key], (*path, key))) is not None:
                return found
        return None
    return None if _canonical(have) == _canonical(want) else (path, have)


def hand_edit(file: str, path: tuple[str, ...], node: dict[str, Any], text: str, owned: dict[str, Any | None],
              source: str) -> Problem | None:
    """The refusal of a hand edit to the keys a stamp owns in ``node``, or None.

    ``owned``: what the table writes now, None for a key that must be absent; ``text``: the stamp's $comment without
    its digest. None when the node may be rewritten."""
    comment, recorded = split_comment(node.get(COMMENT, _MISSING))
    current = {k: node[k] for k in owned if k in node}
    wanted = {k: v for k, v in owned.items() if v is not None}
    if comment is not _MISSING:  # a $comment deleted by hand costs nothing: the build writes it back
        current, wanted = {COMMENT: comment, **current}, {COMMENT: text, **wanted}
    if recorded is not None and digest(current) == recorded:
        return None  # as the build last wrote it: a table change, if anything
    found = first_difference(current, wanted)
    return None if found is None else refusal(file, (*path, *found[0]), found[1], source)


# massdriver.yaml's generated line: ``ui:order: [...]  # digest of what it wrote: <digest>``, the digest of the
# text after ``ui:order: `` (a comment added on the line is text the build would drop, so it is an edit too).


def line_with_digest(line: str, text: str) -> str:
    return f"{line}  # {NOTE}: {digest(text)}"


LINE_DIGEST = rf"(?:  # {NOTE}: (?P<digest>[0-9a-f]{{16}}))?"


def line_hand_edit(file: str, path: tuple[str, ...], text: str, recorded: str | None, wanted: str, shown: Any,
                   source: str) -> Problem | None:
    """The refusal of a hand edit to a generated line whose text is now ``text``, or None.

    ``shown``: its value. None when the line is what the build last wrote or writes now."""
    if (recorded is not None and digest(text) == recorded) or text == wanted:
        return None
    return refusal(file, path, shown, source)
