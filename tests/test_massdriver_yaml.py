"""massdriver.yaml as Massdriver's tooling and a platform engineer see it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from aurora_bundle.inputs.conditional import merged, with_defaults
from aurora_bundle.inputs.connections import CONNECTIONS, MD_METADATA
from aurora_bundle.inputs.engine import INSTANCE_CLASSES, MAJORS
from aurora_bundle.inputs.validation import _structure, validate
from aurora_bundle.terraform.synth import STEPS
from tests.conftest import ROOT, shared_schema

# The presets every version of the bundle keeps; more may be added (one massdriver.yaml entry, one examples/ folder).
KEPT_PRESETS = {"Development", "Development (Serverless)", "Production", "Production (Serverless)"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "massdriver.yaml").read_text())


def test_validates_against_massdriver_lint_meta_schema(document):
    meta = json.loads(shared_schema("meta/bundle.mass-lint-testdata-2026.json").read_text())
    errors = [e.message for e in Draft7Validator(meta).iter_errors(document)]
    assert errors == []


def test_bundle_lint_rules_hold(spec):
    assert _structure(spec) == []
    assert not set(spec.param_names) & set(spec.connection_names)


def test_whole_bundle_validates(spec):
    validate(spec)  # presets, examples, cross-field rules


def test_steps_kms_first_and_kept_on_delete(document):
    steps = document["steps"]
    assert [s["path"] for s in steps] == list(STEPS)
    assert steps[0]["skip_on_delete"] is True
    # Pinned as Massdriver's own catalog pins it; the e2e runs the steps as that provisioner does.
    assert all(s["provisioner"] == "opentofu:1.10" and s["config"]["checkov"]["enable"] for s in steps)
    assert all("prod" in s["config"]["checkov"]["halt_on_failure"] for s in steps)


def test_connections_and_artifacts(document):
    assert document["connections"]["required"] == ["aws_authentication", "vpc"]
    assert document["connections"]["properties"] == {
        "aws_authentication": {"$ref": "massdriver/aws-iam-role"}, "vpc": {"$ref": "massdriver/aws-vpc"}}
    artifacts = document["artifacts"]
    assert sorted(artifacts["required"]) == ["readers", "writer"]
    for name in ("writer", "readers"):
        prop = artifacts["properties"][name]
        assert prop["$ref"] == "massdriver/postgresql-authentication"
        assert all(isinstance(v, str) for v in prop.values())
        assert (ROOT / "artifacts" / f"{name}.json").exists()


def test_every_preset_has_its_example_and_the_character_of_its_kind(spec):
    """The presets are what massdriver.yaml lists (every test iterates them), each with its examples/ folder
    (named from the preset: ``Production (Serverless)`` -> ``production-serverless``); a Development preset
    is cheap and disposable, a Production one protected and replicated."""
    presets = {p.name: p.params for p in spec.presets}
    assert set(presets) >= KEPT_PRESETS
    assert sorted(e.slug for e in spec.examples) == sorted(re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-") for n in presets)
    for name in (n for n in presets if n.startswith("Development")):
        dev = presets[name]
        assert dev["database"]["deletion_protection"] is False
        assert dev["backup"]["retention_days"] <= 7
        assert dev["scaling"]["reader_count"] == 0
    assert presets["Development"]["database"]["instance_class"].startswith("db.t4g.")
    assert presets["Development (Serverless)"]["scaling"]["serverless"]["min_capacity"] == 0  # scale to zero
    for name in (n for n in presets if n.startswith("Production")):
        prod = presets[name]
        assert prod["database"]["deletion_protection"] is True
        assert prod["backup"]["skip_final_snapshot"] is False
        assert prod["backup"]["retention_days"] >= 14
        assert prod["scaling"]["reader_count"] >= 1  # writer + reader(s) in different AZs
        assert prod["observability"]["enhanced_monitoring_interval"] <= 30
        assert prod["observability"]["performance_insights_retention_days"] > 7
    for name in ("Development (Serverless)", "Production (Serverless)"):
        assert presets[name]["database"]["instance_class"] == "db.serverless"


def _walk_properties(schema: dict[str, Any], path: str = ""):
    for name, prop in schema.get("properties", {}).items():
        yield f"{path}{name}", prop
        if prop.get("type") == "object":
            yield from _walk_properties(prop, f"{path}{name}.")
        if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
            yield from _walk_properties(prop["items"], f"{path}{name}[].")


def test_every_param_has_title_and_actionable_description(spec):
    """The conditional fields too. An alarm's switch and threshold are titled after the alarm and print
    no description of their own: the alarm's, above them, says what both do (printed once)."""
    def alarm_field(path: str) -> bool:
        return path.startswith("alarms.") and path.endswith((".enabled", ".threshold"))

    walked = list(_walk_properties(merged(spec.params_schema)))
    missing = [path for path, prop in walked
               if not prop.get("title") or (len(prop.get("description", "")) < 20 and not alarm_field(path))]
    assert missing == []
    assert [path for path, prop in walked if alarm_field(path) and "description" in prop] == []


