"""The params form as Massdriver's UI renders it: stock RJSF 6 and @rjsf/validator-ajv8 in headless Chromium.

One browser run (``aurora_bundle.offline.form_preview``, the machinery of ``make preview``) renders the
form ``mass bundle build``'s schema files describe for every preset, switches the instance class to and
from db.serverless and autoscaling off, and types five bad values; the tests read its report. Nothing
is skipped: without node, npm or chromium the run fails and says what is missing (CI installs them).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from aurora_bundle.inputs.conditional import merged
from aurora_bundle.offline import form_preview
from tests.conftest import BUILD

pytestmark = pytest.mark.browser
PRESETS = ["development", "development-serverless", "production", "production-serverless"]
SERVERLESS = {"development-serverless", "production-serverless"}


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    started = time.monotonic()
    found = form_preview.run(BUILD / "browser-test", screenshots=False)
    found["wall_seconds"] = time.monotonic() - started
    return found


@pytest.fixture(scope="module")
def schema(report: dict[str, Any]) -> dict[str, Any]:
    return json.loads((BUILD / "browser-test" / "schema-params.json").read_text())


def _field(schema: dict[str, Any], dotted: str) -> dict[str, Any]:
    node = merged(schema)  # the fields conditional branches add too
    for name in dotted.split("."):
        node = node["items"] if name.isdigit() else node["properties"][name]
    return node


def _title(schema: dict[str, Any], dotted: str) -> str:
    return _field(schema, dotted)["title"]


def _preset(report: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(p for p in report["presets"] if p["slug"] == slug)


def test_every_preset_is_rendered(report):
    assert [p["slug"] for p in report["presets"]] == PRESETS


@pytest.mark.parametrize("slug", PRESETS)
def test_preset_renders_validates_and_submits(report, slug):
    preset = _preset(report, slug)
    assert preset["console_errors"] == []
    assert preset["html5_invalid"] == [], "the browser blocks the submit on these fields"
    assert preset["validation_errors"] == []
    assert preset["submitted"]


@pytest.mark.parametrize("slug", PRESETS)
def test_each_preset_shows_its_monthly_cost_as_the_readme_does(report, spec, slug):
    """The page prices the preset on screen: the README's total, every line item, the prices' date, what it leaves out."""
    from aurora_bundle.cost import prices
    from aurora_bundle.cost.estimate import LEAVES_OUT
    from aurora_bundle.readme import preset_estimates

    preset = _preset(report, slug)
    shown = preset["cost"]
    assert shown is not None, "no cost section on the page"
    assert f"Estimated monthly cost: {preset_estimates(spec)[preset['name']]}" in shown, shown
    for item in ("storage", "alarms"):
        assert item in shown, shown
    assert prices.AS_OF in shown and LEAVES_OUT in shown, shown


@pytest.mark.parametrize("slug", PRESETS)
def test_serverless_sections_follow_the_instance_class(report, slug):
    visible = _preset(report, slug)["visible"]
    serverless = slug in SERVERLESS
    assert visible["serverless_capacity"] is serverless
    assert visible["acu_alarm"] is serverless
    assert visible["db_load_alarm"] is not serverless


def test_switching_to_and_from_db_serverless_shows_and_hides_the_serverless_section(report):
    toggle = report["interactions"]["serverless_toggle"]
    steps = toggle["steps"]
    assert [steps[k]["serverless_capacity"] for k in ("initial", "db.serverless", "db.r7g.large")] == [False, True, False]
    assert [steps[k]["acu_alarm"] for k in ("initial", "db.serverless", "db.r7g.large")] == [False, True, False]
    assert toggle["console_errors"] == []
    assert toggle["submitted"], toggle["validation_errors"]


def test_switching_autoscaling_off_hides_its_bounds(report):
    off = report["interactions"]["autoscaling_off"]
    assert off["before"]["autoscaling_bounds"] is True
    assert off["after"]["autoscaling_bounds"] is False
    assert off["console_errors"] == []
    assert off["submitted"], off["validation_errors"]


def test_five_bad_values_each_show_a_message_naming_the_field(report, schema):
    assert len(report["bad_values"]) == 5
    for bad in report["bad_values"]:
        title = _title(schema, bad["field"])
        assert not bad["submitted"], bad
        assert bad["html5_invalid"] == [] or bad["validated"], bad
        stacks = [e["stack"] for e in bad["validation_errors"]]
        assert any(title in stack for stack in stacks), (bad["field"], title, stacks)
        assert any(title in line for line in bad["errors_on_screen"]), (bad["field"], bad["errors_on_screen"])
        assert bad["field_errors"], f"no message next to {bad['field']}"
        if "pattern" in _field(schema, bad["field"]):  # a format to type: the field shows an example or says it
            assert bad["placeholder"] and bad["help"], f"{bad['field']} shows no example of what it takes"


def test_a_value_outside_a_choice_gets_one_error_naming_the_field(report, schema):
    for field, stacks in report["outside_choices"].items():
        title = _title(schema, field)
        assert len(stacks) == 1 and stacks[0].startswith(f"'{title}' must be"), (field, stacks)
    assert report["outside_choices_console_errors"] == []
