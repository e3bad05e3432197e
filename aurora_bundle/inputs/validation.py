"""Everything checked before a single file is written.

Order: the shapes the generator relies on (``shapes``: massdriver.yaml's blocks, the artifact
descriptions), the params schema itself (Draft-07), the bundle's structure (names, ``required``
lists, patterns), every preset and every examples/ input set against the schema, then the
cross-field rules in ``rules``. Patterns are checked as JavaScript reads them (``patterns``), as
Massdriver's form does. Every problem becomes one line naming the file, the preset, the field, the
value and what was expected.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import Any

from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError, ValidationError

from aurora_bundle.inputs import shapes
from aurora_bundle.inputs.conditional import closed, merged
from aurora_bundle.inputs.connections import CONNECTIONS, MD_METADATA
from aurora_bundle.inputs.errors import BundleError, Problem
from aurora_bundle.inputs.patterns import Validator, ecma_regex, python_only
from aurora_bundle.inputs.rules import rule_problems
from aurora_bundle.inputs.spec import MASSDRIVER_YAML, BundleSpec, read_artifact_template

MD_METADATA_KEY = "md_metadata"


def _dotted(path: Iterable[Any]) -> str:
    parts = []
    for part in path:
        parts.append(f"[{part}]" if isinstance(part, int) else f".{part}")
    return "".join(parts).lstrip(".")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _choices(values: Iterable[Any]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _leaves(error: ValidationError) -> list[ValidationError]:
    if error.validator in ("oneOf", "anyOf", "allOf") and error.context:
        return [leaf for inner in error.context for leaf in _leaves(inner)]
    return [error]


def _leaf(error: ValidationError) -> ValidationError:
    """The error a person should see from a failed check or branch.

    The deepest field, and not a branch's condition (a ``const`` that picks the branch) when the field itself is
    wrong."""
    return max(_leaves(error), key=lambda e: (len(e.absolute_path), e.validator != "const"))


def _describe(error: ValidationError, source: str, prefix: str) -> list[Problem]:
    """Turn one jsonschema error into problems a user can act on."""
    field = _join(prefix, _dotted(error.absolute_path))
    schema = error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.relative_schema_path and isinstance(error.instance, str):
        # An object closed by propertyNames (its branches add fields): the unknown key is the instance.
        known = schema.get("enum", []) if isinstance(schema.get("enum"), list) else []
        hint = difflib.get_close_matches(error.instance, known, n=1)
        maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
        return [Problem(source, _join(field, error.instance), None, f"unknown field{maybe}; expected one of: "
                        f"{', '.join(known)}", has_value=False)]
    options = error.validator_value if isinstance(error.validator_value, list) else []
    consts = bool(options) and all(isinstance(o, dict) and "const" in o for o in options)
    if error.validator in ("oneOf", "anyOf", "allOf") and error.context and not consts:
        # A field's check or a branch: the error inside it, on the field it names.
        return _describe(_leaf(error), source, prefix)
    custom = schema.get("message") if isinstance(schema.get("message"), dict) else {}
    if isinstance(custom.get(error.validator), str):
        # Massdriver's own key for a field's messages, by keyword (docs.massdriver.cloud, JSON Schema cheat
        # sheet, "Custom Validation Messages"): the build says what the form says.
        return [Problem(source, field, error.instance, " ".join(custom[error.validator].split()))]
    match error.validator:
        case "additionalProperties":
            known = sorted(schema.get("properties", {}))
            problems = []
            for extra in sorted(set(error.instance) - set(known)):
                hint = difflib.get_close_matches(extra, known, n=1)
                maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
                problems.append(Problem(source, _join(field, extra), error.instance[extra],
                                        f"unknown field{maybe}; expected one of: {', '.join(known)}"))
            return problems
        case "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            return [Problem(source, _join(field, missing), None, "is required but missing", has_value=False)]
        case "enum":
            return [Problem(source, field, error.instance, f"expected one of: {_choices(error.validator_value)}")]
        case "oneOf" if all(isinstance(s, dict) and "const" in s for s in error.validator_value):
            consts = [s["const"] for s in error.validator_value]
            return [Problem(source, field, error.instance, f"expected one of: {_choices(consts)}")]
        case "type":
            return [Problem(source, field, error.instance, f"expected a value of type {error.validator_value}")]
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum":
            words = {"minimum": "at least", "maximum": "at most",
                     "exclusiveMinimum": "greater than", "exclusiveMaximum": "less than"}
            return [Problem(source, field, error.instance, f"expected {words[error.validator]} {error.validator_value}")]
        case "minItems" | "maxItems":
            word = "at least" if error.validator == "minItems" else "at most"
            return [Problem(source, field, error.instance, f"expected {word} {error.validator_value} items")]
        case "minLength" | "maxLength":
            word = "at least" if error.validator == "minLength" else "at most"
            return [Problem(source, field, error.instance, f"expected {word} {error.validator_value} characters")]
        case "uniqueItems":
            return [Problem(source, field, error.instance, "expected each item at most once")]
        case "multipleOf":
            return [Problem(source, field, error.instance, f"expected a multiple of {error.validator_value}")]
        case "const":
            return [Problem(source, field, error.instance, f"expected {json.dumps(error.validator_value)}")]
        case "pattern":
            message = schema.get("message") if isinstance(schema.get("message"), dict) else {}
            expected = message.get("pattern") or f"expected to match {error.validator_value}"
            return [Problem(source, field, error.instance, expected)]
        case _:
            return [Problem(source, field, error.instance, f"expected {error.message.split(' is ', 1)[-1]}")]


def validate_document(validator: Draft7Validator, instance: Any, source: str, prefix: str = "",
                      structure: Draft7Validator | None = None) -> list[Problem]:
    """The document's problems against ``validator``, one per field.

    The document's problems against ``validator``; with ``structure`` (the params' ``conditional.closed`` schema) also
    every unknown field, where a conditional branch keeps the params schema from closing its object."""
    problems: list[Problem] = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        # A field a branch draws is also checked where it lives: the same problem is said once.
        problems.extend(p for p in _describe(error, source, prefix) if p not in problems)
    if structure is not None and not problems:
        unknown = [e for e in structure.iter_errors(instance) if e.validator == "additionalProperties"]
        for error in sorted(unknown, key=lambda e: [str(p) for p in e.absolute_path]):
            problems.extend(_describe(error, source, prefix))
    return problems


def _structure(spec: BundleSpec) -> list[Problem]:
    problems = []
    for name in sorted(set(spec.param_names) & set(spec.connection_names)):
        problems.append(Problem(MASSDRIVER_YAML, f"params.properties.{name}", name,
                                "a param may not share its name with a connection"))

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            for req in node.get("required", []) if isinstance(node.get("required"), list) else []:
                if not isinstance(props, dict) or req not in props:
                    problems.append(Problem(MASSDRIVER_YAML, f"{path}.required", req,
                                            "names a property that does not exist"))
            for key, child in node.items():
                walk(child, f"{path}.{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                walk(child, f"{path}[{i}]")

    walk(spec.params_schema, "params")
    for section in ("connections", "artifacts"):
        walk(spec.document[section], section)
    if MD_METADATA_KEY in spec.param_names:
        problems.append(Problem(MASSDRIVER_YAML, f"params.properties.{MD_METADATA_KEY}", MD_METADATA_KEY,
                                "is reserved: Massdriver injects it"))
    return problems


def _patterns(spec: BundleSpec) -> list[Problem]:
    """Each schema pattern must mean the same to the build (Python) as to Massdriver's form (JavaScript)."""
    problems = []
    for (source, field), pattern in spec.patterns.items():
        construct = python_only(pattern)
        if construct:
            problems.append(Problem(source, field, pattern, f"{construct} is Python-only regex syntax that JavaScript "
                                    "(Massdriver's form) reads differently; anchor with ^ and $, which mean the same in both"))
            continue
        try:
            ecma_regex(pattern)
        except re.error as exc:
            problems.append(Problem(source, field, pattern, f"not a regular expression: {exc}"))
    return problems


