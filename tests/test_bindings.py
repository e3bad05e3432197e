"""The generator loads only the AWS binding modules it uses, and jsii can still import any other on demand."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from aurora_bundle.terraform.bindings import AWS_ASSEMBLY, AWS_PACKAGE, LAZY_EXPORTS, jsii_submodule_name

FIRST_TYPE = re.compile(rb'jsii_type="' + re.escape(AWS_ASSEMBLY.encode()) + rb'\.([A-Za-z0-9]+)\.')


def test_only_the_resource_modules_the_generator_uses_are_imported(rendered):
    loaded = sorted(name for name in sys.modules if name.startswith(AWS_PACKAGE + "."))
    assert 20 < len(loaded) < 100, loaded  # not the package's 2,135
    assert "rds_cluster" in {name.split(".")[1] for name in loaded}


def test_every_submodule_is_named_in_the_assembly_as_the_map_says():
    package = Path(sys.modules[AWS_PACKAGE].__path__[0])
    modules = [entry for entry in package.iterdir() if entry.is_dir() and not entry.name.startswith("_")]
    assert len(modules) > 2000
    for module in modules:
        with (module / "__init__.py").open("rb") as handle:
            found = FIRST_TYPE.search(handle.read(65536))
        assert found and found.group(1).decode() == jsii_submodule_name(module.name), module.name


def test_jsii_imports_a_module_the_generator_never_imported_when_a_type_from_it_comes_back(rendered):
    from jsii import _reference_map

    if f"{AWS_PACKAGE}.s3_bucket" in sys.modules:
        pytest.skip("s3_bucket was imported by something else")
    assert _reference_map._try_import_type_module(f"{AWS_ASSEMBLY}.s3Bucket.S3Bucket")
    assert f"{AWS_PACKAGE}.s3_bucket" in sys.modules
    assert f"{AWS_ASSEMBLY}.s3Bucket.S3Bucket" in _reference_map._types


# The JavaScript side (aurora_bundle/terraform/lazy_exports.cjs): a getter per submodule, required on first use.
FAKE_INDEX = """"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.rdsCluster = exports.s3Bucket = void 0;
exports.s3Bucket = require("./s3-bucket");
exports.rdsCluster = require("./rds-cluster");
"""
PROBE = """
require(process.argv[1]);
globalThis.loaded = [];
const aws = require("@cdktf/provider-aws");
const before = [...globalThis.loaded];
const keys = Object.keys(aws);
const first = aws.rdsCluster, second = aws.rdsCluster;
console.log(JSON.stringify({before, keys, after: globalThis.loaded, same: first === second, kind: first.kind}));
"""


def _node(script: str, *args: str, cwd: Path | None = None, stdin: str | None = None) -> dict:
    """What ``script`` (run by ``node -e`` with ``args``) printed, as JSON."""
    run = subprocess.run(["node", "-e", script, "--", *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_provider_index_requires_a_submodule_when_it_is_first_asked_for(tmp_path):
    package = tmp_path / "node_modules" / "@cdktf" / "provider-aws" / "lib"
    package.mkdir(parents=True)
    (package.parent / "package.json").write_text('{"name": "@cdktf/provider-aws", "main": "lib/index.js"}')
    (package / "index.js").write_text(FAKE_INDEX)
    for name, kind in (("s3-bucket", "bucket"), ("rds-cluster", "cluster")):
        (package / f"{name}.js").write_text(f'globalThis.loaded.push("{name}"); exports.kind = "{kind}";\n')
    got = _node(PROBE, str(LAZY_EXPORTS), cwd=tmp_path)
    assert got == {"before": [], "keys": ["s3Bucket", "rdsCluster"], "after": ["rds-cluster"], "same": True,
                   "kind": "cluster"}


def test_every_submodule_of_the_pinned_provider_index_is_made_lazy():
    tarball = next((Path(sys.modules[AWS_PACKAGE].__path__[0]) / "_jsii").glob("*.jsii.tgz"))
    with tarfile.open(tarball, "r|gz") as archive:
        member = next(m for m in archive if m.name == "package/lib/index.js")
        source = archive.extractfile(member).read().decode()  # type: ignore[union-attr]
    script = ("const {lazy} = require(process.argv[1]); let s = '';"
              "process.stdin.on('data', d => s += d).on('end', () => { const out = lazy(s);"
              "console.log(JSON.stringify({requires: (s.match(/require\\(/g) || []).length,"
              " getters: (out.match(/get\\(\\) \\{ const value = require\\(/g) || []).length})); });")
    counts = _node(script, str(LAZY_EXPORTS), stdin=source)
    assert counts["requires"] > 2000 and counts == {"requires": counts["requires"], "getters": counts["requires"]}


def test_the_jsii_runtime_started_with_the_preload_and_nothing_else_inherits_it(rendered):
    assert str(LAZY_EXPORTS) not in os.environ.get("NODE_OPTIONS", "")
    children = {int(pid) for task in Path("/proc/self/task").iterdir()
                for pid in (task / "children").read_text().split()}
    runtimes = [pid for pid in children if b"jsii-runtime" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    assert len(runtimes) == 1, children
    environ = Path(f"/proc/{runtimes[0]}/environ").read_bytes().split(b"\0")
    assert any(entry.startswith(b"NODE_OPTIONS=") and str(LAZY_EXPORTS).encode() in entry for entry in environ)
