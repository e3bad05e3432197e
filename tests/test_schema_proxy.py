"""The schema proxy (``proof/schema_proxy.py``): Terraform sees the AWS provider's own schema for the kept types,
nothing else changes, and a type outside them is refused loudly."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from proof import terraform as offline_tf
from proof.schema_proxy import trim_schema, types_used

AWS = "registry.terraform.io/hashicorp/aws"
PROVIDER = {"region": "us-east-1", "access_key": "a", "secret_key": "b", "skip_credentials_validation": True,
            "skip_requesting_account_id": True, "skip_metadata_api_check": "true"}
CONFIG = {"terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}}},
          "provider": {"aws": PROVIDER}}


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field (numbers and lengths below 128: one byte each)."""
    return bytes([number << 3 | 2, len(payload)]) + payload


def _entry(number: int, key: str, value: bytes) -> bytes:
    return _field(number, _field(1, key.encode()) + _field(2, value))


def test_only_the_type_maps_lose_entries_and_every_kept_byte_is_the_providers() -> None:
    provider, capabilities, function = _field(1, b"p"), b"\x32\x02\x10\x01", _entry(7, "arn_parse", b"f")
    response = (provider + _entry(2, "aws_kms_key", b"k") + _entry(2, "aws_s3_bucket", b"s")
                + _entry(3, "aws_partition", b"d") + _entry(3, "aws_vpc", b"v") + function
                + _entry(8, "aws_secretsmanager_secret_version", b"e") + capabilities)
    kept = trim_schema(response, {"aws_kms_key", "aws_partition"})
    assert kept == provider + _entry(2, "aws_kms_key", b"k") + _entry(3, "aws_partition", b"d") + function + capabilities


def test_the_kept_types_are_every_aws_type_a_configuration_declares(tmp_path: Path) -> None:
    (tmp_path / "a.tf.json").write_text(json.dumps({"resource": {"aws_kms_key": {}, "random_password": {}},
                                                    "data": {"aws_partition": {}}}))
    (tmp_path / "b.tf.json").write_text(json.dumps({"resource": {"aws_kms_alias": {}}}))
    assert types_used([tmp_path]) == {"aws_kms_key", "aws_kms_alias", "aws_partition"}


@pytest.mark.offline
@pytest.mark.skipif(shutil.which("terraform") is None or offline_tf.find_mirror() is None,
                    reason="needs terraform and the provider mirror")
def test_terraform_sees_the_providers_schema_for_the_kept_types_and_refuses_the_others(tmp_path: Path) -> None:
    work = tmp_path / "step"
    work.mkdir()
    (work / "main.tf.json").write_text(json.dumps({**CONFIG, "data": {"aws_partition": {"p": {}}},
                                                   "output": {"p": {"value": "${data.aws_partition.p.partition}"}}}))
    env = offline_tf.cli_environment(tmp_path / "build")
    detached = offline_tf.Terraform(work, env, tmp_path / "tf.log")
    detached.run("init", "-input=false")
    full = json.loads(detached.run("providers", "schema", "-json").stdout)["provider_schemas"][AWS]
    binary = offline_tf.ReattachedProvider.installed(work)
    assert binary is not None
    keep = {"aws_partition", "aws_kms_key"}
    with offline_tf.ReattachedProvider(binary, env, work, tmp_path / "provider.log", keep_types=keep) as running:
        attached = offline_tf.Terraform(work, {**env, **running.environment()}, tmp_path / "tf.log")
        seen = json.loads(attached.run("providers", "schema", "-json").stdout)["provider_schemas"][AWS]
        for kind in ("resource_schemas", "data_source_schemas"):  # a kept name is kept wherever the provider has it
            assert set(seen[kind]) == keep & set(full[kind]), kind
        assert seen["resource_schemas"]["aws_kms_key"] == full["resource_schemas"]["aws_kms_key"]
        assert seen["data_source_schemas"]["aws_partition"] == full["data_source_schemas"]["aws_partition"]
        assert seen["provider"] == full["provider"] and seen.get("functions") == full.get("functions")
        assert running._proxy is not None
        threads = []
        for _ in range(6):  # each command's two streams (stdio, broker) end with it: the proxy's threads stay put
            assert 'p = "aws"' in attached.run("apply", "-auto-approve", "-input=false").stdout
            threads.append(len(os.listdir(f"/proc/{running._proxy.pid}/task")))
        # gRPC's own threads come and go around a command (counts seen: 17 to 22 between two commands), while a leak
        # keeps each command's stream threads for good: 22 -> 41 over these six (and a hang after about eight).
        assert threads[-1] - min(threads[:2]) < 8, threads
        (work / "extra.tf.json").write_text(json.dumps({"data": {"aws_vpc": {"v": {}}}}))
        with pytest.raises(offline_tf.TerraformError, match="aws_vpc"):
            attached.run("validate")
