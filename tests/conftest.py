"""Shared fixtures. The bundle is synthesized once per session (both wirings), in this process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from aurora_bundle.bindings import seed

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# Before any test module imports a construct module (and with it the AWS bindings): load only the
# binding modules the generator uses, as generate.py and make watch do.
seed()

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "massdriver"
BUILD = ROOT / "build"


@pytest.fixture(scope="session")
def spec():  # type: ignore[no-untyped-def]
    from aurora_bundle import spec as spec_module

    return spec_module.load(ROOT)


@pytest.fixture(scope="session")
def rendered(spec) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    """{"published": {step: text}, "offline": {step: text}} from one synthesis of each wiring."""
    from aurora_bundle.synth import render_steps

    return {"published": render_steps(spec, offline=False), "offline": render_steps(spec, offline=True)}


@pytest.fixture(scope="session")
def offline_dir(rendered) -> Path:  # type: ignore[no-untyped-def]
    from aurora_bundle.synth import write_steps

    target = BUILD / "offline"
    write_steps(target, rendered["offline"])
    return target


@pytest.fixture(scope="session")
def emulator() -> Iterator[str]:
    from aurora_bundle.offline.emulator import Emulator

    with Emulator() as running:
        yield running.endpoint


@pytest.fixture(scope="session")
def e2e_results(spec, offline_dir, emulator):  # type: ignore[no-untyped-def]
    from aurora_bundle.offline.e2e import run_all

    return run_all(spec.examples, offline_dir, emulator, BUILD, what_if={"production": what_if_production(spec)})


def what_if_production(spec) -> dict:  # type: ignore[no-untyped-def]
    """Every mutable param of the Production example changed at once (immutable ones kept)."""
    params = next(e.params for e in spec.examples if e.slug == "production")
    changed = {k: dict(v) for k, v in params.items() if k != "md_metadata"}
    changed["database"].update(engine_version="18", instance_class="db.r8g.xlarge", storage_type="aurora-iopt1",
                               deletion_protection=False, iam_authentication=False,
                               ca_cert_identifier="rds-ca-ecc384-g1", apply_immediately=True)
    changed["scaling"] = {"reader_count": 3, "autoscaling": {"mode": "connections", "min_readers": 1,
                                                             "max_readers": 5, "target": 400}}
    changed["backup"] = {"retention_days": 35, "window": "05:00-06:00", "skip_final_snapshot": True}
    changed["observability"] = {"log_exports": ["postgresql"], "log_retention_days": 3653,
                                "performance_insights_retention_days": 62, "enhanced_monitoring_interval": 30,
                                "slow_query_ms": 2000}
    changed["alarms"] = {k: {"enabled": k != "cpu_utilization", "threshold": v["threshold"]}
                         for k, v in params["alarms"].items()}
    return changed


def shared_schema(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests read Massdriver's published schemas from ../shared")
    return path
