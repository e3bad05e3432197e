"""The README's presets table carries each preset's monthly estimate, written by make build from the estimator."""

from __future__ import annotations

import json

from aurora_bundle.cost import prices
from aurora_bundle.cost.estimate import LEAVES_OUT, estimate
from aurora_bundle.cost.report import summary
from aurora_bundle.inputs.conditional import with_defaults
from aurora_bundle.readme import ESTIMATE_HEADER, PRESETS_END, PRESETS_START, render_readme
from tests.conftest import ROOT

README = ROOT / "README.md"


def _section(text: str) -> str:
    return text[text.index(PRESETS_START) + len(PRESETS_START):text.index(PRESETS_END)]


def _rows(text: str) -> dict[str, list[str]]:
    rows = [line for line in _section(text).splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]
    return {row[0]: row for row in cells[2:]} | {"": cells[0]}


def test_the_readme_estimate_column_is_the_estimators(spec):
    rows = _rows(README.read_text())
    assert rows[""][-1] == ESTIMATE_HEADER
    assert set(rows) - {""} == {preset.name for preset in spec.presets}
    for preset in spec.presets:
        assert rows[preset.name][-1] == summary(estimate(with_defaults(spec.params_schema, preset.params)))


def test_each_preset_estimates_as_its_example(spec):
    """The table's presets (massdriver.yaml) and the examples (what the offline run deploys) cost the same."""
    rows = _rows(README.read_text())
    for example in spec.examples:
        name = next(p.name for p in spec.presets if p.name.lower().replace(" (", "-").rstrip(")") == example.slug)
        assert rows[name][-1] == summary(estimate(json.loads(example.params_path.read_text())))


def test_the_readme_names_the_price_tables_date_and_source_and_what_it_leaves_out():
    section = " ".join(_section(README.read_text()).split())
    assert f"prices as of {prices.AS_OF}" in section
    assert prices.AWS_TOOLKIT in section and prices.AURORA_PRICING in section
    assert " ".join(LEAVES_OUT.split()) in section
    assert "make cost PARAMS=path" in section


def test_a_stale_estimate_is_rewritten(spec):
    text = README.read_text()
    production = _rows(text)["Production"][-1]
    stale = text.replace(f"| {production} |", "| $1 |")
    assert stale != text
    assert render_readme(stale, spec) == text


def test_every_row_is_written_from_its_preset(spec):
    """The table is massdriver.yaml's presets, in their order: a hand-edited cell, a row of no preset and a missing
    row are all written back (a new preset is one entry in massdriver.yaml, never a README edit)."""
    text = README.read_text()
    rows = [line for line in _section(text).splitlines() if line.startswith("| Production")]
    edited = (text.replace(rows[0], rows[0].replace("30 days", "31 days")).replace(rows[1] + "\n", "")
              .replace("| Development |", "| Staging |"))
    assert edited != text
    assert render_readme(edited, spec) == text
    assert [row.split(" | ")[0].lstrip("| ") for row in _section(text).splitlines()[4:4 + len(spec.presets)]] \
        == [preset.name for preset in spec.presets]
