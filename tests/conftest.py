"""Shared fixtures. The bundle is synthesized once per session, in this process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from aurora_bundle.terraform.bindings import seed
from aurora_bundle.terraform.synth import STEPS

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# Before any test module imports a construct module (and with it the AWS bindings): load only the
# binding modules the generator uses, as generate.py and make watch do.
seed()

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "massdriver"
BUILD = ROOT / "build"
# The presets whose every leaf param the e2e changes alone against the deployed cluster.
MUTATED = frozenset({"production", "development-serverless"})
# The day-2 scenario's parts -> their VPC's digits (each a Production package, one major older).
DAY2 = {"instances": "44", "scaling": "77", "engine": "66", "interruptions": "55"}
# The emulator's log of instances' availability: one per process, so `make test`'s workers (each with its
# own emulator when several need one) never share it.
TIMELINE = BUILD / "e2e" / f"emulator-timeline-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl"
EMULATOR_LOG = BUILD / "e2e" / f"emulator-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.log"  # a line a request
# The test files that read what the session's e2e deployed: one xdist group, run first on its worker, so the
# e2e's minutes of waiting on the AWS provider's polls overlap every other test on the other worker.
E2E_GROUP = frozenset({"test_e2e.py", "test_consumers_e2e.py", "test_scan.py", "test_new_preset.py"})
# The last bundle version whose parameter groups were only main (no upgraded[...]): Production is deployed
# with its src first, then takes this version (test_e2e.py, taking this version changes nothing deployed).
UPGRADED = "production-serverless"  # deployed first with PREVIOUS_RELEASE's src and params, then this version
PREVIOUS_RELEASE = "fcf739994523ca4036e93361373a98b08139ecbc"


@pytest.fixture(scope="session")
def spec():  # type: ignore[no-untyped-def]
    from aurora_bundle.inputs import spec as spec_module

    return spec_module.load(ROOT)


@pytest.fixture(scope="session")
def rendered(spec) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """{step: main.tf.json text} from one synthesis, in this process."""
    from aurora_bundle.terraform.synth import render_steps

    return render_steps(spec)


@pytest.fixture(scope="session")
def emulator() -> Iterator[str]:
    from proof.emulator.process import Emulator

    TIMELINE.parent.mkdir(parents=True, exist_ok=True)
    TIMELINE.unlink(missing_ok=True)
    EMULATOR_LOG.unlink(missing_ok=True)
    with Emulator(timeline=TIMELINE, log=EMULATOR_LOG) as running:
        yield running.endpoint


@pytest.fixture(scope="session")
def state_server() -> Iterator[str]:
    from proof.state_server import StateServer

    with StateServer() as running:
        yield running.url


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the files ``generate.py`` reads and writes, for a test that edits them."""
    for name in ("massdriver.yaml", "schemas", "artifacts", "examples", "kms", "src"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="session")
def broken_artifact_src(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    """src/ generated from a writer template whose port is the endpoint (a string): the apply must fail."""
    bundle = tmp_path_factory.mktemp("broken-artifact")
    for name in ("massdriver.yaml", "schemas", "artifacts", "examples", "kms", "src"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, bundle / name)
    writer = bundle / "artifacts" / "writer.json"
    template = json.loads(writer.read_text())
    template["payload"]["data"]["authentication"]["port"] = "{{cluster.endpoint}}"
    writer.write_text(json.dumps(template))
    # Rendered in this process, whose jsii runtime is already started (a generate.py costs ~5 s more, at the
    # start of the e2e).
    from aurora_bundle.inputs import spec as spec_module
    from aurora_bundle.terraform.synth import render_steps, write_steps

    write_steps(bundle, render_steps(spec_module.load(bundle)))
    return bundle / "src"


@pytest.fixture(scope="session")
def previous_release_src(tmp_path_factory) -> Path | None:  # type: ignore[no-untyped-def]
    """PREVIOUS_RELEASE's generated src/ and examples/ (the params its packages were deployed with), from
    git; None when the clone lacks that commit (a shallow one)."""
    target = tmp_path_factory.mktemp("previous-release")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE, "src", "examples"],
                             capture_output=True, timeout=60)
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True, timeout=60)
    return target / "src"


@pytest.fixture(scope="session")
def plan_scans() -> Iterator[dict[tuple[str, str], Future[Any]]]:
    """checkov on a preset's kept plans, per (slug, step): the e2e submits a preset's as soon as its package is
    done, so they run while the longer packages still wait on the provider's polls (tests/test_scan.py)."""
    with ThreadPoolExecutor(max_workers=2) as pool:  # checkov takes ~7 s to start
        yield ScanJobs(pool)


