"""The new-preset proof's runs, started in the background as soon as the session knows it will run the test.

A copy of the bundle with one massdriver.yaml entry and one examples/ folder more is built, then its own
tests run on it (the yaml checks, the browser test, the e2e), each its own pytest process. The copy's e2e
spends its minutes in the AWS provider's waiters (30 s polls), so it runs beside this session's own e2e,
not after it. ``tests/test_new_preset.py`` waits for the result.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import BUILD, ROOT

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


@dataclass
class Outcome:
    """What the runs found: the README the build wrote, and the ids each pytest run passed (or why it failed)."""

    readme: str = ""
    passed: dict[str, set[str]] = field(default_factory=dict)
    failure: str | None = None


class _Failed(Exception):
    pass


def _run(copy: Path) -> Outcome:
    outcome = Outcome()
    built = subprocess.run([sys.executable, "generate.py"], cwd=copy, capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        raise _Failed(f"generate.py: {built.stderr}")
    outcome.readme = (copy / "README.md").read_text()
    runs = {"yaml": (["tests/test_massdriver_yaml.py", "tests/test_generated_steps.py"], {}),
            "browser": (["tests/test_form_in_browser.py", "-k", SLUG], {}),
            "e2e": (["tests/test_e2e.py", "-k", SLUG], {"AURORA_E2E_ONLY": SLUG})}
    for name, (args, env) in runs.items():
        report = copy / "build" / f"{name}.xml"
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                              *args], cwd=copy, capture_output=True, text=True, timeout=2400, env={**os.environ, **env})
        if run.returncode != 0:
            raise _Failed(f"pytest {' '.join(args)}: {run.stdout[-4000:]}{run.stderr[-2000:]}")
        outcome.passed[name] = _passed(report)
    return outcome


class NewPresetRun:
    """The runs in a thread of their own; ``result()`` waits for them."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.outcome = Outcome()
        self.thread = threading.Thread(target=self._main, name="new-preset", daemon=True)

    def start(self) -> NewPresetRun:
        self.thread.start()
        return self

    def _main(self) -> None:
        try:
            if self.work.exists():
                shutil.rmtree(self.work)
            self.work.mkdir(parents=True)
            (self.work / "shared").symlink_to(ROOT.parent / "shared", target_is_directory=True)
            _copy_with_new_preset(self.work / "repo")
            self.outcome = _run(self.work / "repo")
        except Exception as error:  # reported by the test, whatever it was
            self.outcome.failure = f"{type(error).__name__}: {error}"

    def result(self) -> Outcome:
        self.thread.join()
        return self.outcome


_started: NewPresetRun | None = None


def start() -> None:
    """Begin the runs (once per session)."""
    global _started
    if _started is None:
        _started = NewPresetRun(BUILD / "new-preset").start()


def result() -> Outcome:
    """The runs' outcome, starting them now if nothing did earlier."""
    start()
    assert _started is not None
    return _started.result()
