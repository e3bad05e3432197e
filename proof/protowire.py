"""Protocol buffers' wire format, read without generated classes: what the plan-file reader and the schema proxy need.

A message is a run of fields, each a key (``number << 3 | wire type``, a varint) and a value: a varint, 8 or 4
fixed bytes, or a length-delimited run of bytes (strings, nested messages, map entries). Encoding guide:
protobuf.dev/programming-guides/encoding.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

VARINT, FIXED64, BYTES, FIXED32 = 0, 1, 2, 5


@dataclass(frozen=True)
class Field:
    """One top-level field of a message: ``data[start:end]`` is the whole field, key included."""

    number: int
    wire: int
    start: int
    end: int
    value: int | bytes | None  # a varint's value, a length-delimited field's bytes; None for fixed-width ones


def varint(data: bytes, at: int) -> tuple[int, int]:
    """The varint at ``at``, and where the next thing starts."""
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def fields(data: bytes) -> Iterator[Field]:
    """The top-level fields of the message ``data``, in order."""
    at = 0
    while at < len(data):
        start = at
        key, at = varint(data, at)
        number, wire = key >> 3, key & 7
        value: int | bytes | None = None
        if wire == VARINT:
            value, at = varint(data, at)
        elif wire == BYTES:
            length, at = varint(data, at)
            value, at = data[at:at + length], at + length
        elif wire in (FIXED64, FIXED32):
            at += 8 if wire == FIXED64 else 4
        else:
            raise ValueError(f"protobuf wire type {wire} of field {number} (byte {start}) not understood")
        yield Field(number, wire, start, at, value)
