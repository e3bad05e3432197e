"""A new preset is one entry in massdriver.yaml and one examples/ folder: in a copy of the bundle with only
those two edits, the build, the browser test and the e2e take it up by themselves."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NAME, SLUG = "Staging", "staging"
# The new preset: Development with one reader (its own character, so the row and the plan differ).
ENTRY = f"""    - __name: {NAME}
      database:
        engine_version: "17"
        instance_class: db.t4g.medium
        storage_type: aurora
        deletion_protection: false
        iam_authentication: true
        ca_cert_identifier: rds-ca-rsa2048-g1
        apply_immediately: true
        maintenance_window: "sun:05:00-sun:06:00"
        extended_support: open-source-rds-extended-support-disabled
      networking:
        subnet_type: internal
      scaling:
        reader_count: 1
        autoscaling: {{mode: disabled, min_readers: 1, max_readers: 3, target: 70}}
      backup:
        retention_days: 3
        window: "03:00-04:00"
        skip_final_snapshot: true
      observability:
        log_exports: [postgresql]
        log_retention_days: 365
        performance_insights_retention_days: 7
        enhanced_monitoring_interval: 60
        slow_query_ms: 500
      alarms: {{}}
"""


def _copy_with_new_preset(copy: Path) -> None:
    """The repository as committed and edited (every file git knows, none it ignores), with the new preset."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    for modules in ("preview/node_modules", "proof/consumers/node/node_modules"):  # installed, not committed
        if (ROOT / modules).is_dir():
            (copy / modules).symlink_to(ROOT / modules, target_is_directory=True)
    manifest = copy / "massdriver.yaml"
    text = manifest.read_text()
    anchor = "  examples:\n"
    assert text.count(anchor) == 1
    manifest.write_text(text.replace(anchor, anchor + ENTRY, 1))
    # Its example: the preset's params as a deployment sends them, beside Development's kind of inputs.
    shutil.copytree(ROOT / "examples" / "development", copy / "examples" / SLUG)
    for name in ("params.json", "connections.json"):
        path = copy / "examples" / SLUG / name
        path.write_text(path.read_text().replace("acme-dev-aurora-k3f9", "acme-stg-aurora-x7p2")
                        .replace("development", SLUG).replace('"md-environment": "dev"', '"md-environment": "staging"'))
    params_path = copy / "examples" / SLUG / "params.json"
    params = json.loads(params_path.read_text())
    params["scaling"]["reader_count"], params["backup"]["retention_days"] = 1, 3
    params_path.write_text(json.dumps(params, indent=2) + "\n")


def _passed(report: Path) -> set[str]:
    """The test ids a JUnit report records as passed."""
    cases = ET.parse(report).getroot().iter("testcase")
    return {case.get("name", "") for case in cases if not any(child.tag in ("failure", "error", "skipped")
                                                                  for child in case)}


def _pytest(copy: Path, name: str, *args: str, **env: str) -> set[str]:
    report = copy / "build" / f"{name}.xml"
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *args],
                         cwd=copy, capture_output=True, text=True, timeout=1800, env={**os.environ, **env})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return _passed(report)


def test_a_preset_added_in_one_entry_and_one_folder_is_built_rendered_and_deployed(tmp_path):
    copy = tmp_path / "repo"
    (tmp_path / "shared").symlink_to(ROOT.parent / "shared", target_is_directory=True)
    _copy_with_new_preset(copy)
    built = subprocess.run([sys.executable, "generate.py"], cwd=copy, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert f"| {NAME} | `db.t4g.medium` writer + 1 reader across AZs |" in (copy / "README.md").read_text()
    # The bundle's own checks of presets and examples hold for it.
    assert "test_every_preset_has_its_example_and_the_character_of_its_kind" in _pytest(
        copy, "yaml", "tests/test_massdriver_yaml.py", "tests/test_generated_steps.py")
    rendered = _pytest(copy, "browser", "tests/test_form_in_browser.py", "-k", SLUG)
    assert any(SLUG in case and case.startswith("test_") for case in rendered), rendered
    deployed = _pytest(copy, "e2e", "tests/test_e2e.py", "-k", SLUG, AURORA_E2E_ONLY=SLUG)
    assert {f"{test}[{SLUG}]" for test in ("test_full_cycle_succeeds", "test_second_plan_has_nothing_to_do",
                                           "test_plan_builds_a_secure_cluster",
                                           "test_decommission_leaves_nothing_but_the_key_and_the_final_snapshot")
            } <= deployed, deployed