def _shapes(spec: BundleSpec) -> list[Problem]:
    """What the generator reads must have the shape it expects: massdriver.yaml's blocks, artifacts/."""
    problems = validate_document(Validator(shapes.BUNDLE_DOCUMENT), spec.document, MASSDRIVER_YAML)
    if problems:
        return problems
    template_validator = Validator(shapes.ARTIFACT_TEMPLATE)
    for name in spec.artifact_names:
        try:
            source, template = read_artifact_template(spec.root, name)
        except BundleError as error:
            problems += error.problems
            continue
        problems += validate_document(template_validator, template, source)
    return problems


def params_problems(params_schema: dict[str, Any], params: Any, source: str,
                    validators: tuple[Draft7Validator, Draft7Validator] | None = None) -> list[Problem]:
    """What the build refuses in one params document (a preset; what the form submits).

    The params schema, unknown fields in any conditional branch, then the cross-field rules the plan's preconditions
    repeat. ``validators``: ``_params_validators(params_schema)``, when the caller checks many documents."""
    params_validator, structure = validators or _params_validators(params_schema)
    found = validate_document(params_validator, params, source, structure=structure)
    return found or rule_problems(params_schema, params, source)


def _params_validators(params_schema: dict[str, Any]) -> tuple[Draft7Validator, Draft7Validator]:
    """The params schema's validator, and its closed form's (every conditional branch's fields known)."""
    return Validator(params_schema), Validator(closed(merged(params_schema)))