def test_fields_that_would_replace_the_cluster_are_immutable(spec):
    props = spec.params_schema["properties"]
    assert props["networking"]["properties"]["subnet_type"]["$md.immutable"] is True
    assert props["database"]["properties"]["snapshot_identifier"]["$md.immutable"] is True
    # Never public: the subnet type offers no public option.
    assert props["networking"]["properties"]["subnet_type"]["enum"] == ["internal", "private"]


def test_ui_orders_every_group_and_field(spec, document):
    ui = document["ui"]
    assert ui["ui:order"][:-1] == ["database", "networking", "scaling", "backup", "observability", "alarms"]
    for group in spec.param_names:
        fields = merged(spec.params_schema)["properties"][group]["properties"]
        assert set(ui[group]["ui:order"]) - {"*"} == set(fields), group


def test_every_choice_is_an_enum_labelled_in_the_ui(spec, document):
    """A choice is an ``enum`` with ``ui:enumNames`` beside it, never a ``oneOf`` of titled consts: for a value
    outside it ajv then reports one error naming the field, not "'<an option's title>' must be equal to constant"."""
    consts = []

    def walk(node: Any, ui: Any, path: str) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("oneOf"), list) and any(isinstance(s, dict) and "const" in s for s in node["oneOf"]):
            consts.append(path)
        labels = ui.get("ui:enumNames") if isinstance(ui, dict) else None
        if labels is not None:
            assert len(labels) == len(node.get("enum", [])) and all(isinstance(x, str) for x in labels), path
        for name, prop in (node.get("properties") or {}).items():
            walk(prop, ui.get(name, {}) if isinstance(ui, dict) else {}, f"{path}.{name}")
        if isinstance(node.get("items"), dict):
            walk(node["items"], ui.get("items", {}) if isinstance(ui, dict) else {}, f"{path}[]")

    walk(merged(spec.params_schema), document["ui"], "params")
    assert consts == []


def test_schema_choices_match_the_engine_catalog(spec):
    database = spec.params_schema["properties"]["database"]["properties"]
    assert database["engine_version"]["enum"] == list(MAJORS)
    assert database["instance_class"]["enum"] == INSTANCE_CLASSES


def test_examples_are_the_presets_plus_deployment_inputs(spec):
    """An example is its preset as Massdriver's form submits it: the schema's defaults filled in."""
    presets = {p.name.lower().replace(" (serverless)", "-serverless"): p.params for p in spec.presets}
    assert sorted(presets) == sorted(e.slug for e in spec.examples)
    for example in spec.examples:
        params = {k: v for k, v in example.params.items() if k != "md_metadata"}
        assert params == with_defaults(spec.params_schema, presets[example.slug]), example.slug


@pytest.mark.parametrize("name,definition", [("aws_authentication", "aws-iam-role.json"), ("vpc", "aws-vpc.json")])
def test_example_connections_are_valid_massdriver_artifacts(spec, name, definition):
    official = Draft7Validator(json.loads(shared_schema(definition).read_text()))
    for example in spec.examples:
        errors = [e.message for e in official.iter_errors(example.connections[name])]
        assert errors == [], example.slug


def test_example_md_metadata_is_what_massdriver_sends(spec):
    official = Draft7Validator(json.loads(shared_schema("meta/md_metadata.json").read_text()))
    for example in spec.examples:
        assert [e.message for e in official.iter_errors({"md_metadata": example.params["md_metadata"]})] == []


def _required_paths(schema: dict[str, Any], path: str = "") -> set[str]:
    paths = set()
    for name in schema.get("required", []):
        paths.add(f"{path}{name}")
        child = schema.get("properties", {}).get(name, {})
        paths |= _required_paths(child, f"{path}{name}.")
    return paths


@pytest.mark.parametrize("name,definition", [("aws_authentication", "aws-iam-role.json"), ("vpc", "aws-vpc.json")])
def test_what_the_bundle_requires_of_a_connection_massdriver_guarantees(name, definition):
    official = json.loads(shared_schema(definition).read_text())
    assert _required_paths(CONNECTIONS[name]) <= _required_paths(official)


def test_what_the_bundle_requires_of_md_metadata_massdriver_guarantees():
    official = json.loads(shared_schema("meta/md_metadata.json").read_text())["properties"]["md_metadata"]
    assert _required_paths(MD_METADATA) <= _required_paths(official)
