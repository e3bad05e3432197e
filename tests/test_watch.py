"""``make watch``: one long-lived watcher regenerates, republishes and redeploys once per burst of saves.

The real ``mass`` CLI cannot be installed here, so these tests put a stand-in ``mass`` on PATH
(tests/mass_stand_in.py) that records every call with its arguments, working directory and params
file; what is asserted is the sequence of calls the watcher makes, not what Massdriver does with
them. The watcher runs as its own process on a copy of the bundle, exactly as ``make watch`` starts
it, and is stopped with SIGINT to its process group, the way Ctrl-C in a terminal stops it
(``proof.watch_process``).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from author.mass_cli import MassCli
from proof.watch_process import WatchProcess, copy_bundle
from tests.conftest import ROOT

MAPPED = {"development": "demo-dev-aurora", "production-serverless": "demo-dev-aurorasls"}
STAND_IN = ROOT / "tests" / "mass_stand_in.py"


def stand_in_env(tmp: Path, **extra: str) -> dict[str, str]:
    """PATH with the stand-in ``mass`` first, credentials in the environment, no real config file."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "mass").exists():
        # This interpreter, without site: ``python3`` on PATH may be a version manager's shim (pyenv's is a shell
        # script, ~0.2 CPU-seconds a call), and a watcher's cycle makes three calls.
        (bin_dir / "mass").write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -S {shlex.quote(str(STAND_IN))} \"$@\"\n")
        (bin_dir / "mass").chmod(0o755)
    # Python writes bytecode by default on an author's machine (some CI images turn it off).
    inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**inherited, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "XDG_CONFIG_HOME": str(tmp / "config"),
           "MASSDRIVER_API_KEY": "stand-in-key", "MASSDRIVER_ORGANIZATION_ID": "stand-in-org",
           "MASS_STAND_IN_LOG": str(tmp / "mass-calls.jsonl")}
    return {**env, **extra}


def use_stand_in(monkeypatch: pytest.MonkeyPatch, tmp: Path, **extra: str) -> None:
    """``stand_in_env`` for code running in this process."""
    for key, value in stand_in_env(tmp, **extra).items():
        monkeypatch.setenv(key, value)


def _publishes(tmp: Path) -> int:
    return sum(1 for call in calls(tmp) if call["args"][:2] == ["bundle", "publish"])


def calls(tmp: Path) -> list[dict]:
    log = tmp / "mass-calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_bundle(ROOT, tmp_path_factory.mktemp("bundle"))
    (root / ".watch.local.yaml").write_text(yaml.safe_dump({"instances": MAPPED}, sort_keys=False))
    return root


@pytest.fixture(scope="module")
def watcher(bundle: Path) -> Iterator[WatchProcess]:
    # Started with SIGINT ignored, as a background job of a script starts it (and as CI may run the
    # tests): Ctrl-C must stop the watcher all the same.
    inherited = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        running = WatchProcess(bundle, stand_in_env(bundle.parent))
    finally:
        signal.signal(signal.SIGINT, inherited)
    try:
        running.wait_ready()
        yield running
    finally:
        running.kill()


def _save_in_a_burst(path: Path, final: str, saves: int = 4) -> None:
    """What an editor does on save (several writes within milliseconds); the last one holds ``final``. The
    pauses stay well under the watcher's quiet period (``STEP_MS``) even when the e2e beside this test keeps
    both cores busy: at 30 ms, a pause once overran it and the burst became two cycles."""
    for i in range(saves - 1):
        path.write_text(final + f"\n# save {i}\n")
        time.sleep(0.005)
    path.write_text(final)


def test_an_edit_regenerates_then_publishes_and_redeploys_each_mapped_preset_once(watcher, bundle):
    src = bundle / "src" / "variables.tf.json"
    assert "Network placement" not in src.read_text()
    manifest = bundle / "massdriver.yaml"
    edited = manifest.read_text().replace("      $ref: ./schemas/networking.json\n",
                                          "      $ref: ./schemas/networking.json\n      title: Network placement\n", 1)
    since = len(watcher.lines)
    _save_in_a_burst(manifest, edited)
    watcher.wait_for(lambda line: "] ready (" in line, since)
    time.sleep(1.5)  # room for a second cycle, which must not come

    output = watcher.output(since)
    assert output.count("] cycle ") == 1, output
    assert any("generated in" in line and "src/variables.tf.json" in line for line in output.splitlines()), output
    variable = json.loads(src.read_text())["variable"]["networking"]
    assert variable["description"] == "Param 'networking': Network placement. See massdriver.yaml."

    made = calls(bundle.parent)
    assert [c["args"][:3] for c in made] == [["bundle", "publish", "--development"],
                                            ["instance", "deploy", MAPPED["development"]],
                                            ["instance", "deploy", MAPPED["production-serverless"]]]
    assert Path(made[0]["cwd"]).resolve() == bundle.resolve()
    for call, preset in zip(made[1:], MAPPED, strict=True):
        assert call["args"][3] == "--params" and call["args"][5] == "--message"
        assert "massdriver.yaml" in call["args"][6]
        example = json.loads((bundle / "examples" / preset / "params.json").read_text())
        assert call["params"] == {k: v for k, v in example.items() if k != "md_metadata"}


