"""The published params schema (schema-params.json as ``mass bundle build`` writes it) refuses by itself
what the build refuses: Massdriver validates params with it before any plan, whatever form or client
sent them. A value kept in a branch that no longer applies (RJSF keeps a hidden field's value) is
accepted when well typed and ignored everywhere: by the schema, the build's rules and Terraform.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft7Validator

from aurora_bundle.inputs.rules import broken_rules
from aurora_bundle.inputs.validation import validate_document
from proof.mass_build import build_schemas
from tests.conftest import ROOT, SHARED


@pytest.fixture(scope="module")
def published() -> dict[str, Any]:
    return json.loads(build_schemas(ROOT, SHARED)["schema-params.json"])


@pytest.fixture(scope="module")
def validator(published) -> Draft7Validator:  # type: ignore[no-untyped-def]
    return Draft7Validator(published)


def _preset(published: dict[str, Any], name: str) -> dict[str, Any]:
    example = next(e for e in published["examples"] if e["__name"] == name)
    return {k: copy.deepcopy(v) for k, v in example.items() if k != "__name"}


def _errors(validator: Draft7Validator, params: dict[str, Any]) -> list[str]:
    """Where the schema's errors are: each error's path, and the paths inside a failed oneOf's option."""
    def paths(error: Any) -> list[str]:
        return [".".join(map(str, error.absolute_path)), *(p for inner in error.context or [] for p in paths(inner))]
    return sorted({p for e in validator.iter_errors(params) for p in paths(e)})


def test_every_preset_is_valid(published, validator):
    assert [(e["__name"], _errors(validator, {k: v for k, v in e.items() if k != "__name"}))
            for e in published["examples"]] == [(e["__name"], []) for e in published["examples"]]


# Every object of the params, with a preset where it is present (the serverless block and the ACU alarm
# on a serverless one), and a key none of them has.
LEVELS = [
    ("Production", ()), ("Production", ("database",)), ("Production", ("networking",)),
    ("Production", ("scaling",)), ("Production", ("scaling", "autoscaling")),
    ("Production (Serverless)", ("scaling", "serverless")), ("Production", ("backup",)),
    ("Production", ("observability",)), ("Production", ("alarms",)), ("Production", ("alarms", "cpu_utilization")),
    ("Production (Serverless)", ("alarms", "acu_utilization")), ("Production", ("alarms", "db_load")),
    ("Production", ("database", "custom_endpoints", 0)),
]


@pytest.mark.parametrize("preset,path", LEVELS, ids=lambda v: ".".join(map(str, v)) if isinstance(v, tuple) else v)
def test_an_unknown_key_is_refused_at_every_level(published, validator, preset, path):
    params = _preset(published, preset)
    params["database"]["custom_endpoints"] = [{"name": "analytics", "type": "READER"}]
    node: Any = params
    for key in path:
        node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
    assert _errors(validator, params) == []
    node["colour"] = 1
    assert _errors(validator, params) != [], f"{'.'.join(map(str, path)) or 'params'} accepted an unknown key"


def test_the_typo_the_issue_found_is_refused_naming_the_field(spec, published, validator):
    params = _preset(published, "Production")
    params["alarms"]["cpu_utilisation"] = {"enabled": False}
    assert _errors(validator, params) == ["alarms"]  # propertyNames: on the object
    problems = validate_document(Draft7Validator(spec.params_schema), params, "params.json")
    assert [str(p) for p in problems] == [
        "params.json: alarms.cpu_utilisation: unknown field (did you mean 'cpu_utilization'?); expected one of: "
        "cpu_utilization, freeable_memory, database_connections, replica_lag, acu_utilization, volume_bytes_used, "
        "maximum_used_transaction_ids, db_load, deadlocks"]


def stale(params: dict[str, Any]) -> dict[str, Any]:
    """A provisioned preset with what a form keeps from branches that no longer apply: a serverless block
    (min above max, which the serverless rules would refuse), the ACU alarm, a threshold on an alarm that
    is off and autoscaling bounds with autoscaling off (min above max)."""
    params["scaling"]["serverless"] = {"min_capacity": 16, "max_capacity": 4, "seconds_until_auto_pause": 300}
    params["scaling"]["autoscaling"] = {"mode": "disabled", "min_readers": 3, "max_readers": 1, "target": 70}
    params["alarms"]["acu_utilization"] = {"enabled": True, "threshold": 95}
    params["alarms"]["cpu_utilization"] = {"enabled": False, "threshold": 55}
    return params