class ScanJobs(dict):  # type: ignore[type-arg]
    """(slug, step) -> the scan of that step's kept plan, submitted once."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        super().__init__()
        self.pool, self.lock = pool, threading.Lock()

    def submit(self, slug: str) -> None:
        from proof.scan import scan_kept

        with self.lock:
            for step in STEPS:
                if (slug, step) not in self:
                    self[(slug, step)] = self.pool.submit(scan_kept, BUILD / "e2e" / slug / "plans" / f"{step}.json")


@pytest.fixture(scope="session")
def e2e_results(request, spec, emulator, state_server, broken_artifact_src, previous_release_src,  # type: ignore[no-untyped-def]
                plan_scans):
    from proof.day2 import day2_example
    from proof.e2e import run_all

    if any(item.nodeid.startswith("tests/test_new_preset.py") for item in request.session.items):
        from tests import new_preset_run

        new_preset_run.start()  # its e2e waits on the AWS provider's polls beside this one (tests/new_preset_run.py)

    production = next(e for e in spec.examples if e.slug == "production")
    day2 = {part: day2_example(production, part, digits) for part, digits in DAY2.items()}
    examples = [*spec.examples, *day2.values()]
    # A targeted run while working on one part (never set in CI): AURORA_E2E_ONLY=production-day-2-engine,...
    only = {s for s in os.environ.get("AURORA_E2E_ONLY", "").split(",") if s}
    scanned = any(item.nodeid.startswith("tests/test_scan.py") for item in request.session.items)
    presets = {example.slug for example in spec.examples}
    return run_all([e for e in examples if not only or e.slug in only], ROOT, SHARED, emulator, state_server, BUILD,
                   what_if={"production": what_if_production(spec)},
                   broken_src={"development": broken_artifact_src}, interrupt=frozenset({"development"}),
                   mutate=MUTATED, params_schema=spec.params_schema,
                   day2={example.slug: (part, TIMELINE) for part, example in day2.items()},
                   previous_src={UPGRADED: previous_release_src} if previous_release_src else None,
                   kill=frozenset({"production-day-2-interruptions"}),
                   on_done=lambda slug, _: plan_scans.submit(slug) if scanned and slug in presets else None)


def what_if_production(spec) -> dict:  # type: ignore[no-untyped-def]
    """Every mutable param of the Production example changed at once (immutable ones kept)."""
    params = next(e.params for e in spec.examples if e.slug == "production")
    changed = {k: dict(v) for k, v in params.items() if k != "md_metadata"}
    changed["database"].update(engine_version="18", instance_class="db.r8g.xlarge", storage_type="aurora-iopt1",
                               deletion_protection=False, iam_authentication=False,
                               ca_cert_identifier="rds-ca-ecc384-g1", apply_immediately=True,
                               maintenance_window="sat:22:00-sat:23:00")
    changed["scaling"] = {"reader_count": 3, "autoscaling": {"mode": "connections", "min_readers": 1,
                                                             "max_readers": 5, "target": 400}}
    changed["backup"] = {"retention_days": 35, "window": "05:00-06:00", "skip_final_snapshot": True}
    changed["observability"] = {"log_exports": ["postgresql"], "log_retention_days": 3653,
                                "performance_insights_retention_days": 62, "enhanced_monitoring_interval": 30,
                                "slow_query_ms": 2000}
    changed["alarms"] = {k: {"enabled": k != "cpu_utilization", "threshold": v["threshold"]}
                         for k, v in params["alarms"].items()}
    from aurora_bundle.inputs.rules import broken_rules

    assert broken_rules(spec.params_schema, changed) == [], "the what-if params break a rule: the plan would refuse them"
    return changed


def shared_schema(name: str) -> Path:
    path = SHARED / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests read Massdriver's published schemas from ../shared")
    return path


def inline_locals(text: str, locals_: dict[str, str], names: list[str]) -> str:
    """``text`` with ``local.<name>`` of each of ``names`` replaced by its generated expression (in
    parentheses), again and again, so a test can run an expression without the data sources behind them."""
    import re

    pattern = re.compile(r"\blocal\.(" + "|".join(names) + r")\b")
    while (expanded := pattern.sub(lambda m: f"({locals_[m.group(1)][2:-1]})", text)) != text:
        text = expanded
    return text


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: only known when it is installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist loadfile``, with the files in ``E2E_GROUP`` one scope: on one worker the session's e2e and the
    tests that read it, on the others everything else, file by file (``make test``; ``make unit`` selects none of
    them). Not ``--dist loadgroup``: under pytest 9 its groups are ignored (xdist 3.8 renames ``item._nodeid``,
    which pytest no longer reads), so the e2e would run on both workers."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class E2eTogether(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return "e2e" if Path(file).name in E2E_GROUP else file

    return E2eTogether(config, log)


# The longest files of ``make unit`` (seconds each on two cores, 2026-12-08), started first so that the other worker
# takes the short ones meanwhile; alphabetical order started the watcher's 19 s last.
LONGEST_FIRST = ("test_watch.py", "test_bad_input.py", "test_rules_in_terraform.py", "test_references.py",
                 "test_tables.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The e2e group first (stable: in file order), so its worker starts the e2e at once; then the longest files."""
    def rank(item: pytest.Item) -> tuple[bool, int]:
        name = item.path.name
        return name not in E2E_GROUP, LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)