# Params schemas found valid Draft-07 (as canonical JSON): a watcher, or a test building many bundles, checks one
# schema many times, and the meta-schema check is a third of validating the presets.
_VALID_SCHEMAS: set[str] = set()


def _check_schema(schema: dict[str, Any]) -> None:
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALID_SCHEMAS:
        Validator.check_schema(schema)
        _VALID_SCHEMAS.add(key)


def validate(spec: BundleSpec) -> None:
    """Raise ``BundleError`` listing every problem in the bundle's inputs; return when there are none."""
    problems = _shapes(spec)
    if problems:
        raise BundleError(problems)
    try:
        _check_schema(spec.params_schema)
    except SchemaError as exc:
        raise BundleError([Problem(MASSDRIVER_YAML, "params" + "".join(f".{p}" for p in exc.absolute_path),
                                   exc.instance, f"not a valid Draft-07 schema: {exc.message}")]) from None
    problems = _structure(spec) + _patterns(spec)
    params_validator, structure = validators = _params_validators(spec.params_schema)
    presets = spec.presets
    if not presets:
        problems.append(Problem(MASSDRIVER_YAML, "params.examples", None, "expected at least one preset", False))
    for preset in presets:
        problems.extend(params_problems(spec.params_schema, preset.params, f'massdriver.yaml preset "{preset.name}"',
                                        validators))
    md_validator = Validator(MD_METADATA)
    connection_validators = {name: Validator(schema) for name, schema in CONNECTIONS.items()}
    for example in spec.examples:
        source = str(example.params_path.relative_to(spec.root))
        params = {k: v for k, v in example.params.items() if k != MD_METADATA_KEY}
        found = validate_document(params_validator, params, source, structure=structure)
        if MD_METADATA_KEY not in example.params:
            found.append(Problem(source, MD_METADATA_KEY, None, "is required but missing", has_value=False))
        else:
            found += validate_document(md_validator, example.params[MD_METADATA_KEY], source, MD_METADATA_KEY)
        problems.extend(found or rule_problems(spec.params_schema, params, source))
        conn_source = str(example.connections_path.relative_to(spec.root))
        for name in spec.connection_names:
            if name not in example.connections:
                problems.append(Problem(conn_source, name, None, "is required but missing", has_value=False))
            elif name in connection_validators:
                problems += validate_document(connection_validators[name], example.connections[name], conn_source, name)
    if problems:
        raise BundleError(problems)
