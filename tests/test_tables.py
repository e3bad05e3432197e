"""Facts kept in a Python table generate their schema: nothing is kept in two places by hand.

The alarm table (aws/alarm_table.py) writes the alarms' params in schemas/alarms.json and their
ui:order in massdriver.yaml; the engine catalog (inputs/engine.py) writes the enums and bounds of
schemas/database.json, scaling.json and observability.json; examples get the schema's defaults.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aurora_bundle.aws.alarm_table import ALARM_KEYS, ALARMS
from aurora_bundle.inputs import engine
from aurora_bundle.inputs.conditional import merged, with_defaults
from aurora_bundle.inputs.errors import BundleError
from aurora_bundle.massdriver.ownership import split_comment
from aurora_bundle.massdriver.params import SCHEMAS_DIR, STAMPS, UI_MARKER, render_tables, write_tables
from aurora_bundle.readme import END, START
from author.watch import Loop
from proof.watch_process import copy_bundle
from tests.conftest import ROOT


def test_every_generated_schema_file_and_line_is_current():
    assert write_tables(ROOT, check=True) == [], "run make build: a table changed and its schema did not"


def test_each_generated_place_says_what_writes_it():
    for stamp in STAMPS:
        node = json.loads((ROOT / SCHEMAS_DIR / stamp.file).read_text())
        for key in stamp.node:
            node = node[key]
        assert split_comment(node["$comment"])[0] == stamp.comment(), (stamp.file, stamp.node)
    assert UI_MARKER in (ROOT / "massdriver.yaml").read_text()


def test_a_missing_place_to_write_is_one_error_naming_it(tmp_path):
    shutil.copytree(ROOT / SCHEMAS_DIR, tmp_path / SCHEMAS_DIR)
    shutil.copy(ROOT / "massdriver.yaml", tmp_path / "massdriver.yaml")
    database = tmp_path / SCHEMAS_DIR / "database.json"
    document = json.loads(database.read_text())
    del document["properties"]["instance_class"]
    database.write_text(json.dumps(document))
    with pytest.raises(BundleError) as raised:
        render_tables(tmp_path)
    assert [str(p) for p in raised.value.problems] == [
        "schemas/database.json: properties.instance_class: is missing: make build writes its enum from "
        "INSTANCE_CLASSES in aurora_bundle/inputs/engine.py"]


def test_without_its_marker_the_ui_order_line_must_already_be_the_tables(tmp_path):
    shutil.copytree(ROOT / SCHEMAS_DIR, tmp_path / SCHEMAS_DIR)
    text = (ROOT / "massdriver.yaml").read_text().replace(f"{UI_MARKER}\n", "")
    (tmp_path / "massdriver.yaml").write_text(text)
    render_tables(tmp_path)  # a tool that rewrote the YAML dropped the comment: fine while the order is right
    (tmp_path / "massdriver.yaml").write_text(text.replace("cpu_utilization, freeable_memory", "freeable_memory"))
    with pytest.raises(BundleError) as raised:
        render_tables(tmp_path)
    (problem,) = raised.value.problems
    assert str(problem).startswith('massdriver.yaml: ui.alarms.ui:order = ["freeable_memory", ')
    assert "put that line back above it" in str(problem)


def test_the_tables_are_read_without_loading_cdktf():
    """make build writes the tables first, also when the input turns out broken: that must stay cheap."""
    probe = ("import sys; from aurora_bundle.massdriver import params; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'cdktf', 'jsii', 'constructs'}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_engine_choices_and_limits_are_the_catalogs(spec):
    props = merged(spec.params_schema)["properties"]  # with the conditional branches' fields
    database, scaling = props["database"]["properties"], props["scaling"]["properties"]
    assert database["engine_version"]["enum"] == list(engine.MAJORS)
    assert database["instance_class"]["enum"] == engine.INSTANCE_CLASSES
    assert scaling["reader_count"]["maximum"] == engine.MAX_READERS
    autoscaling = scaling["autoscaling"]["properties"]
    assert autoscaling["min_readers"]["maximum"] == autoscaling["max_readers"]["maximum"] == engine.MAX_READERS
    serverless = scaling["serverless"]["properties"]
    assert (serverless["min_capacity"]["minimum"], serverless["max_capacity"]["maximum"]) == (engine.ACU_MIN, engine.ACU_MAX)
    assert serverless["min_capacity"]["multipleOf"] == serverless["max_capacity"]["multipleOf"] == engine.ACU_STEP
    pause = serverless["seconds_until_auto_pause"]
    assert (pause["minimum"], pause["maximum"]) == engine.AUTO_PAUSE_SECONDS
    assert props["observability"]["properties"]["log_exports"]["items"]["enum"] == list(engine.LOG_EXPORTS)


def test_alarms_schema_and_ui_order_are_the_table(spec):
    alarms = merged(spec.params_schema)["properties"]["alarms"]
    assert sorted(alarms["properties"]) == sorted(ALARM_KEYS)
    # An alarm for one kind of instance class is in that branch of the params' dependency on database only
    # (the form draws it there); alarms itself knows every alarm (closed by name) and checks those two.
    branches = dict(zip(("acu_utilization", "db_load"), spec.params_schema["dependencies"]["database"]["oneOf"], strict=True))
    for key, branch in branches.items():
        assert list(branch["properties"]["alarms"]["properties"]) == [key]
    own = spec.params_schema["properties"]["alarms"]
    assert set(own["properties"]) == set(ALARM_KEYS) - set(branches)
    assert own["propertyNames"]["enum"] == ALARM_KEYS and set(own["dependencies"]) == set(branches)
    assert "required" not in alarms  # a params document without an alarm gets the row's defaults
    for row in ALARMS:
        schema = alarms["properties"][row.key]
        assert "default" not in schema  # RJSF 5 would then skip the branch that draws the threshold
        assert with_defaults(alarms, {})[row.key] == {"enabled": row.enabled, "threshold": row.param.default}
        assert schema["properties"]["threshold"]["default"] == row.param.default
        assert schema["properties"]["threshold"]["maximum"] == row.param.maximum
        assert schema["title"] == row.title
    assert spec.document["ui"]["alarms"]["ui:order"] == [*ALARM_KEYS, "*"]


def test_presets_list_only_what_differs_and_examples_are_complete(spec):
    for preset in spec.presets:
        assert preset.params["alarms"] == {}, preset.name  # every preset keeps the table's alarm defaults
    for example in spec.examples:
        serverless = example.params["database"]["instance_class"] == engine.SERVERLESS_CLASS
        applies = set(ALARM_KEYS) - {"db_load" if serverless else "acu_utilization"}  # by the params' dependency on database
        assert list(example.params["alarms"]) == sorted(applies)  # filled in by make build
        assert with_defaults(spec.params_schema, example.params) == example.params


def test_with_defaults_fills_what_is_left_out_at_every_depth_and_changes_nothing_given():
    schema = {"properties": {
        "a": {"properties": {"x": {"default": 1}, "y": {"default": 2}}, "default": {"x": 1, "y": 2}},
        "b": {"properties": {"x": {"default": 1}}},
        "c": {"default": [1]},
    }}
    assert with_defaults(schema, {}) == {"a": {"x": 1, "y": 2}, "c": [1]}
    assert with_defaults(schema, {"a": {"y": 5}, "b": {}, "c": None}) == {"a": {"x": 1, "y": 5}, "b": {"x": 1}, "c": None}
    assert with_defaults(schema, {"a": "not an object"}) == {"a": "not an object", "c": [1]}


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not on PATH")
def test_terraform_gives_a_left_out_alarm_the_tables_defaults(rendered, tmp_path):
    variable = rendered["src"].document()["variable"]["alarms"]
    first, second = ALARMS[0], ALARMS[1]
    config = {"variable": {"alarms": variable}, "output": {"alarms": {"value": "${var.alarms}"}}}
    (tmp_path / "main.tf.json").write_text(json.dumps(config))
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"alarms": {first.key: {"enabled": False}}}))
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TF_IN_AUTOMATION": "1"}
    subprocess.run(["terraform", "plan", "-input=false", "-out=plan"], cwd=tmp_path, env=env, check=True,
                   capture_output=True, timeout=120)
    shown = subprocess.run(["terraform", "show", "-json", "plan"], cwd=tmp_path, env=env, check=True,
                           capture_output=True, text=True, timeout=120)
    alarms = json.loads(shown.stdout)["planned_values"]["outputs"]["alarms"]["value"]
    assert alarms[first.key] == {"enabled": False, "threshold": first.param.default}
    assert alarms[second.key] == {"enabled": second.enabled, "threshold": second.param.default}
    assert sorted(alarms) == sorted(ALARM_KEYS)


NEW_ROW = '''    AlarmSpec(
        key="buffer_cache_hit_ratio", title="Buffer cache hit ratio",
        description="Writer reads served from the buffer cache below this percentage, averaged over 10 minutes.",
        param=Threshold(80.5, minimum=0, maximum=100, unit="%"),
        display_name="Writer buffer cache hit ratio", metric="BufferCacheHitRatio", unit="Percent",
        statistic="Average", comparison="LessThanThreshold", period=600, periods=1,
        message="The working set no longer fits in memory: size up or find the queries that scan.",
    ),
'''


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.parts[len(root.parts)] != "build"}


def test_an_alarm_added_as_one_table_row_reaches_the_schema_the_readme_and_src(tmp_path):
    bundle = copy_bundle(ROOT, tmp_path)
    table = bundle / "aurora_bundle" / "aws" / "alarm_table.py"
    text = table.read_text()
    end = text.index("]\n\nALARM_KEYS")
    table.write_text(text[:end] + NEW_ROW + text[end:])
    before = _files(bundle)
    proc = subprocess.run([sys.executable, str(bundle / "generate.py"), "--root", str(bundle)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(bundle)}, cwd=bundle)
    assert proc.returncode == 0, proc.stderr
    after = _files(bundle)

    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    # The generator wrote the inputs the table generates, and the steps; nothing else needed an edit.
    assert {name for name in changed if not name.startswith(("src/", "kms/"))} == {
        "schemas/alarms.json", "massdriver.yaml", "README.md",
        *(f"examples/{e.name}/params.json" for e in (bundle / "examples").iterdir())}
    assert {"src/alarms.tf.json", "src/variables.tf.json", "kms/variables.tf.json"} <= changed
    schema = json.loads((bundle / "schemas" / "alarms.json").read_text())["properties"]["buffer_cache_hit_ratio"]
    threshold = schema["dependencies"]["enabled"]["oneOf"][0]["properties"]["threshold"]
    assert threshold["title"] == "Buffer cache hit ratio threshold (%)" and threshold["default"] == 80.5
    readme = (bundle / "README.md").read_text()
    section = readme[readme.index(START):readme.index(END)]
    row = ("| `alarms.buffer_cache_hit_ratio.threshold` | Buffer cache hit ratio threshold (%): Writer reads served from the "
           "buffer cache")
    assert row in section
    src = json.loads((bundle / "src" / "alarms.tf.json").read_text())["resource"]
    alarm = src["aws_cloudwatch_metric_alarm"]["buffer_cache_hit_ratio"]
    assert alarm["metric_name"] == "BufferCacheHitRatio"
    assert alarm["threshold"] == "${var.alarms.buffer_cache_hit_ratio.threshold}"
    assert alarm["count"] == "${var.alarms.buffer_cache_hit_ratio.enabled ? 1 : 0}"
    assert "buffer_cache_hit_ratio" in src["massdriver_instance_alarm"]
    variables = json.loads((bundle / "src" / "variables.tf.json").read_text())["variable"]
    assert re.search(r"buffer_cache_hit_ratio = optional\(object\(\{enabled = optional\(bool, true\), "
                     r"threshold = optional\(number, 80\.5\)\}\), \{", variables["alarms"]["type"])
    assert re.search(r'ui:order: \[cpu_utilization, .*deadlocks, buffer_cache_hit_ratio, "\*"\]',
                     (bundle / "massdriver.yaml").read_text())
    for example in (bundle / "examples").iterdir():
        params = json.loads((example / "params.json").read_text())
        assert params["alarms"]["buffer_cache_hit_ratio"] == {"enabled": True, "threshold": 80.5}


def test_the_watcher_does_not_cycle_again_for_what_its_last_cycle_wrote(tmp_path, monkeypatch):
    loop = Loop(tmp_path, None)
    cycles: list[list[Path]] = []
    monkeypatch.setattr(loop, "_cycle", cycles.append)
    schema, edited = tmp_path / "schemas" / "alarms.json", tmp_path / "schemas" / "backup.json"
    schema.parent.mkdir()
    schema.write_text("{}")
    edited.write_text("{}")
    loop.own_writes = {schema: (schema.stat().st_mtime_ns, schema.stat().st_size)}
    loop.cycle([schema])
    assert cycles == []
    loop.own_writes = {schema: (schema.stat().st_mtime_ns, schema.stat().st_size)}
    loop.cycle([schema, edited])
    assert cycles == [[edited]]
    schema.write_text('{"edited": "by hand since"}')
    loop.own_writes = {schema: (0, 2)}
    loop.cycle([schema])
    assert cycles[-1] == [schema]
