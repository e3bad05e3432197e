"""checkov on the plans the e2e kept, the way Massdriver's provisioner runs it.

checkov lives in its own virtual environment (``.venv-checkov``; override with ``$CHECKOV``). Skips
come only from each step's ``.checkov.yml``, found because checkov runs in the step directory. A
plan checkov cannot parse counts as a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROVISIONER_CHECKOV = "3.2.447"  # what Massdriver's provisioner-opentofu image installs


def checkov_binary() -> Path:
    return Path(os.environ.get("CHECKOV", ROOT / ".venv-checkov" / "bin" / "checkov"))


@dataclass
class ScanResult:
    plan: Path
    passed: int = 0
    failed: list[str] = field(default_factory=list)  # "CHECK_ID resource: name"
    skipped: list[str] = field(default_factory=list)
    parsing_errors: int = 0
    resource_count: int = 0


def scan_plan(plan: Path, step_dir: Path) -> ScanResult:
    """checkov as the provisioner runs it.

    From the step directory (so its ``.checkov.yml`` applies), ``--repo-root-for-plan-enrichment . --deep-analysis
    --framework terraform_plan -f <plan>``."""
    args = [str(checkov_binary()), "--repo-root-for-plan-enrichment", ".", "--deep-analysis",
            "--framework", "terraform_plan", "-f", str(plan.resolve()), "--skip-download",
            "--output", "json", "--compact", "--quiet"]
    env = {**os.environ, "LOG_LEVEL": "ERROR", "BC_SKIP_MAPPING": "TRUE"}
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env, cwd=step_dir)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"checkov failed on {plan} (exit {proc.returncode}): {proc.stderr.strip()[-2000:]}")
    report: Any = json.loads(proc.stdout or "{}")
    reports = report if isinstance(report, list) else [report]
    result = ScanResult(plan=plan)
    for part in reports:
        summary = part.get("summary", {})
        result.passed += summary.get("passed", 0)
        result.parsing_errors += summary.get("parsing_errors", 0)
        result.resource_count += summary.get("resource_count", 0)
        for check in part.get("results", {}).get("failed_checks", []):
            result.failed.append(f"{check['check_id']} {check['resource']}: {check.get('check_name', '')}")
        for check in part.get("results", {}).get("skipped_checks", []):
            result.skipped.append(f"{check['check_id']} {check['resource']}")
    return result


def scan_kept(plan: Path) -> ScanResult:
    """A plan the e2e kept (``<preset>/plans/<step>.json``), scanned from its step directory (``<preset>/<step>``)."""
    return scan_plan(plan, plan.parent.parent / plan.stem)


def scan_all(e2e_dir: Path) -> list[ScanResult]:
    """Every plan the e2e kept, scanned."""
    return [scan_kept(plan) for plan in sorted(e2e_dir.glob("*/plans/*.json"))]


def main() -> int:
    e2e_dir = ROOT / "build" / "e2e"
    results = scan_all(e2e_dir)
    if not results:
        print(f"no plans in {e2e_dir}: run make e2e first")
        return 1
    bad = 0
    for r in results:
        print(f"{r.plan.relative_to(e2e_dir)}: {r.passed} passed, {len(r.failed)} failed, {len(r.skipped)} skipped, "
              f"{r.parsing_errors} parsing errors, {r.resource_count} resources")
        for failure in r.failed:
            print(f"  FAILED {failure}")
        bad += len(r.failed) + r.parsing_errors + (r.resource_count == 0)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
