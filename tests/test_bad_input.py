"""A wrong params document gets one line per problem naming the field, and nothing is written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

BUNDLE_FILES = ("massdriver.yaml", "schemas", "artifacts", "examples", "kms", "src")


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    for name in BUNDLE_FILES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    return tmp_path


def _edit_preset(bundle: Path, preset: str, edit) -> None:  # type: ignore[no-untyped-def]
    path = bundle / "massdriver.yaml"
    document = yaml.safe_load(path.read_text())
    edit(next(p for p in document["params"]["examples"] if p["__name"] == preset))
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def _generate(bundle: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "generate.py"), "--root", str(bundle)],
                          capture_output=True, text=True, timeout=120)


def _snapshot(bundle: Path) -> dict[str, bytes]:
    return {str(p.relative_to(bundle)): p.read_bytes() for step in ("kms", "src") for p in (bundle / step).rglob("*")
            if p.is_file()}


CASES = {
    "min ACU above max": (
        "Development (Serverless)",
        lambda p: p["scaling"]["serverless"].update(min_capacity=8, max_capacity=4),
        'massdriver.yaml preset "Development (Serverless)": scaling.serverless.min_capacity = 8: '
        "must be at most scaling.serverless.max_capacity",
    ),
    "unknown engine version": (
        "Production",
        lambda p: p["database"].update(engine_version="13"),
        'massdriver.yaml preset "Production": database.engine_version = "13": expected one of: '
        '"18", "17", "16", "15", "14"',
    ),
    "sixteen readers": (
        "Production",
        lambda p: p["scaling"].update(reader_count=16),
        'massdriver.yaml preset "Production": scaling.reader_count = 16: expected at most 15',
    ),
    "public subnets": (
        "Development",
        lambda p: p["networking"].update(subnet_type="public"),
        'massdriver.yaml preset "Development": networking.subnet_type = "public": expected one of: '
        '"internal", "private"',
    ),
    "misspelt top-level param": (
        "Production (Serverless)",
        lambda p: p.update(observabilty=p.pop("observability")),
        'massdriver.yaml preset "Production (Serverless)": observabilty = ',
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_rejected_with_one_line_naming_the_field_and_nothing_written(bundle, case):
    preset, edit, expected = CASES[case]
    _edit_preset(bundle, preset, edit)
    before = _snapshot(bundle)
    result = _generate(bundle)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any(line.startswith(f"error: {expected}") for line in errors), result.stderr
    assert _snapshot(bundle) == before


def test_misspelt_param_suggests_the_right_name(bundle):
    _edit_preset(bundle, "Production", lambda p: p.update(scalling=p.pop("scaling")))
    result = _generate(bundle)
    assert "scalling" in result.stderr and "did you mean 'scaling'?" in result.stderr
    assert "scaling: is required but missing" in result.stderr


def test_examples_are_checked_too(bundle):
    path = bundle / "examples" / "production" / "params.json"
    path.write_text(path.read_text().replace('"backup": {', '"backup": {"retention_days": 90, "x": 1, ', 1)
                    .replace('"retention_days": 30,', "", 1))
    result = _generate(bundle)
    assert result.returncode == 1
    assert "error: examples/production/params.json: backup.retention_days = 90: expected at most 35" in result.stderr
    assert "error: examples/production/params.json: backup.x = 1: unknown field" in result.stderr


def test_broken_yaml_is_one_line(bundle):
    (bundle / "massdriver.yaml").write_text("name: [unclosed\n")
    result = _generate(bundle)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: massdriver.yaml: (document): not valid YAML")

