"""JSON Schema -> Terraform type constraints, for the variables each step declares.

Follows ``mass bundle build``'s mapping (string/bool/number, list(T), object({...}) with
non-required properties optional) and adds the schema default to ``optional(T, default)`` so a
params document that omits an optional field still gets the documented value.
"""

from __future__ import annotations

from typing import Any

from aurora_bundle.inputs.planned import all_defaulted
from aurora_bundle.terraform.hcl import render


def _scalar_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if kind is None and isinstance(schema.get("oneOf"), list):
        consts = [s.get("const") for s in schema["oneOf"] if isinstance(s, dict)]
        if consts and all(isinstance(c, str) for c in consts):
            kind = "string"
    return {"string": "string", "boolean": "bool", "integer": "number", "number": "number"}.get(str(kind))


def tf_type(schema: dict[str, Any]) -> str:
    scalar = _scalar_type(schema)
    if scalar:
        return scalar
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return f"list({tf_type(items)})" if isinstance(items, dict) else "list(any)"
    if kind == "object":
        props = schema.get("properties")
        if isinstance(props, dict) and props:
            required = set(schema.get("required", []))
            fields = []
            for name in sorted(props):
                inner = tf_type(props[name])
                if name in required:
                    fields.append(f"{name} = {inner}")
                elif "default" in props[name]:
                    fields.append(f"{name} = optional({inner}, {render(props[name]['default'])})")
                elif all_defaulted(props[name]):
                    # As RJSF fills it in: an object of defaults (Terraform applies the nested defaults to {})
                    fields.append(f"{name} = optional({inner}, {{}})")
                else:
                    fields.append(f"{name} = optional({inner})")
            return "object({" + ", ".join(fields) + "})"
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            return f"map({tf_type(extra)})"
    return "any"