def test_a_well_typed_value_kept_from_a_branch_that_does_not_apply_is_accepted_and_ignored(spec, published, validator):
    params = stale(_preset(published, "Production"))
    assert _errors(validator, params) == []
    assert validate_document(Draft7Validator(spec.params_schema), params, "params.json") == []
    assert broken_rules(spec.params_schema, params) == []


@pytest.mark.parametrize("field,value,expected", [
    ("alarms.acu_utilization.threshold", "90%", "expected a value of type number"),
    ("alarms.cpu_utilization.threshold", "55", "expected a value of type number"),
    ("scaling.serverless.max_capacity", "4", "expected a value of type number"),
    ("scaling.autoscaling.target", [70], "expected a value of type number"),
])
def test_a_wrongly_typed_kept_value_is_refused_by_the_schema_naming_the_field(spec, published, validator, field, value,
                                                                              expected):
    params = stale(_preset(published, "Production"))
    *parents, name = field.split(".")
    node = params
    for key in parents:
        node = node[key]
    node[name] = value
    assert _errors(validator, params) != []
    problems = validate_document(Draft7Validator(spec.params_schema), params, "params.json")
    assert [str(p) for p in problems] == [f"params.json: {field} = {json.dumps(value)}: {expected}"]


def test_serverless_with_cpu_autoscaling_is_refused_by_the_schema(spec, published, validator):
    params = _preset(published, "Production")
    params["database"]["instance_class"] = "db.serverless"
    params["scaling"]["serverless"] = {"min_capacity": 2, "max_capacity": 16, "seconds_until_auto_pause": 300}
    assert "scaling.autoscaling.mode" in _errors(validator, params)
    problems = validate_document(Draft7Validator(spec.params_schema), params, "params.json")
    assert [str(p) for p in problems] == [
        'params.json: scaling.autoscaling.mode = "cpu": can be connections or disabled, not cpu, with db.serverless: '
        "ACU scaling already answers CPU load [serverless-scales-readers-on-connections]"]


def test_serverless_without_its_capacity_is_refused_by_the_schema(published, validator):
    params = _preset(published, "Production (Serverless)")
    del params["scaling"]["serverless"]
    assert "scaling" in _errors(validator, params) or "" in _errors(validator, params)


def test_a_threshold_out_of_bounds_is_one_error_on_the_field_even_with_the_switch_left_out(spec, published, validator):
    """Terraform takes a left-out switch as on: the threshold's bounds hold whatever ``enabled`` says."""
    params = _preset(published, "Production")
    params["alarms"]["cpu_utilization"] = {"threshold": 500}
    problems = validate_document(Draft7Validator(spec.params_schema), params, "params.json")
    assert [str(p) for p in problems] == ["params.json: alarms.cpu_utilization.threshold = 500: expected at most 100"]


@pytest.mark.parametrize("edit,field,message", [
    (lambda p: p["database"].update(iam_authentication=False)
     or p["observability"].update(log_exports=["postgresql", "iam-db-auth-error"]), "observability.log_exports",
     "can include iam-db-auth-error only when database.iam_authentication is on [iam-auth-log-needs-iam-auth]"),
    (lambda p: p["scaling"]["autoscaling"].update(mode="cpu", target=150), "scaling.autoscaling.target",
     "must be a CPU percentage of at most 100 when scaling on cpu [cpu-target-is-a-percentage]"),
])
def test_rules_json_schema_can_say_are_caught_by_the_schema_with_the_rules_words(spec, published, validator, edit,
                                                                               field, message):
    """The form refuses them before any plan; the rule (rules.py) stays as the plan's backstop."""
    params = _preset(published, "Production")
    edit(params)
    assert field in _errors(validator, params)
    problems = validate_document(Draft7Validator(spec.params_schema), params, "params.json")
    assert [(p.field, p.expected) for p in problems] == [(field, message)]
    connections = copy.deepcopy(params)
    connections["scaling"]["autoscaling"].update(mode="connections")
    assert field not in _errors(validator, connections) or field == "observability.log_exports"


def test_the_build_accepts_kept_values_and_ignores_them(bundle):
    """``make build`` with a provisioned preset and its example holding a serverless block whose minimum
    is above its maximum, the ACU alarm and a threshold on an alarm that is off: accepted (no rule reads
    them), and the example keeps them as they are."""
    from tests.test_bad_input import _edit_preset, _generate

    _edit_preset(bundle, "Production", stale)
    path = bundle / "examples" / "production" / "params.json"
    path.write_text(json.dumps(stale(json.loads(path.read_text())), indent=2, sort_keys=True) + "\n")
    before = path.read_text()
    result = _generate(bundle)
    assert result.returncode == 0, result.stderr
    assert path.read_text() == before
