"""The params schema's conditional parts: what the form shows per instance class and autoscaling mode,
and what the build still knows about every field (types, unknown keys, defaults)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

from aurora_bundle.inputs.conditional import closed, merged, resolved, with_defaults
from tests.test_bad_input import _rejected, _replace

# The idiom the params use: a dependency + oneOf on a key, branches that exclude each other, and a check
# keyed on a branch field (its type and bounds wherever it is present).
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"kind": {"type": "string"}, "box": {
        "type": "object", "propertyNames": {"enum": ["a", "b", "c"]}, "properties": {"a": {"type": "integer"}},
        "dependencies": {"b": {"properties": {"b": {"type": "integer", "maximum": 9}}}}}},
    "dependencies": {"kind": {"oneOf": [
        {"properties": {"kind": {"const": "big"},
                        "box": {"properties": {"b": {"type": "integer", "default": 2}}, "required": ["b"]}}},
        {"properties": {"kind": {"not": {"const": "big"}}, "box": {"properties": {"c": {"type": "integer", "default": 3}}}}},
    ]}},
}


def test_merged_has_every_branch_field_none_required():
    box = merged(SCHEMA)["properties"]["box"]
    assert sorted(box["properties"]) == ["a", "b", "c"]
    assert box["properties"]["b"]["maximum"] == 9  # the check's bounds
    assert "required" not in box
    assert "dependencies" not in merged(SCHEMA) and "kind" not in box["properties"]


def test_resolved_takes_the_branch_the_value_selects():
    assert sorted(resolved(SCHEMA, {"kind": "big"})["properties"]["box"]["properties"]) == ["a", "b"]
    assert resolved(SCHEMA, {"kind": "big"})["properties"]["box"]["required"] == ["b"]
    assert sorted(resolved(SCHEMA, {"kind": "small"})["properties"]["box"]["properties"]) == ["a", "c"]
    assert with_defaults(SCHEMA, {"kind": "small", "box": {}}) == {"kind": "small", "box": {"c": 3}}


def test_a_branch_field_kept_from_a_branch_that_does_not_apply_is_typed_not_drawn():
    """RJSF skips a dependency whose key is not a property (the branch that added it does not apply)."""
    assert sorted(resolved(SCHEMA, {"kind": "small", "box": {"b": 4}})["properties"]["box"]["properties"]) == ["a", "c"]
    validator = Draft7Validator(SCHEMA)
    assert list(validator.iter_errors({"kind": "small", "box": {"b": 4}})) == []
    assert [e.validator for e in validator.iter_errors({"kind": "small", "box": {"b": "4"}})] == ["type"]
    assert [e.validator for e in validator.iter_errors({"kind": "small", "box": {"d": 1}})] == ["enum"]


def test_closed_rejects_a_key_no_branch_declares():
    structure = Draft7Validator(closed(merged(SCHEMA)))
    assert list(structure.iter_errors({"kind": "small", "box": {"b": 1, "c": 1}})) == []
    assert [e.validator for e in structure.iter_errors({"box": {"d": 1}})] == ["additionalProperties"]


def test_the_params_branches_follow_the_instance_class(spec):
    schema = spec.params_schema
    serverless = resolved(schema, {"database": {"instance_class": "db.serverless"}})["properties"]
    provisioned = resolved(schema, {"database": {"instance_class": "db.r7g.large"}})["properties"]
    assert "serverless" in serverless["scaling"]["properties"] and "serverless" in serverless["scaling"]["required"]
    assert "serverless" not in provisioned["scaling"]["properties"]
    assert "acu_utilization" in serverless["alarms"]["properties"] and "db_load" not in serverless["alarms"]["properties"]
    assert "db_load" in provisioned["alarms"]["properties"] and "acu_utilization" not in provisioned["alarms"]["properties"]


def test_autoscaling_bounds_only_when_autoscaling_is_on(spec):
    def fields(mode: str) -> list[str]:
        value = {"scaling": {"autoscaling": {"mode": mode}}}
        return sorted(resolved(spec.params_schema, value)["properties"]["scaling"]["properties"]["autoscaling"]["properties"])
    assert fields("disabled") == ["mode"]
    assert fields("connections") == ["max_readers", "min_readers", "mode", "target"]
    assert fields("cpu") == ["max_readers", "min_readers", "mode", "target"]


def test_no_boolean_is_required(spec):
    """mass gives every boolean a default (false when it has none: internal/bundle/transformations.go), and
    RJSF renders a required boolean as a required checkbox, which the browser refuses to submit unticked."""
    def walk(node: Any, path: str) -> list[str]:
        found = []
        if isinstance(node, dict):
            props = node.get("properties") if isinstance(node.get("properties"), dict) else {}
            found += [f"{path}.{r}" for r in node.get("required", []) if props.get(r, {}).get("type") == "boolean"]
            for key, child in node.items():
                found += walk(child, f"{path}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                found += walk(child, f"{path}[{i}]")
        return found

    assert walk(spec.params_schema, "params") == []
    assert [p for p, prop in _booleans(merged(spec.params_schema)) if "default" not in prop] == []


def _booleans(schema: dict[str, Any], path: str = ""):
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "boolean":
            yield f"{path}{name}", prop
        yield from _booleans(prop, f"{path}{name}.")


def test_a_typo_under_a_conditional_object_is_still_refused(bundle):
    _replace(bundle, "massdriver.yaml", "serverless: {min_capacity: 0,", "serverless: {min_capacity: 0, max_capcity: 4,")
    _rejected(bundle, 'massdriver.yaml preset "Development (Serverless)": scaling.serverless.max_capcity = 4: '
                      "unknown field (did you mean 'max_capacity'?); expected one of: max_capacity, min_capacity, "
                      "seconds_until_auto_pause")
