"""Shared fixtures. The bundle is synthesized once per session (both wirings), in this process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

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

    return run_all(spec.examples, offline_dir, emulator, BUILD)


def shared_schema(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests read Massdriver's published schemas from ../shared")
    return path
