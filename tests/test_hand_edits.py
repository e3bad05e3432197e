"""A hand edit to what a table owns is refused with one line naming the file, the path and the table;
a hand edit elsewhere is kept, and a change of the table still rewrites the file (massdriver/ownership.py)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aurora_bundle.aws.alarm_table import ALARMS
from aurora_bundle.inputs import engine
from aurora_bundle.inputs.errors import BundleError
from aurora_bundle.massdriver import params
from aurora_bundle.massdriver.ownership import split_comment
from aurora_bundle.massdriver.params import SCHEMAS_DIR, STAMPS, render_tables
from tests.conftest import ROOT

ENGINE = "owned by {} in aurora_bundle/inputs/engine.py: change the table, not the file"
ALARM_TABLE = "owned by ALARMS in aurora_bundle/aws/alarm_table.py: change the table, not the file"


def _edit_json(bundle: Path, file: str, edit: Callable[[dict[str, Any]], Any]) -> None:
    path = bundle / SCHEMAS_DIR / file
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document, indent=2) + "\n")


def _props(document: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        document = document["properties"][name]
    return document


def _refused(bundle: Path) -> list[str]:
    with pytest.raises(BundleError) as raised:
        render_tables(bundle)
    return [str(p) for p in raised.value.problems]


HAND_EDITS: dict[str, tuple[str, Callable[[dict[str, Any]], Any], str]] = {
    "a key added inside an alarm": (
        "alarms.json", lambda d: _props(d, "cpu_utilization").update(required=["threshold"]),
        f'schemas/alarms.json: properties.cpu_utilization.required = ["threshold"]: {ALARM_TABLE}'),
    "a required written where the table writes none": (
        "alarms.json", lambda d: d.update(required=["cpu_utilization"]),
        f'schemas/alarms.json: required = ["cpu_utilization"]: {ALARM_TABLE}'),
    "an alarm's threshold bound changed": (
        "alarms.json",
        lambda d: _props(d, "cpu_utilization")["dependencies"]["threshold"]["properties"]["threshold"].update(maximum=90),
        "schemas/alarms.json: properties.cpu_utilization.dependencies.threshold.properties.threshold.maximum = 90: "
        f"{ALARM_TABLE}"),
    "an alarm removed": (
        "alarms.json", lambda d: d["properties"].pop("deadlocks"),
        f"schemas/alarms.json: properties.deadlocks: removed; {ALARM_TABLE}"),
    "a branch's alarm default changed": (
        "when-serverless.json",
        lambda d: _props(d, "alarms", "acu_utilization", "enabled").update(default=False),
        "schemas/when-serverless.json: properties.alarms.properties.acu_utilization.properties.enabled.default = false: "
        f"{ALARM_TABLE}"),
    "the readers' maximum changed": (
        "scaling.json", lambda d: _props(d, "reader_count").update(maximum=20),
        "schemas/scaling.json: properties.reader_count.maximum = 20: " + ENGINE.format("MAX_READERS")),
    "an ACU bound removed": (
        "scaling.json",
        lambda d: d["dependencies"]["serverless"]["properties"]["serverless"]["properties"]["min_capacity"].pop("multipleOf"),
        "schemas/scaling.json: dependencies.serverless.properties.serverless.properties.min_capacity.multipleOf: "
        "removed; " + ENGINE.format("ACU_MIN, ACU_MAX and ACU_STEP")),
    "a major added to the enum": (
        "database.json", lambda d: _props(d, "engine_version")["enum"].append("13"),
        'schemas/database.json: properties.engine_version.enum = ["18", "17", "16", "15", "14", "13"]: '
        + ENGINE.format("MAJORS")),
    "a log export removed": (
        "observability.json", lambda d: _props(d, "log_exports")["items"]["enum"].remove("iam-db-auth-error"),
        'schemas/observability.json: properties.log_exports.items.enum = ["postgresql"]: '
        + ENGINE.format("LOG_EXPORTS")),
    "the generated $comment reworded": (
        "database.json", lambda d: _props(d, "instance_class").update({"$comment": "the classes we allow"}),
        'schemas/database.json: properties.instance_class.$comment = "the classes we allow": '
        + ENGINE.format("INSTANCE_CLASSES")),
    "the $comment deleted and the enum edited": (
        "database.json", lambda d: _props(d, "instance_class").update(enum=["db.r7g.large"]) or
        _props(d, "instance_class").pop("$comment"),
        'schemas/database.json: properties.instance_class.enum = ["db.r7g.large"]: ' + ENGINE.format("INSTANCE_CLASSES")),
}


@pytest.mark.parametrize("case", HAND_EDITS)
def test_a_hand_edit_to_a_key_a_table_owns_is_refused_naming_the_table(bundle, case):
    file, edit, expected = HAND_EDITS[case]
    _edit_json(bundle, file, edit)
    assert _refused(bundle) == [expected]


def test_a_hand_edit_to_the_generated_ui_order_line_is_refused(bundle):
    path = bundle / "massdriver.yaml"
    path.write_text(path.read_text().replace("ui:order: [cpu_utilization, freeable_memory,", "ui:order: [freeable_memory,"))
    (line,) = _refused(bundle)
    assert line.startswith('massdriver.yaml: ui.alarms.ui:order = ["freeable_memory", "database_connections", ')
    assert line.endswith(f": {ALARM_TABLE}")


def test_a_note_added_on_the_generated_line_is_refused_not_dropped(bundle):
    path = bundle / "massdriver.yaml"
    path.write_text(path.read_text().replace('deadlocks, "*"]', 'deadlocks, "*"]  # keep deadlocks last'))
    (line,) = _refused(bundle)
    assert line.startswith("massdriver.yaml: ui.alarms.ui:order = ") and line.endswith(f": {ALARM_TABLE}")


def test_generate_refuses_in_one_line_writes_nothing_and_check_says_the_same(bundle):
    _edit_json(bundle, "scaling.json", lambda d: _props(d, "reader_count").update(maximum=20))
    before = {p: p.read_bytes() for p in bundle.rglob("*") if p.is_file()}
    expected = ["error: schemas/scaling.json: properties.reader_count.maximum = 20: " + ENGINE.format("MAX_READERS"),
                "1 problem(s); nothing was written."]
    for args in ([], ["--check"]):
        result = subprocess.run([sys.executable, str(ROOT / "generate.py"), "--root", str(bundle), *args],
                                capture_output=True, text=True, timeout=120)
        assert (result.returncode, result.stdout, result.stderr.splitlines()) == (1, "", expected), args
        assert {p: p.read_bytes() for p in bundle.rglob("*") if p.is_file()} == before


def test_hand_owned_text_beside_a_tables_keys_is_kept(bundle):
    def edit(document: dict[str, Any]) -> None:
        document.update(title="Alerts", description="Edited by hand.")  # the node whose properties ALARMS writes

    _edit_json(bundle, "alarms.json", edit)
    _edit_json(bundle, "scaling.json", lambda d: _props(d, "reader_count").update(title="Fixed readers"))
    # A deleted $comment loses nothing the build cannot write back.
    _edit_json(bundle, "database.json", lambda d: _props(d, "engine_version").pop("$comment"))
    texts = render_tables(bundle)
    alarms = json.loads(texts[bundle / SCHEMAS_DIR / "alarms.json"])
    assert (alarms["title"], alarms["description"]) == ("Alerts", "Edited by hand.")
    assert _props(json.loads(texts[bundle / SCHEMAS_DIR / "scaling.json"]), "reader_count")["title"] == "Fixed readers"
    comment = _props(json.loads(texts[bundle / SCHEMAS_DIR / "database.json"]), "engine_version")["$comment"]
    (stamp,) = (s for s in STAMPS if s.file == "database.json" and s.node == ("properties", "engine_version"))
    assert split_comment(comment)[0] == stamp.comment()


def _write(texts: dict[Path, str]) -> None:
    for path, text in texts.items():
        path.write_text(text)


def test_a_table_change_rewrites_what_the_build_wrote(bundle, monkeypatch):
    monkeypatch.setattr(engine, "MAX_READERS", 12)
    monkeypatch.setattr(params, "ALARMS", [row for row in ALARMS if row.key != "deadlocks"])
    texts = render_tables(bundle)
    assert _props(json.loads(texts[bundle / SCHEMAS_DIR / "scaling.json"]), "reader_count")["maximum"] == 12
    assert "deadlocks" not in json.loads(texts[bundle / SCHEMAS_DIR / "alarms.json"])["properties"]
    assert 'maximum_used_transaction_ids, db_load, "*"]' in texts[bundle / "massdriver.yaml"]
    _write(texts)
    assert render_tables(bundle) == texts  # what it wrote is its own again: the next build changes nothing
    monkeypatch.undo()
    assert _props(json.loads(render_tables(bundle)[bundle / SCHEMAS_DIR / "scaling.json"]), "reader_count")["maximum"] \
        == engine.MAX_READERS  # and the table changed back rewrites it back


def test_a_file_written_before_digests_is_taken_over_when_it_is_the_tables(bundle):
    def strip(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$comment"), str):
                node["$comment"] = split_comment(node["$comment"])[0]
            for value in node.values():
                strip(value)

    for stamp_file in {stamp.file for stamp in STAMPS}:
        _edit_json(bundle, stamp_file, strip)
    yaml_path = bundle / "massdriver.yaml"
    yaml_path.write_text(re.sub(r"  # digest of what it wrote: \w+$", "", yaml_path.read_text(), flags=re.MULTILINE))
    assert "digest of what it wrote" not in (bundle / SCHEMAS_DIR / "scaling.json").read_text() + yaml_path.read_text()
    committed = {path.relative_to(ROOT): text for path, text in render_tables(ROOT).items()}
    # The committed files, digests written back.
    assert {path.relative_to(bundle): text for path, text in render_tables(bundle).items()} == committed
