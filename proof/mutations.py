"""Every leaf param of a params document changed alone, to a value the bundle accepts.

For each leaf of the params schema that the document has and that is not ``$md.immutable``, the
first candidate value that passes the schema and the cross-field rules: a boolean flipped, another
enum (or ``oneOf`` const) value, the maximum, the minimum or the default of a number, an array
with one item fewer or one more, the schema's ``examples`` or default for a string. The e2e plans
each against a deployed cluster to show what a user's change does to every resource.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft7Validator

from aurora_bundle.inputs.conditional import merged
from aurora_bundle.inputs.rules import broken_rules

Path = tuple[str, ...]

# Immutable leaves the plan itself refuses to change on a deployed cluster, in one line (Massdriver's form
# refuses every ``$md.immutable`` change first; params that reach Terraform another way meet this):
# database.extended_support, aws/cluster.py's extended-support-fixed-at-creation.
REFUSED_AT_PLAN = ("database.extended_support",)


def leaves(schema: dict[str, Any], path: Path = ()) -> Iterator[tuple[Path, dict[str, Any]]]:
    properties = schema.get("properties")
    if schema.get("type") == "object" and properties:
        for name, child in properties.items():
            yield from leaves(child, (*path, name))
    else:
        yield path, schema


def _get(document: dict[str, Any], path: Path) -> Any:
    node: Any = document
    for part in path:
        if not isinstance(node, dict) or part not in node:
            raise KeyError(".".join(path))
        node = node[part]
    return node


def _set(document: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    node = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


def candidates(leaf: dict[str, Any], current: Any) -> list[Any]:
    if leaf.get("type") == "boolean":
        return [not current]
    options = leaf.get("enum") or [branch["const"] for branch in leaf.get("oneOf", []) if "const" in branch]
    if options:
        return [v for v in options if v != current]
    if leaf.get("type") in ("integer", "number"):
        values = [leaf.get("maximum"), leaf.get("minimum"), leaf.get("default")]
        if "exclusiveMinimum" in leaf:
            values.append(leaf["exclusiveMinimum"] + 1)
        if leaf.get("type") == "integer" and isinstance(current, int):
            values.append(current + 1)  # a counter with no maximum (database.password_rotation): raised by one
        return [v for v in values if v is not None and v != current]
    if leaf.get("type") == "array":
        items = leaf.get("items", {}).get("enum", [])
        fewer = [current[:-1]] if len(current) > 1 else []
        more = [[*current, extra] for extra in items if extra not in current][:1]
        return fewer + more
    return [v for v in [*leaf.get("examples", []), leaf.get("default")] if v is not None and v != current]


def mutations(params_schema: dict[str, Any], params: dict[str, Any], *,
              immutable: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """dotted path -> the params with that one leaf changed (leaves without an accepted value are left out).

    Mutable leaves only; with ``immutable``, those immutable leaves only (e.g. ``REFUSED_AT_PLAN``)."""
    validator = Draft7Validator(params_schema)
    found: dict[str, dict[str, Any]] = {}
    for path, leaf in leaves(merged(params_schema)):  # the fields conditional branches add too
        if bool(leaf.get("$md.immutable")) != bool(immutable) or (immutable and ".".join(path) not in immutable):
            continue
        try:
            current = _get(params, path)
        except KeyError:
            continue  # the document leaves this part out (e.g. serverless capacity on a provisioned preset)
        for value in candidates(leaf, current):
            changed = _set(params, path, value)
            if not any(True for _ in validator.iter_errors(changed)) and not broken_rules(params_schema, changed):
                found[".".join(path)] = changed
                break
    return found
