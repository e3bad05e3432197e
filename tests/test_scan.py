"""checkov, as Massdriver's provisioner runs it (terraform_plan), on every preset's plans."""

from __future__ import annotations

import subprocess
from concurrent.futures import Future
from typing import Any

import pytest
import yaml

from aurora_bundle.terraform.synth import STEPS
from proof.scan import PROVISIONER_CHECKOV, ScanResult, checkov_binary
from tests.conftest import BUILD, ROOT
from tests.test_e2e import SLUGS  # one per preset

pytestmark = pytest.mark.scan



@pytest.fixture(scope="module")
def e2e_dir(e2e_results):  # the e2e keeps each step's plan in build/e2e/<preset>/plans/<step>.json
    if not checkov_binary().exists():
        pytest.fail(f"checkov not found at {checkov_binary()}: run make install")
    return BUILD / "e2e"


def _version() -> str:
    return subprocess.run([str(checkov_binary()), "--version"], capture_output=True, text=True, timeout=120).stdout


@pytest.fixture(scope="module")
def scans(e2e_dir, plan_scans) -> dict[tuple[str, str], Future[Any]]:
    """checkov's version and every preset's plans scanned, two at a time: the e2e started a preset's scans as soon
    as its package was done; any it did not start (a run of this file alone) start here."""
    for slug in SLUGS:
        plan_scans.submit(slug)
    return {("checkov", "version"): plan_scans.pool.submit(_version), **plan_scans}


def test_checkov_is_the_provisioners_version(scans):
    assert scans[("checkov", "version")].result().strip() == PROVISIONER_CHECKOV


@pytest.mark.parametrize("step", ["kms", "src"])
@pytest.mark.parametrize("slug", SLUGS)
def test_no_failed_checks_and_no_parsing_errors(scans, e2e_dir, slug, step):
    plan = e2e_dir / slug / "plans" / f"{step}.json"
    result: ScanResult = scans[(slug, step)].result()
    print(f"{plan.name}: {result.passed} passed, {len(result.skipped)} skipped, {result.resource_count} resources")
    assert result.parsing_errors == 0
    assert result.resource_count > 0 and result.passed > 0
    assert result.failed == []


def test_every_skip_says_why():
    for step in STEPS:
        path = ROOT / step / ".checkov.yml"
        if not path.exists():
            continue
        lines = path.read_text().splitlines()
        skips = yaml.safe_load(path.read_text()).get("skip-check", [])
        for check in skips:
            index = next(i for i, line in enumerate(lines) if line.strip() == f"- {check}")
            assert lines[index - 1].strip().startswith("#") and len(lines[index - 1]) > 30, check
