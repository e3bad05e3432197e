"""The params schema's conditional parts (``dependencies`` + ``oneOf``, ``if``/``then``) seen as the form sees them.

The form shows a field only where it applies: massdriver.yaml's params ``dependencies`` on ``database``
(a ``oneOf`` of the serverless and the provisioned branch) adds the Serverless v2 capacity and the
serverless or provisioned alarms; the reader autoscaling object's, on ``mode``, adds the bounds; each
alarm's, on ``enabled``, its threshold. A field a branch adds also has a dependency keyed on itself
(``params.field_check``, no ``oneOf``): its type and bounds wherever it is present. RJSF resolves a
dependency as ``_chosen`` does (@rjsf/utils ``processDependencies``/``withExactlyOneSubschema``, 5.24
and 6.x): only when its key is present and is one of the object's properties; a ``oneOf`` by the
option whose ``properties.<key>`` the value satisfies, merged without that key; a plain one whole.
The rest of the build needs:

- ``merged``: every field any branch may add, at every depth, with the bounds its checks give it, for
  what must know all of them (the Terraform variables' types: a field a branch adds is
  ``optional(type, default)``, never required; the reference check; the README's params table);
- ``resolved``: the branches that apply to one params document, as RJSF resolves them, for what must
  match the form; ``with_defaults`` fills in the defaults of those that apply, as the form does (the
  examples; the rules read Terraform's defaults instead, ``planned.as_planned``);
- ``closed``: ``merged`` with every object closed, for the build's unknown-key check (the published
  schema closes each object by itself too: ``additionalProperties: false``, or ``propertyNames`` where
  a branch adds fields, since ``additionalProperties`` cannot see a branch's properties).
"""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft7Validator

CONDITIONAL_KEYS = ("if", "then", "else", "dependencies")


def _merge(base: dict[str, Any], extra: dict[str, Any], *, keep_required: bool) -> dict[str, Any]:
    """``base`` with ``extra``'s properties merged in.

    ``base`` with ``extra``'s properties added (deeply) and its other keys where ``base`` has none; ``required`` grows
    only with ``keep_required``."""
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
        if key not in ("properties", "required", "allOf", "oneOf", "not", "message", *CONDITIONAL_KEYS) and key not in out:
            out[key] = value
    return out


def _option(option: dict[str, Any], key: str, *, branch: bool = True) -> dict[str, Any]:
    """A dependency's option as RJSF merges it.

    A ``oneOf`` branch without its key's property (the condition), its ``allOf`` folded in."""
    out = {k: v for k, v in option.items() if k != "allOf"}
    out["properties"] = {k: v for k, v in (option.get("properties") or {}).items() if k != key or not branch}
    for part in option.get("allOf") or []:
        if isinstance(part, dict):
            out = _merge(out, part, keep_required=True)
    return out