def test_an_invalid_edit_prints_the_field_error_and_leaves_the_output_as_it_was(watcher, bundle):
    manifest = bundle / "massdriver.yaml"
    good = manifest.read_text()
    before = {p: p.read_bytes() for step in ("kms", "src") for p in (bundle / step).iterdir()}
    published = len(calls(bundle.parent))
    document = yaml.safe_load(good)
    document["params"]["examples"][2]["scaling"]["reader_count"] = 16
    since = len(watcher.lines)
    manifest.write_text(yaml.safe_dump(document, sort_keys=False))
    watcher.wait_for(lambda line: "kept the last good output" in line, since)

    output = watcher.output(since)
    assert 'error: massdriver.yaml preset "Production": scaling.reader_count = 16: expected at most 15' in output
    assert "Traceback" not in output
    assert {p: p.read_bytes() for p in before} == before
    assert len(calls(bundle.parent)) == published, "nothing may be published from invalid input"

    since = len(watcher.lines)
    manifest.write_text(good)
    watcher.wait_for(lambda line: "] ready (" in line, since)


def test_a_broken_construct_module_is_reported_and_a_fixed_one_is_reloaded(watcher, bundle):
    module = bundle / "aurora_bundle" / "aws" / "alarms.py"
    good = module.read_text()
    since = len(watcher.lines)
    module.write_text(good + "\nbroken = (\n")
    watcher.wait_for(lambda line: "kept the last good output" in line, since)
    assert "SyntaxError" in watcher.output(since)

    since = len(watcher.lines)
    module.write_text(good.replace('"Massdriver alarms', '"Massdriver alarms (reloaded)', 1))
    watcher.wait_for(lambda line: "] ready (" in line, since)
    assert "Massdriver alarms (reloaded)" in (bundle / "src" / "alarms.tf.json").read_text()

    # Saved again with the same length and the same mtime second: Python would trust the .pyc it
    # wrote for the previous version, unless the watcher drops it.
    first = module.stat().st_mtime_ns
    since = len(watcher.lines)
    module.write_text(good.replace('"Massdriver alarms', '"Massdriver alarms (reloadex)', 1))
    os.utime(module, ns=(first, first))
    watcher.wait_for(lambda line: "] ready (" in line, since)
    assert "Massdriver alarms (reloadex)" in (bundle / "src" / "alarms.tf.json").read_text()


def test_after_a_reload_invalid_input_gets_the_new_validation_and_one_line_errors(watcher, bundle):
    validation = bundle / "aurora_bundle" / "inputs" / "validation.py"
    good_validation = validation.read_text()
    since = len(watcher.lines)
    validation.write_text(good_validation.replace('"maximum": "at most"', '"maximum": "no more than"', 1))
    watcher.wait_for(lambda line: "] ready (" in line, since)

    manifest = bundle / "massdriver.yaml"
    good = manifest.read_text()
    since = len(watcher.lines)
    manifest.write_text(good.replace("reader_count: 2", "reader_count: 16", 1))
    watcher.wait_for(lambda line: "kept the last good output" in line, since)
    output = watcher.output(since)
    assert 'error: massdriver.yaml preset "Production": scaling.reader_count = 16: expected no more than 15' in output
    assert "Traceback" not in output

    since = len(watcher.lines)
    manifest.write_text(good)
    validation.write_text(good_validation)
    watcher.wait_for(lambda line: "] ready (" in line, since)


def test_saves_during_a_cycle_that_added_a_directory_are_not_lost(watcher, bundle):
    slow = bundle.parent / "mass-calls.jsonl.publish-seconds"
    slow.write_text("2")
    manifest = bundle / "massdriver.yaml"
    since = len(watcher.lines)
    shutil.copytree(bundle / "examples" / "development", bundle / "examples" / "staging")
    watcher.wait_for(lambda line: "$ mass bundle publish --development" in line, since)
    manifest.write_text(manifest.read_text().replace("title: Network placement", "title: Network placement, v2", 1))
    slow.unlink()
    cycle = watcher.wait_for(lambda line: "] cycle " in line and "massdriver.yaml" in line, since)
    watcher.wait_for(lambda line: "] ready (" in line, cycle)
    variable = json.loads((bundle / "src" / "variables.tf.json").read_text())["variable"]["networking"]
    assert variable["description"] == "Param 'networking': Network placement, v2. See massdriver.yaml.", watcher.output(since)


