"""The plan-file reader the e2e's what-if sweeps use instead of ``terraform show -json`` agrees with it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from proof.planfile import changed_actions, resource_actions

pytestmark = [pytest.mark.offline, pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform")]


def _config(version: str, cbd: bool = True) -> dict:
    """terraform_data only (Terraform's built-in provider): kept, updated, replaced both ways, added, removed."""
    resources = {
        "kept": {"input": "same"},
        "updated": {"input": version},
        "replaced_first": {"triggers_replace": [version], "lifecycle": [{"create_before_destroy": cbd}]},
        "replaced_after": {"triggers_replace": [version]},
    }
    resources["added" if version == "2" else "removed"] = {"input": "x"}
    return {"resource": {"terraform_data": resources}}


def _terraform(workdir: Path, *args: str) -> str:
    proc = subprocess.run(["terraform", *args, "-no-color"] if args[0] != "show" else ["terraform", *args],
                          cwd=workdir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_plan_file_gives_every_change_as_show_json_does(tmp_path):
    (tmp_path / "main.tf.json").write_text(json.dumps(_config("1")))
    _terraform(tmp_path, "init", "-input=false")
    _terraform(tmp_path, "apply", "-input=false", "-auto-approve")
    (tmp_path / "main.tf.json").write_text(json.dumps(_config("2")))
    _terraform(tmp_path, "plan", "-input=false", "-out=tf.plan")
    shown = json.loads(_terraform(tmp_path, "show", "-json", "tf.plan"))
    expected = {rc["address"]: rc["change"]["actions"] for rc in shown["resource_changes"]}
    assert {address: actions for address, _deposed, actions in resource_actions(tmp_path / "tf.plan")} == expected
    assert changed_actions(tmp_path / "tf.plan") == {
        "terraform_data.updated": ["update"],
        "terraform_data.replaced_first": ["create", "delete"],
        "terraform_data.replaced_after": ["delete", "create"],
        "terraform_data.added": ["create"],
        "terraform_data.removed": ["delete"],
    }
