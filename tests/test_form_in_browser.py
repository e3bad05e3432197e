"""The params form under every renderer Massdriver's UI might run, in headless Chromium.

Massdriver's UI is closed: which RJSF major it runs and whether it sets ``omitExtraData`` / ``liveOmit``
is not documented. One browser run (``author.form_preview``, the machinery of ``make
preview``) renders the form ``mass bundle build``'s schema files describe under RJSF 5.24 and 6, each with
default settings, with ``omitExtraData``, and with ``omitExtraData`` + ``liveOmit``, for every preset
(massdriver.yaml's ``examples``), and in every cell makes the switches a user makes: the class to and from
db.serverless, autoscaling off, an alarm off and on again with a custom threshold typed. The tests read its
report, one test per cell and check.

Whatever the form submits must pass the build's own check of a params document
(``validation.params_problems``: the params schema, unknown fields in any branch, and the cross-field
rules the plan's preconditions repeat) and the plan itself (``params_plan``: src/'s variable types and
the rules' preconditions, one ``terraform plan`` for every document the form submitted): a value the form
keeps out of sight must not fail the plan. Nothing is skipped: without node, npm, chromium or terraform
the run fails and says what is missing (CI installs them).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from aurora_bundle.inputs import spec as spec_module
from aurora_bundle.inputs.conditional import merged, resolved
from aurora_bundle.inputs.engine import SERVERLESS_CLASS
from aurora_bundle.inputs.rules import get_path
from aurora_bundle.inputs.validation import params_problems
from author import form_preview
from proof.params_plan import plan_refusals
from tests.conftest import BUILD, ROOT

pytestmark = pytest.mark.browser

SPEC = spec_module.load(ROOT)
PRESETS = {form_preview.preset_slug(preset.name): preset for preset in SPEC.presets}
CELLS = [(rjsf, omit, slug) for rjsf in form_preview.RENDERERS for omit in form_preview.SETTINGS for slug in PRESETS]
CELL_IDS = [f"rjsf{rjsf}-{omit}-{slug}" for rjsf, omit, slug in CELLS]
MAIN = ("6", "default")  # the renderer the cost section is checked under
OUT = BUILD / "browser-test"


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    started = time.monotonic()
    found = form_preview.run(OUT, screenshots=False)
    found["wall_seconds"] = time.monotonic() - started
    return found


@pytest.fixture(scope="module")
def schema(report: dict[str, Any]) -> dict[str, Any]:
    """The params schema as mass bundle build writes it: what the form renders."""
    return json.loads((OUT / "schema-params.json").read_text())


def _cell(report: dict[str, Any], rjsf: str, omit: str, slug: str, *blocks: str) -> dict[str, Any]:
    """The cell's report; one of ``blocks`` the browser could not play (drive.mjs's ``error``) fails the test."""
    cell = next(c for c in report["cells"] if (c["rjsf"], c["omit"], c["slug"]) == (rjsf, omit, slug))
    for block in blocks:
        if "error" in cell[block]:
            pytest.fail(f"{block}: the browser could not play it: {cell[block]['error']} {cell[block]['console_errors']}")
    return cell


def _field(schema: dict[str, Any], dotted: str) -> dict[str, Any]:
    node = merged(schema)  # the fields conditional branches add too
    for name in dotted.split("."):
        node = node["items"] if name.isdigit() else node["properties"][name]
    return node


def _title(schema: dict[str, Any], dotted: str) -> str:
    return _field(schema, dotted)["title"]


def _key(data: Any) -> str:
    return json.dumps(data, sort_keys=True)


def _documents(cell: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a cell that submitted (or, switching the class, tried to): each has its form_data."""
    blocks = {name: cell[name] for name in ("initial", "class_switch", "autoscaling_off", "alarm_threshold")
              if "error" not in cell[name]}
    return [*([blocks["initial"]] if "initial" in blocks else []),
            *blocks.get("class_switch", {}).get("steps", []),
            *(blocks[name]["steps"][-1] for name in ("autoscaling_off", "alarm_threshold") if name in blocks)]


@pytest.fixture(scope="module")
def refusals(report: dict[str, Any]) -> dict[str, list[str]]:
    """What the build, then the plan, refuse in every params document of the report, by its JSON."""
    documents = {_key(s["form_data"]): s["form_data"] for c in report["cells"] for s in _documents(c)
                 if isinstance(s["form_data"], dict)}
    planned = plan_refusals(list(documents.values()), ROOT / "src", SPEC.param_names, BUILD / "browser-test-plan")
    return {key: [f"the build refuses it: {problem}" for problem in params_problems(SPEC.params_schema, data, "params")]
            + [f"the plan refuses it: {error}" for error in errors]
            for (key, data), errors in zip(documents.items(), planned, strict=True)}


