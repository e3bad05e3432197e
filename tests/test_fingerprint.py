"""`make build` with nothing changed is a no-op that never starts jsii; any change to what a build
reads or writes makes the next `make build` build again."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aurora_bundle.terraform import fingerprint
from tests.conftest import ROOT


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    for name in fingerprint.INPUTS:
        source = ROOT / name
        if source.exists():
            (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("edit", ["massdriver.yaml", "schemas/alarms.json", "src/cluster.tf.json", "examples"])
def test_a_change_to_anything_a_build_reads_or_writes_means_a_build(bundle, edit):
    fingerprint.record(bundle)
    assert fingerprint.unchanged(bundle)
    target = bundle / edit
    if target.is_dir():
        shutil.rmtree(next(p for p in target.iterdir() if p.is_dir()))
    else:
        target.write_text(target.read_text() + " ")
    assert not fingerprint.unchanged(bundle)


def test_an_unchanged_bundle_is_not_built_again_and_jsii_never_starts(bundle):
    fingerprint.record(bundle)
    probe = ("import sys, time; t = time.monotonic(); from aurora_bundle.cli import main; code = main(['--root', "
             f"{str(bundle)!r}]); print('jsii' in sys.modules, round(time.monotonic() - t, 3)); sys.exit(code)")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "nothing changed since the last build" in proc.stdout
    jsii_loaded, _seconds = proc.stdout.split()[-2:]
    assert jsii_loaded == "False"
