"""The shapes the generator relies on in the bundle's own files, as JSON Schema.

``validation`` checks massdriver.yaml against ``BUNDLE_DOCUMENT`` and every artifacts/<name>.json
against ``ARTIFACT_TEMPLATE`` before anything else, so a ``null`` or a list where a mapping belongs
is one line naming the field, never a crash further on. Only what the generator reads is described;
Massdriver's own lint checks the rest of massdriver.yaml.
"""

from __future__ import annotations

from typing import Any

from aurora_bundle.inputs.connections import CONNECTION_TYPES

_NAMES: dict[str, Any] = {"type": "array", "items": {"type": "string"}}

_CONNECTIONS: dict[str, Any] = {
    "type": "object",
    "required": ["properties"],
    "properties": {
        "required": _NAMES,
        # Exactly the connections the generated Terraform reads (var.<name>), each of its artifact type.
        "properties": {
            "type": "object",
            "additionalProperties": False,
            "required": sorted(CONNECTION_TYPES),
            "properties": {
                name: {"type": "object", "required": ["$ref"], "properties": {"$ref": {"const": kind}}}
                for name, kind in CONNECTION_TYPES.items()
            },
        },
    },
}

_ARTIFACTS: dict[str, Any] = {
    "type": "object",
    "required": ["properties"],
    "properties": {
        "required": _NAMES,
        "properties": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},  # also the name of a file in artifacts/
            "additionalProperties": {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string"}}},
        },
    },
}

BUNDLE_DOCUMENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "params": {
            "type": "object",
            "properties": {
                "examples": {
                    "type": "array",
                    "items": {"type": "object", "required": ["__name"], "properties": {"__name": {"type": "string"}}},
                },
            },
        },
        "connections": _CONNECTIONS,
        "artifacts": _ARTIFACTS,
        "ui": {"type": "object", "properties": {"ui:order": _NAMES}},
    },
}

ARTIFACT_TEMPLATE: dict[str, Any] = {
    "type": "object",
    "required": ["name", "payload"],
    "properties": {"name": {"type": "string"}, "payload": {"type": "object"}},
}
