"""Concurrent Terraform runs: one preset's `terraform init` must not disturb another's provider.

The e2e runs the presets in parallel. A working directory's provider is a chain of symlinks
(.terraform/providers/... -> plugin cache -> mirror); if another directory's `init` re-installs
any link of that chain, a `plan` running at that moment fails with "there is no package for
registry.terraform.io/hashicorp/aws 5.100.0 cached in .terraform/providers" (seen once in CI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from proof import terraform as offline_tf
from proof.provisioner import Deployment, Step

pytestmark = [pytest.mark.offline, pytest.mark.skipif(shutil.which("terraform") is None or offline_tf.find_mirror() is None,
                                reason="needs terraform and the provider mirror")]

CONFIG = {"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}}}


def _chain(workdir: Path) -> list[tuple[str, int, int]]:
    """Every path the provider link of `workdir` resolves through, with its inode and change time."""
    links = sorted((workdir / ".terraform" / "providers").glob("*/*/*/*/*"))
    assert links, f"no provider installed in {workdir}"
    chain = []
    for link in links:
        path = link
        for _ in range(8):
            st = os.lstat(path)
            chain.append((str(path), st.st_ino, st.st_ctime_ns))
            if not path.is_symlink():
                break
            path = path.parent / os.readlink(path)  # an absolute target replaces the parent
    return chain


def _init(workdir: Path, env: dict[str, str]) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.tf.json").write_text(json.dumps(CONFIG))
    proc = subprocess.run(["terraform", "init", "-input=false", "-no-color"], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def environment(tmp_path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The environment the e2e gives terraform on a machine with the provider mirror.

    Without a mirror, the AWS provider comes from the registry through a plugin cache that trusts its
    entries once filled; that path needs the registry, which these machines cannot reach.
    """
    env = offline_tf.cli_environment(tmp_path / "build")
    assert "TF_PLUGIN_CACHE_DIR" not in env
    return env