def _options(node: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each dependency's options as RJSF merges them, with the key it depends on."""
    found = []
    for key, dependency in (node.get("dependencies") or {}).items():
        if isinstance(dependency, dict) and isinstance(dependency.get("oneOf"), list):
            found += [(key, _option(b, key)) for b in dependency["oneOf"] if isinstance(b, dict)]
        elif isinstance(dependency, dict):
            found.append((key, _option(dependency, key, branch=False)))
    return found


def _plain(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k not in CONDITIONAL_KEYS}


def merged(schema: Any) -> Any:
    """The schema with every branch's and check's properties added to its object, at every depth (none required).

    An ``if``/``then`` adds no field here (it only constrains), so only dependencies are merged."""
    if not isinstance(schema, dict):
        return schema
    out = _plain(schema)
    for key, option in _options(schema):
        # A field's own check keeps the field's inner ``required`` (its shape wherever it is present)
        out = _merge(out, merged(option), keep_required=_is_check(option, key))
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: merged(v) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = merged(out["items"])
    return out


def _is_check(option: dict[str, Any], key: str) -> bool:
    """A dependency keyed on the field it checks (``params.field_check``), not a branch another field selects."""
    return set(option.get("properties") or {}) == {key}


def _chosen(schema: dict[str, Any], value: Any) -> list[dict[str, Any]]:
    """The dependency options that apply to ``value`` (one per dependency), as RJSF merges them."""
    chosen: list[dict[str, Any]] = []
    if not isinstance(value, dict):
        return chosen
    properties = dict(schema.get("properties") or {})
    for key, dependency in (schema.get("dependencies") or {}).items():
        if key not in value or key not in properties or not isinstance(dependency, dict):
            continue  # RJSF skips a dependency whose key is absent, or not a property (a branch that does not apply)
        if isinstance(dependency.get("oneOf"), list):
            options = [o for o in dependency["oneOf"] if isinstance(o, dict) and Draft7Validator(
                {"properties": {key: (o.get("properties") or {}).get(key, {})}}).is_valid(value)]
            if len(options) != 1:
                continue  # RJSF ignores a oneOf with no single match (and warns)
            option = _option(options[0], key)
        else:
            option = _option(dependency, key, branch=False)
        chosen.append(option)
        properties.update(option["properties"])
    return chosen


def resolved(schema: Any, value: Any) -> Any:
    """The schema with what ``value`` selects merged in (``if`` and dependencies decide), at every depth."""
    return copy.deepcopy(_resolved(schema, value))


def _resolved(schema: Any, value: Any) -> Any:
    """``resolved`` sharing parts with ``schema`` (one deep copy at the top is enough)."""
    out = resolved_here(schema, value)
    if isinstance(out, dict) and isinstance(out.get("properties"), dict) and isinstance(value, dict):
        out["properties"] = {k: _resolved(v, value.get(k)) for k, v in out["properties"].items()}
    return out


def resolved_here(schema: Any, value: Any) -> Any:
    """``resolved`` at this object's level only.

    Its properties as its branches define them, not resolved for their own values; it shares parts with ``schema``:
    read it, do not change it."""
    if not isinstance(schema, dict):
        return schema
    out = _plain(schema)
    if isinstance(schema.get("if"), dict):
        branch = schema.get("then" if Draft7Validator(schema["if"]).is_valid(value) else "else")
        if isinstance(branch, dict):
            out = _merge(out, branch, keep_required=True)
    for option in _chosen(schema, value):
        out = _merge(out, option, keep_required=True)
    return out


def closed(schema: Any) -> Any:
    """``merged``'s schema with every object that lists properties closed (``additionalProperties: false``)."""
    if not isinstance(schema, dict):
        return schema
    out = dict(schema)
    if isinstance(out.get("properties"), dict):
        out["properties"] = {k: closed(v) for k, v in out["properties"].items()}
        if "additionalProperties" not in out and "patternProperties" not in out:
            out["additionalProperties"] = False
        out.pop("propertyNames", None)
    if isinstance(out.get("items"), dict):
        out["items"] = closed(out["items"])
    return out


def with_defaults(schema: dict[str, Any], value: Any) -> Any:
    """``value`` with the schema's defaults filled in, as Massdriver's form fills them.

    ``value`` with the schema's default for every property left out, at every depth, of the conditional branches
    that apply to it (``resolved``, as RJSF resolves them: with the defaults already filled in, so an alarm left out
    gets ``enabled`` and then the threshold its branch adds). An object left out that has no default of its own gets
    its fields' defaults, as RJSF computes them, where Terraform holds null (``planned.as_terraform_reads``).
    Present values are never changed."""
    if not isinstance(value, dict):
        return value
    filled = dict(value)
    for _ in range(3):  # a default may select a branch whose fields have defaults too
        before = copy.deepcopy(filled)
        current = resolved_here(schema, filled)  # each property resolves its own level below
        for name, prop in (current.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            if name not in filled:
                if "default" in prop:
                    filled[name] = copy.deepcopy(prop["default"])
                elif prop.get("type") == "object" and (inner := with_defaults(prop, {})):
                    filled[name] = inner
            if name in filled:
                filled[name] = with_defaults(prop, filled[name])
        if filled == before:
            break
    return filled