def test_a_second_watcher_on_the_same_bundle_is_refused(watcher, bundle):
    second = subprocess.run([sys.executable, "-m", "author.watch", "--root", str(bundle)], cwd=bundle,
                            env=stand_in_env(bundle.parent), capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert "another make watch is running on this bundle" in second.stderr


def test_ctrl_c_in_the_middle_of_a_cycle_stops_the_watcher_cleanly(watcher, bundle):
    slow = bundle.parent / "mass-calls.jsonl.publish-seconds"
    slow.write_text("30")
    manifest = bundle / "massdriver.yaml"
    since = len(watcher.lines)
    before = _publishes(bundle.parent)
    manifest.write_text(manifest.read_text() + "\n# one more save\n")
    watcher.wait_for(lambda line: "$ mass bundle publish --development" in line, since)
    # Ctrl-C once the CLI runs (it has logged the call), as a user would: not while its Python starts up.
    deadline = time.monotonic() + 30
    while _publishes(bundle.parent) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    assert watcher.interrupt() == 0
    assert time.monotonic() - started < 15, "Ctrl-C must not wait for the publish to finish"
    output = watcher.output(since)
    assert output.rstrip().endswith("] stopped"), output
    assert "Traceback" not in output and "Exception ignored" not in output


def test_make_watch_runs_this_watcher():
    dry_run = subprocess.run(["make", "-n", "watch"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "-m author.watch" in dry_run.stdout


# The CLI seam itself: no generator needed, so these run in-process.


def test_earlier_cli_generations_are_configured_then_deployed(tmp_path, monkeypatch):
    use_stand_in(monkeypatch, tmp_path, MASS_STAND_IN_FORM="configure")
    params = tmp_path / "p.json"
    params.write_text('{"a": 1}')
    assert MassCli().configure_and_deploy("demo-dev-aurora", params, "why")
    assert [c["args"] for c in calls(tmp_path)] == [
        ["instance", "configure", "demo-dev-aurora", "--params", str(params)],
        ["instance", "deploy", "demo-dev-aurora", "--message", "why"]]


def test_a_failed_configure_is_not_followed_by_a_deploy(tmp_path, monkeypatch):
    use_stand_in(monkeypatch, tmp_path, MASS_STAND_IN_FORM="configure", MASS_STAND_IN_FAIL="configure")
    params = tmp_path / "p.json"
    params.write_text("{}")
    assert not MassCli().configure_and_deploy("demo-dev-aurora", params, "why")
    assert [c["args"][:2] for c in calls(tmp_path)] == [["instance", "configure"]]


def test_missing_cli_or_credentials_are_named(tmp_path, monkeypatch):
    use_stand_in(monkeypatch, tmp_path)
    assert MassCli().available() == (True, "")
    assert not MassCli("mass-not-installed").available()[0]
    assert "mass-not-installed CLI is not on PATH" in MassCli("mass-not-installed").available()[1]

    monkeypatch.delenv("MASSDRIVER_API_KEY")
    monkeypatch.delenv("MASSDRIVER_ORGANIZATION_ID")
    usable, why = MassCli().available()
    assert not usable and "MASSDRIVER_API_KEY and MASSDRIVER_ORGANIZATION_ID" in why

    config = tmp_path / "config" / "massdriver" / "config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(yaml.safe_dump({"version": 1, "current_profile": "work",
                                      "profiles": {"work": {"organization_id": "acme", "api_key": "k"}}}))
    assert MassCli().available() == (True, "")
    monkeypatch.setenv("MASSDRIVER_PROFILE", "other")
    assert "MASSDRIVER_API_KEY" in MassCli().available()[1]


def test_the_instance_map_names_a_wrong_preset_or_slug(tmp_path, spec):
    from aurora_bundle.inputs.errors import BundleError
    from author import dev_instances

    assert dev_instances.load(tmp_path, spec.examples) == []
    config = tmp_path / dev_instances.CONFIG_FILE
    config.write_text("instances:\n  staging: demo-stg-aurora\n  development: Demo Dev\n")
    with pytest.raises(BundleError) as raised:
        dev_instances.load(tmp_path, spec.examples)
    assert [str(p) for p in raised.value.problems] == [
        '.watch.local.yaml: instances.development = "Demo Dev": expected to match ^[a-z0-9][a-z0-9-]*[a-z0-9]$']
    config.write_text("instances:\n  staging: demo-stg-aurora\n")
    with pytest.raises(BundleError) as raised:
        dev_instances.load(tmp_path, spec.examples)
    assert str(raised.value.problems[0]).startswith(
        '.watch.local.yaml: instances.staging = "demo-stg-aurora": no such example preset; expected one of: development,')