def test_an_init_elsewhere_leaves_a_working_directorys_provider_untouched(environment, tmp_path) -> None:
    _init(tmp_path / "production" / "kms", environment)
    before = _chain(tmp_path / "production" / "kms")
    _init(tmp_path / "development" / "kms", environment)  # a fresh directory, no lock file: a full install
    assert _chain(tmp_path / "production" / "kms") == before
    proc = subprocess.run(["terraform", "validate", "-no-color"], cwd=tmp_path / "production" / "kms", env=environment,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_a_packages_commands_attach_to_one_provider_process_that_init_never_uses(tmp_path: Path) -> None:
    """``ReattachedProvider``: Terraform's commands are served by the one AWS provider process the e2e started
    for a package (its CPU time grows; once it is stopped, the same command fails), while ``init`` still
    installs and locks the provider itself."""
    work = tmp_path / "step"
    work.mkdir()
    provider = {"region": "us-east-1", "access_key": "a", "secret_key": "b", "skip_credentials_validation": True,
                "skip_requesting_account_id": True, "skip_metadata_api_check": "true"}
    (work / "main.tf.json").write_text(json.dumps({**CONFIG, "provider": {"aws": provider},
                                                   "data": {"aws_partition": {"p": {}}},
                                                   "output": {"p": {"value": "${data.aws_partition.p.partition}"}}}))
    env = offline_tf.cli_environment(tmp_path / "build")
    offline_tf.Terraform(work, env, tmp_path / "tf.log").run("init", "-input=false")
    binary = offline_tf.ReattachedProvider.installed(work)
    assert binary is not None
    (work / ".terraform.lock.hcl").unlink()

    def cpu(pid: int) -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

    with offline_tf.ReattachedProvider(binary, env, work, tmp_path / "provider.log") as running:
        attached = offline_tf.Terraform(work, {**env, **running.environment()}, tmp_path / "tf.log")
        offline_tf.Terraform(work, env, tmp_path / "tf.log").run("init", "-input=false")  # as Step.init runs it
        assert "registry.terraform.io/hashicorp/aws" in (work / ".terraform.lock.hcl").read_text()
        assert running.pid is not None
        before = cpu(running.pid)
        applied = attached.run("apply", "-auto-approve", "-input=false")
        assert 'p = "aws"' in applied.stdout
        assert cpu(running.pid) > before
    with pytest.raises(offline_tf.TerraformError):
        attached.run("plan", "-input=false", timeout=120)


def test_a_step_attaches_its_commands_but_not_init_nor_the_runs_cut_short(tmp_path: Path) -> None:
    """What ``Step.terraform`` hands Terraform: the reattached provider for the package's commands; nothing for
    ``init`` and the cut-short runs, which start (and cancel or kill) a provider of their own."""
    (tmp_path / "src").mkdir()
    deployment = Deployment(package_name="proj-dev-db-a1b2", bundle_name="b", bundle_version="0.1.0",
                            state_url="http://127.0.0.1:9", record=tmp_path / "requests.jsonl")
    step = Step(tmp_path, "src", deployment, {"PATH": "/usr/bin"}, tmp_path / "src.log", "http://127.0.0.1:9")
    step.attached = {action: {offline_tf.REATTACH_ENV: f'{{"registry.terraform.io/hashicorp/aws": {{"{action}": 1}}}}'}
                     for action in ("provision", "decommission")}
    for action in ("provision", "decommission"):  # each action's commands attach to that action's providers
        assert step.terraform(action).env[offline_tf.REATTACH_ENV] == step.attached[action][offline_tf.REATTACH_ENV]
    detached = step.terraform("provision", attach=False).env
    assert offline_tf.REATTACH_ENV not in detached
    assert detached["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9" and detached["MASSDRIVER_DEPLOYMENT_ACTION"] == "provision"
    assert offline_tf.REATTACH_ENV not in step.provider_environment()


def test_a_provider_that_never_announces_itself_fails_at_the_deadline(tmp_path: Path) -> None:
    """A provider binary that prints nothing (hung before its handshake) fails the package after
    ``startup_timeout``, not when a line finally arrives, and is stopped."""
    silent = tmp_path / "terraform-provider-aws"
    silent.write_text("#!/bin/sh\nexec sleep 60\n")
    silent.chmod(0o755)
    provider = offline_tf.ReattachedProvider(silent, {"PATH": os.environ["PATH"]}, tmp_path, tmp_path / "p.log",
                                             startup_timeout=1.0)
    with pytest.raises(offline_tf.TerraformError, match="printed no TF_REATTACH_PROVIDERS within 1 s"):
        provider.__enter__()
    assert provider.pid is None  # stopped, not left running


def test_the_random_stand_in_serves_a_packages_commands_from_one_process_and_massdriver_only_its_own(
        tmp_path: Path) -> None:
    """``UnmanagedStandIn``: Terraform attaches to one random stand-in for every command (no stand-in of its own),
    the values are the provider's (``length`` honoured, kept by a second plan); the massdriver stand-in, which reads
    each command's ``MASSDRIVER_*``, is only shared with the environment of the commands it serves."""
    work = tmp_path / "step"
    work.mkdir()
    (work / "main.tf.json").write_text(json.dumps({
        "terraform": {"required_providers": {"random": {"source": "hashicorp/random", "version": "3.7.2"}}},
        "resource": {"random_password": {"p": {"length": 24}}},
        "output": {"n": {"value": "${length(nonsensitive(random_password.p.result))}"}}}))
    env = offline_tf.cli_environment(tmp_path / "build")
    offline_tf.Terraform(work, env, tmp_path / "tf.log").run("init", "-input=false")
    for executable in (tmp_path / "build" / "standin-mirror").glob("registry.terraform.io/hashicorp/random/*/*/*"):
        executable.write_text("#!/bin/sh\nexit 1\n")  # a stand-in Terraform started itself would fail the command
    with offline_tf.UnmanagedStandIn("random") as shared:
        assert shared._proc is not None
        pid = shared._proc.pid
        attached = offline_tf.Terraform(work, {**env, **offline_tf.reattach_environment(shared.entry)}, tmp_path / "tf.log")
        before = _cpu(pid)
        assert "n = 24" in attached.run("apply", "-auto-approve", "-input=false").stdout
        served = _cpu(pid)
        assert served > before
        assert attached.run("plan", "-detailed-exitcode", "-input=false").returncode == 0
        assert _cpu(pid) > served
    with pytest.raises(ValueError, match="massdriver stand-in reads each command's environment: start it with that"):
        offline_tf.UnmanagedStandIn("massdriver")


def _cpu(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
