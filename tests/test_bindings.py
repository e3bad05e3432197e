"""The generator loads only the AWS binding modules it uses, and jsii can still import any other on demand."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from aurora_bundle.terraform.bindings import AWS_ASSEMBLY, AWS_PACKAGE, jsii_submodule_name

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
