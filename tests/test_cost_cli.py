"""``make cost``: the estimate of any params file, and one ``error:`` line naming a file it cannot estimate."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from aurora_bundle.cost.estimate import estimate
from aurora_bundle.cost.read import read_params
from aurora_bundle.cost.report import span
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*/params.json"))


def _cost(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m aurora_bundle.cost ARGS`` from the bundle root, run in this process (a process of its own only adds
    its start-up; test_the_make_target_reports_a_bad_file_and_still_estimates_the_others runs the real command)."""
    from aurora_bundle.cost.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(["python", "-m", "aurora_bundle.cost", *args], code, out.getvalue(), err.getvalue())


def test_make_cost_prints_every_example_by_default(spec):
    out = _cost()
    assert out.returncode == 0, out.stderr
    headers = [line for line in out.stdout.splitlines() if not line.startswith(" ") and line]
    assert [h.split(":")[0] for h in headers] == [str(p.relative_to(ROOT)) for p in EXAMPLES]
    production = estimate(read_params(ROOT / "examples/production/params.json", spec))
    assert f"examples/production/params.json: {span(production.low, production.high)} a month" in out.stdout
    assert "assumed: 100 GiB of storage" in out.stdout and "leaves out data transfer" in out.stdout


def test_a_params_file_without_md_metadata_and_with_defaults_left_out(tmp_path, spec):
    preset = next(p for p in spec.presets if p.name == "Production")  # as massdriver.yaml lists it: alarms: {}
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(preset.params))
    out = _cost(str(path))
    assert out.returncode == 0, out.stderr
    example = estimate(read_params(ROOT / "examples/production/params.json", spec))
    assert f"{path}: {span(example.low, example.high)} a month" in out.stdout


def test_a_yaml_params_file_is_read_by_its_suffix(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text((ROOT / "examples/development/params.json").read_text())  # JSON is YAML
    out, example = _cost(str(path)), _cost("examples/development/params.json")
    assert out.returncode == 0, out.stderr
    assert out.stdout.replace(str(path), "X") == example.stdout.replace("examples/development/params.json", "X")


def test_the_assumptions_can_be_changed():
    out = _cost("--storage-gib", "1000", "examples/development/params.json")
    assert "1000 GiB (assumed) × $0.10/GiB-month" in out.stdout and "$100.00" in out.stdout


def _broken_rule(path: Path) -> None:
    params = json.loads((ROOT / "examples/development-serverless/params.json").read_text())
    params["scaling"]["serverless"].update(min_capacity=8, max_capacity=4)
    path.write_text(json.dumps(params))


BAD = {
    "missing": lambda path: None,
    "not JSON": lambda path: path.write_text("{\n"),
    "not an object": lambda path: path.write_text("[1, 2]"),
    "breaks the schema": lambda path: path.write_text(
        (ROOT / "examples/production/params.json").read_text().replace('"db.r7g.large"', '"db.r7g.huge"')),
    "breaks a rule": _broken_rule,
}


@pytest.mark.parametrize("kind", list(BAD))
def test_a_file_it_cannot_estimate_gets_one_error_line_naming_it(tmp_path, kind):
    path = tmp_path / "params.json"
    BAD[kind](path)
    out = _cost(str(path))
    assert out.returncode == 1
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), out.stderr
    assert "Traceback" not in out.stderr


def test_the_make_target_reports_a_bad_file_and_still_estimates_the_others(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    missing = tmp_path / "nope.json"
    out = subprocess.run(["make", "-s", "--no-print-directory", "cost", f"PARAMS={missing} examples/development/params.json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {missing}: (document): cannot be read: No such file or directory"]
    assert "Traceback" not in out.stderr
    assert out.stdout.startswith("examples/development/params.json: $")
