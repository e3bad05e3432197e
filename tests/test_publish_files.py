"""What ``mass bundle publish`` packages, computed from ``.mdignore`` the way Massdriver's CLI applies it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from author.publish_files import BUILD_OUTPUTS, IgnoreRules, published_files
from tests.conftest import ROOT


def bundle_files(root: Path) -> set[str]:
    """What Massdriver needs: the definition, docs and icon, the built schemas, every step's files (its
    Terraform JSON, checkov skips, and the failover function's package)."""
    steps = [step["path"] for step in yaml.safe_load((root / "massdriver.yaml").read_text())["steps"]]
    wanted = {"massdriver.yaml", "README.md", *BUILD_OUTPUTS}
    wanted |= {name for name in ("icon.svg", "operator.md") if (root / name).exists()}
    for step in steps:
        wanted |= {f"{step}/{path.name}" for path in (root / step).glob("*.tf.json")}
        wanted |= {f"{step}/{path.name}" for path in (root / step).glob("*.zip")}  # a Lambda package
        wanted |= {f"{step}/.checkov.yml"} if (root / step / ".checkov.yml").exists() else set()
    return wanted


def test_the_published_bundle_holds_exactly_the_bundle_files():
    assert (ROOT / "icon.svg").exists()
    assert set(published_files(ROOT)) == bundle_files(ROOT)


JUNK = [
    ".venv/lib/python3.11/site-packages/cdktf/__init__.py", ".venv-checkov/bin/checkov", ".git/config",
    "aurora_bundle/__pycache__/spec.cpython-311.pyc", "aurora_bundle/spec.py", "tests/test_x.py", "bench/author_loop.py",
    "examples/development/params.json", "schemas/database.json", "artifacts/writer.json",
    "build/offline/src/main.tf.json", "build/plans/production.json", "build/watch/development.params.json",
    "cdktf.out/stacks/src/cdk.tf.json", ".pytest_cache/v/cache/nodeids", ".ruff_cache/CACHEDIR.TAG",
    "generate.py", "Makefile", "pyproject.toml", "requirements.txt", ".gitignore", ".ci/run",
    ".watch.local.yaml", "node_modules/x/index.js",
    # a local `terraform init/apply` in a step, and a write interrupted half-way
    "src/.terraform/providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64/terraform-provider-aws",
    "src/.terraform.lock.hcl", "src/terraform.tfstate", "src/terraform.tfstate.backup", "src/dev.auto.tfvars.json",
    "src/.main.tf.json.k2j3h4", "kms/.terraform/terraform.tfstate", "kms/_params.auto.tfvars.json",
]


def test_build_output_caches_environments_and_local_terraform_state_stay_out(tmp_path):
    for name in (".mdignore", "massdriver.yaml", "README.md", "icon.svg", "kms", "src"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / name)
    for junk in JUNK:
        (tmp_path / junk).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / junk).write_text("junk")
    os.symlink(tmp_path / "build", tmp_path / "src" / "linked-dir")  # the CLI's walk sees a file here
    expected = bundle_files(tmp_path)
    assert set(published_files(tmp_path)) == expected | {"src/linked-dir"}
    os.unlink(tmp_path / "src" / "linked-dir")
    assert set(published_files(tmp_path)) == expected


def test_without_mdignore_the_list_is_refused(tmp_path):
    shutil.copy(ROOT / "massdriver.yaml", tmp_path)
    with pytest.raises(FileNotFoundError, match="without it mass publishes its default selection"):
        published_files(tmp_path)


# The rules are go-gitignore's (the library mass uses), including where they differ from git's.
CASES = [
    (["/*.c"], "cat-file.c", True),
    (["/*.c"], "mozilla-sha1/sha1.c", False),
    (["abc/**"], "abc/x/y.txt", True),
    (["abc/**"], "abcd/x", False),
    (["**/foo"], "foo", True),
    (["**/foo"], "a/b/foo/bar", True),
    (["a/**/b"], "a/x/y/b", True),
    (["*.tfstate*"], "src/terraform.tfstate.backup", True),
    (["Documentation/*.html"], "Documentation/git.html", True),
    (["Documentation/*.html"], "Documentation/ppc/ppc.html", False),
    (["#comment", "", "  "], "comment", False),
    (["a[", "*.md"], "x.md", True),  # a line that is no valid expression is dropped, as go-gitignore does
    # Unlike git, a "!" line re-includes a file even below an excluded directory: the last match wins.
    (["build/", "!build/keep.json"], "build/keep.json", False),
    (["build/", "!build/keep.json"], "build/other.json", True),
    (["*", "!/src/"], "src/main.tf.json", False),
    (["*", "!/src/"], "srcs/main.tf.json", True),
]


@pytest.mark.parametrize(("lines", "path", "ignored"), CASES)
def test_ignore_rules_match_like_go_gitignore(lines, path, ignored):
    assert IgnoreRules(lines).ignores(path) is ignored


def test_make_publish_checks_credentials_builds_and_tests_before_it_publishes():
    dry_run = subprocess.run(["make", "-n", "publish"], cwd=ROOT, capture_output=True, text=True, check=True)
    steps = [line for line in dry_run.stdout.splitlines() if not line.startswith("make")]  # make's own lines
    order = ["-m author.mass_cli", "generate.py", "ruff check",
             '-m pytest -n 2 --dist loadfile -m "not e2e and not scan and not offline and not browser and not consumers"',
             "-m author.publish_files",
             "mass bundle publish"]
    positions = [next(i for i, line in enumerate(steps) if needle in line) for needle in order]
    assert positions == sorted(positions), steps
    assert steps[-1] == "mass bundle publish"
