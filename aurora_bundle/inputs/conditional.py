"""The params schema's conditional parts (``if``/``then``/``else``, ``dependencies``) seen two ways.

The form shows a field only where it applies (massdriver.yaml's params ``if``/``then``/``else`` on the
instance class adds the Serverless v2 capacity and the serverless or provisioned alarms; the reader
autoscaling object's adds the bounds when autoscaling is on). The rest of the build needs:

- ``merged``: every field any branch may add, at every depth, for what must know all of them (the
  Terraform variables' types: a field a branch adds is ``optional(type, default)``, never required;
  the reference check; the unknown-key check of presets and examples);
- ``resolved``: the branches that apply to one params document, as RJSF resolves them, for what must
  match the form (the defaults filled into the examples).
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft7Validator

BRANCH_KEYS = ("then", "else")


def _merge(base: dict[str, Any], extra: dict[str, Any], *, keep_required: bool) -> dict[str, Any]:
    """``base`` with ``extra``'s properties added (deeply); ``required`` grows only with ``keep_required``."""
    out = dict(base)
    props = dict(out.get("properties") or {})
    for name, schema in (extra.get("properties") or {}).items():
        if name in props and isinstance(props[name], dict) and isinstance(schema, dict):
            props[name] = _merge(props[name], schema, keep_required=keep_required)
        else:
            props[name] = schema
    if props:
        out["properties"] = props
    if keep_required and extra.get("required"):
        out["required"] = [*out.get("required", []), *(r for r in extra["required"] if r not in out.get("required", []))]
    for key, value in extra.items():
        if key not in ("properties", "required") and key not in out:
            out[key] = value
    return out


def _branches(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node[k] for k in BRANCH_KEYS if isinstance(node.get(k), dict)]
    for dependency in (node.get("dependencies") or {}).values():
        if isinstance(dependency, dict):
            found += [b for b in dependency.get("oneOf", [dependency]) if isinstance(b, dict)]
    return found


def _plain(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in ("if", *BRANCH_KEYS, "dependencies")}


def merged(schema: Any) -> Any:
    """The schema with every branch's properties added to its object, at every depth (none required)."""
    if not isinstance(schema, dict):
        return schema
    out = _plain(schema)
    for branch in _branches(schema):
        out = _merge(out, merged(branch), keep_required=False)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: merged(v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = merged(out["items"])
    return out


def resolved(schema: Any, value: Any) -> Any:
    """The schema with the branches that ``value`` selects merged in (``if`` decides), at every depth."""
    if not isinstance(schema, dict):
        return schema
    out = _plain(schema)
    if isinstance(schema.get("if"), dict):
        branch = schema.get("then" if Draft7Validator(schema["if"]).is_valid(value) else "else")
        if isinstance(branch, dict):
            out = _merge(out, branch, keep_required=True)
    if isinstance(out.get("properties"), dict) and isinstance(value, dict):
        out["properties"] = {k: resolved(v, value.get(k)) for k, v in out["properties"].items()}
    return copy.deepcopy(out)


def closed(schema: Any) -> Any:
    """``merged``'s schema with every object that lists properties closed (``additionalProperties: false``).

    The objects a conditional branch adds to cannot close themselves (JSON Schema's
    ``additionalProperties`` sees only its own object's ``properties``, never a branch's), so a typo
    there would pass the params schema; the build checks presets and examples against this instead."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: closed(v) for k, v in out["properties"].items()}
        if "additionalProperties" not in out and "patternProperties" not in out:
            out["additionalProperties"] = False
    if isinstance(out.get("items"), dict):
        out["items"] = closed(out["items"])
    return out