def _refused(refusals: dict[str, list[str]], data: Any, where: str) -> list[str]:
    """What the build and the plan refuse in a params document the form submitted (or holds)."""
    if not isinstance(data, dict):
        return [f"{where}: the form holds {data!r}, not a params document"]
    return [f"{where}: {line}" for line in refusals[_key(data)]]


def _shown_leaves(schema: Any, value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of ``value`` in a field the form shows (``schema``: the branches that apply merged in), by path."""
    if isinstance(value, dict) and isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
        found: dict[str, Any] = {}
        for name, child in value.items():
            if name in schema["properties"]:
                found.update(_shown_leaves(schema["properties"][name], child, f"{path}.{name}" if path else name))
        return found
    return {path: value}


def _expected_threshold(slug: str, alarm: str) -> Any:
    """What an alarm's threshold box must show on a fresh preset: the preset's own value, else the schema's default."""
    own = get_path(PRESETS[slug].params, f"alarms.{alarm}.threshold")
    if own is not None:
        return own
    node = merged(SPEC.params_schema)["properties"]["alarms"]["properties"][alarm]
    return node["properties"]["threshold"]["default"]


def _shows(box: str | None, expected: Any) -> bool:
    try:
        return box is not None and float(box) == float(expected)
    except (TypeError, ValueError):
        return False


def _threshold_problems(alarms: dict[str, Any], slug: str, where: str = "") -> list[str]:
    """Every enabled alarm on screen shows the threshold Terraform gets (the preset's, else the default)."""
    found = []
    for name, alarm in alarms.items():
        expected = _expected_threshold(slug, name)
        if alarm["enabled"] is True and not alarm["threshold_shown"]:
            found.append(f"{where}alarms.{name}: on, but no threshold box (Terraform gets {expected})")
        elif alarm["enabled"] is True and not _shows(alarm["threshold"], expected):
            found.append(f"{where}alarms.{name}.threshold: the box shows {alarm['threshold']!r}, Terraform gets {expected}")
    return found


def _submit_problems(step: dict[str, Any], where: str, refusals: dict[str, list[str]]) -> list[str]:
    """Why the step did not submit cleanly, or why the build or the plan refuse what it submitted (none: all is well)."""
    found = []
    if step["html5_invalid"]:
        found.append(f"{where}: the browser refuses the submit on these fields: {', '.join(step['html5_invalid'])}")
    if step["validation_errors"]:
        found.append(f"{where}: RJSF refuses the submit: {'; '.join(e['stack'] for e in step['validation_errors'])}")
    if not step["submitted"]:
        found.append(f"{where}: the form did not submit")
    else:
        found += _refused(refusals, step["form_data"], f"{where}: submitted, and")
    return found


def _fail_on(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


def test_the_matrix_covers_both_majors_every_setting_and_every_preset(report):
    assert sorted((c["rjsf"], c["omit"], c["slug"]) for c in report["cells"]) == sorted(CELLS)
    lock = json.loads((form_preview.NODE_DIR / "package-lock.json").read_text())["packages"]
    pinned = {"5": (lock["node_modules/rjsf5-core"]["version"], lock["node_modules/react18"]["version"]),
              "6": (lock["node_modules/@rjsf/core"]["version"], lock["node_modules/react"]["version"])}
    assert pinned["5"][0].startswith("5.24.") and pinned["6"][0].startswith("6."), pinned
    for key, renderer in report["renderers"].items():
        assert (renderer["version"], renderer["react"]) == pinned[renderer["rjsf"]], key
        assert renderer["load_console_errors"] == [], (key, renderer["load_console_errors"])


@pytest.mark.parametrize(("rjsf", "omit", "slug"), CELLS, ids=CELL_IDS)
def test_preset_renders_validates_and_submits_what_it_shows(report, refusals, rjsf, omit, slug):
    cell = _cell(report, rjsf, omit, slug, "render", "initial")
    problems = [f"console: {line}" for line in cell["render"]["console_errors"] + cell["initial"]["console_errors"]]
    problems += _submit_problems(cell["initial"], slug, refusals)
    if cell["initial"]["submitted"]:
        preset = PRESETS[slug].params
        submitted = cell["initial"]["form_data"]
        problems += [f"{path}: the preset has {value!r} on screen, the form submitted {get_path(submitted, path)!r}"
                     for path, value in _shown_leaves(resolved(SPEC.params_schema, preset), preset).items()
                     if get_path(submitted, path) != value]
    _fail_on(problems)


@pytest.mark.parametrize(("rjsf", "omit", "slug"), CELLS, ids=CELL_IDS)
def test_every_alarm_threshold_box_shows_its_default(report, rjsf, omit, slug):
    """An enabled alarm's threshold box shows the threshold Terraform gets when the user leaves it alone."""
    alarms = _cell(report, rjsf, omit, slug, "render")["render"]["alarms"]
    applies = resolved(SPEC.params_schema, PRESETS[slug].params).get("properties", {}).get("alarms", {}).get("properties", {})
    problems = [f"alarms.{name}: not on screen" for name in applies if not alarms[name]["enabled_shown"]]
    _fail_on(problems + _threshold_problems(alarms, slug))


@pytest.mark.parametrize(("rjsf", "omit", "slug"), CELLS, ids=CELL_IDS)
def test_serverless_sections_follow_the_instance_class(report, rjsf, omit, slug):
    visible = _cell(report, rjsf, omit, slug, "render")["render"]["visible"]
    serverless = PRESETS[slug].params["database"]["instance_class"] == SERVERLESS_CLASS
    assert visible["serverless_capacity"] is serverless
    assert visible["acu_alarm"] is serverless
    assert visible["db_load_alarm"] is not serverless


@pytest.mark.parametrize(("rjsf", "omit", "slug"), CELLS, ids=CELL_IDS)
def test_switching_the_class_to_and_from_db_serverless(report, refusals, rjsf, omit, slug):
    """The serverless section follows each switch; on the way the form refuses exactly what the build refuses
    (serverless with CPU autoscaling is caught in the form, not at plan); back on the preset's class it
    submits, and nothing it keeps out of sight fails the build or the plan."""
    switch = _cell(report, rjsf, omit, slug, "class_switch")["class_switch"]
    steps = switch["steps"]
    assert [s["class"] for s in steps] == [steps[0]["class"], switch["from"]] and steps[0]["class"] != switch["from"]
    problems = [f"console: {line}" for line in switch["console_errors"]]
    for step in steps:
        serverless = step["class"] == SERVERLESS_CLASS
        shown = (step["visible"]["serverless_capacity"], step["visible"]["acu_alarm"], step["visible"]["db_load_alarm"])
        if shown != (serverless, serverless, not serverless):
            problems.append(f"{step['class']}: serverless capacity, ACU alarm, database load alarm on screen: {shown}")
        problems += _threshold_problems(step["alarms"], slug, f"switched to {step['class']}: ")
    away = steps[0]
    where = f"{slug} switched to {away['class']}"
    refused = _refused(refusals, away["form_data"], f"{where}: submitted, and")
    if away["submitted"]:
        problems += refused
    elif not refused:
        problems.append(f"{where}: the form refused what the build and the plan accept: "
                        + "; ".join(away["html5_invalid"] + [e["stack"] for e in away["validation_errors"]]))
    elif not (away["validation_errors"] or away["html5_invalid"]):
        problems.append(f"{where}: the form refused without a message")
    back = steps[-1]
    problems += _submit_problems(back, f"{where} and back to {back['class']}", refusals)
    if back["submitted"] and back["form_data"]["database"]["instance_class"] != switch["from"]:
        problems.append(f"submitted database.instance_class {back['form_data']['database']['instance_class']!r}")
    _fail_on(problems)


@pytest.mark.parametrize(("rjsf", "omit", "slug"), CELLS, ids=CELL_IDS)
def test_switching_autoscaling_off_hides_its_bounds_and_submits(report, refusals, rjsf, omit, slug):
    switch = _cell(report, rjsf, omit, slug, "autoscaling_off")["autoscaling_off"]
    steps = switch["steps"]
    assert [s["mode"] == "disabled" for s in steps][-2:] == [False, True], [s["mode"] for s in steps]
    problems = [f"console: {line}" for line in switch["console_errors"]]
    problems += [f"mode {s['mode']}: bounds on screen: {s['visible']['autoscaling_bounds']}" for s in steps
                 if s["visible"]["autoscaling_bounds"] is not (s["mode"] != "disabled")]
    problems += _submit_problems(steps[-1], f"{slug} with autoscaling off", refusals)
    if steps[-1]["submitted"] and steps[-1]["form_data"]["scaling"]["autoscaling"]["mode"] != "disabled":
        problems.append(f"submitted scaling.autoscaling.mode {steps[-1]['form_data']['scaling']['autoscaling']['mode']!r}")
    _fail_on(problems)


@pytest.mark.parametrize(("rjsf", "omit", "slug"), CELLS, ids=CELL_IDS)
def test_a_threshold_typed_on_a_re_enabled_alarm_is_what_terraform_gets(report, refusals, rjsf, omit, slug):
    switch = _cell(report, rjsf, omit, slug, "alarm_threshold")["alarm_threshold"]
    alarm, typed = switch["alarm"], switch["typed"]
    steps = {s["step"]: s for s in switch["steps"]}
    problems = [f"console: {line}" for line in switch["console_errors"]]
    off, on = steps["off"], steps["on"]
    if off["enabled"] is not False or off["threshold_shown"]:
        problems.append(f"turned off: enabled {off['enabled']!r}, threshold box on screen {off['threshold_shown']}")
    if on["enabled"] is not True or not on["threshold_shown"]:
        problems.append(f"turned on again: enabled {on['enabled']!r}, threshold box on screen {on['threshold_shown']}")
    elif not _shows(steps["on"]["threshold"], _expected_threshold(slug, alarm)):
        problems.append(f"turned on again: the threshold box shows {steps['on']['threshold']!r}, "
                        f"Terraform gets {_expected_threshold(slug, alarm)}")
    done = steps["typed"]
    if not done["typed"]:
        problems.append("no threshold box to type into")
    problems += _submit_problems(done, f"{slug} with alarms.{alarm}.threshold typed", refusals)
    if done["submitted"] and done["form_data"]["alarms"].get(alarm) != {"enabled": True, "threshold": typed}:
        problems.append(f"typed {typed}, the form submitted alarms.{alarm} = {done['form_data']['alarms'].get(alarm)}")
    _fail_on(problems)


@pytest.mark.parametrize("slug", list(PRESETS))
def test_each_preset_shows_its_monthly_cost_as_the_readme_does(report, spec, slug):
    """The page prices the preset on screen: the README's total, every line item, the prices' date, what it leaves out."""
    from aurora_bundle.cost import prices
    from aurora_bundle.cost.estimate import LEAVES_OUT
    from aurora_bundle.readme import preset_estimates

    cell = _cell(report, *MAIN, slug, "render")
    shown = cell["render"]["cost"]
    assert shown is not None, "no cost section on the page"
    assert f"Estimated monthly cost: {preset_estimates(spec)[cell['preset']]}" in shown, shown
    for item in ("storage", "alarms"):
        assert item in shown, shown
    assert prices.AS_OF in shown and LEAVES_OUT in shown, shown


@pytest.mark.parametrize("rjsf", form_preview.RENDERERS)
def test_five_bad_values_each_show_a_message_naming_the_field(report, schema, rjsf):
    assert isinstance(report["bad_values"][rjsf], list), report["bad_values"][rjsf]
    assert len(report["bad_values"][rjsf]) == 5
    for bad in report["bad_values"][rjsf]:
        title = _title(schema, bad["field"])
        assert not bad["submitted"], bad
        assert bad["html5_invalid"] == [] or bad["validated"], bad
        stacks = [e["stack"] for e in bad["validation_errors"]]
        assert any(title in stack for stack in stacks), (bad["field"], title, stacks)
        assert any(title in line for line in bad["errors_on_screen"]), (bad["field"], bad["errors_on_screen"])
        assert bad["field_errors"], f"no message next to {bad['field']}"
        if "pattern" in _field(schema, bad["field"]):  # a format to type: the field shows an example or says it
            assert bad["placeholder"] and bad["help"], f"{bad['field']} shows no example of what it takes"


@pytest.mark.parametrize("rjsf", form_preview.RENDERERS)
def test_a_value_outside_a_choice_gets_one_error_naming_the_field(report, schema, rjsf):
    outside = report["outside_choices"][rjsf]
    assert "error" not in outside, outside
    for field, stacks in outside["found"].items():
        title = _title(schema, field)
        assert len(stacks) == 1 and stacks[0].startswith(f"'{title}' must be"), (field, stacks)
    assert outside["console_errors"] == []
