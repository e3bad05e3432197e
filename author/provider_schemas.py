"""``python -m author.provider_schemas`` (``make provider-schemas``): refresh the extracted schemas.

Writes ``aws.json`` and ``terraform.json`` in ``aurora_bundle/terraform/provider_schemas/``: what
the reference check (``terraform/references``) knows of hashicorp/aws (the pinned version,
installed from the machine's provider mirror) and of Terraform's built-in provider
(``terraform_data``). Both are ``terraform providers schema -json``, kept only for the resource and
data source types the generated steps use, and only what the check reads: attribute names, their
types and required/optional/computed flags, nested block types. (random.json and massdriver.json
are transcribed from the providers' source by hand: those providers cannot be installed here.)

Run it after a module starts using another AWS type, or when the pinned version changes;
``tests/test_references.py`` checks the committed files equal a fresh extraction.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aurora_bundle.aws.provider import AWS_PROVIDER_VERSION
from aurora_bundle.terraform import PROVIDER_SCHEMAS
from proof.terraform import AWS_ADDRESS, Terraform, cli_environment, find_mirror

HOW = ("terraform providers schema -json, trimmed by python -m author.provider_schemas "
       "(make provider-schemas)")
KEPT = ("the resource and data source types kms/ and src/ use; attribute types, required/optional/computed "
        "flags and nested block types (descriptions and the like dropped)")
FLAGS = ("required", "optional", "computed")


@dataclass(frozen=True)
class Extracted:
    """A provider whose schema is extracted from Terraform (not transcribed)."""

    name: str  # the file: provider_schemas/<name>.json
    address: str
    version: str
    installed_from: str
    prefix: str  # its resource and data source types start with this

    @property
    def path(self) -> Path:
        return PROVIDER_SCHEMAS / f"{self.name}.json"


AWS = Extracted("aws", AWS_ADDRESS, AWS_PROVIDER_VERSION, "a filesystem mirror of the provider", "aws_")
BUILTIN = Extracted("terraform", "terraform.io/builtin/terraform", "builtin",
                    "Terraform itself (OpenTofu's built-in provider has the same schema)", "terraform_")
EXTRACTED = (AWS, BUILTIN)


def types_in_use(documents: Iterable[Mapping[str, Any]], prefix: str) -> tuple[set[str], set[str]]:
    """The resource and data source types (starting with ``prefix``) the step documents declare."""
    resources: set[str] = set()
    data: set[str] = set()
    for document in documents:
        resources |= {t for t in document.get("resource", {}) if t.startswith(prefix)}
        data |= {t for t in document.get("data", {}) if t.startswith(prefix)}
    return resources, data


def _trim_attribute(attribute: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {flag: True for flag in FLAGS if attribute.get(flag)}
    if "type" in attribute:
        out["type"] = attribute["type"]
    nested = attribute.get("nested_type")
    if isinstance(nested, dict):
        out["nested_type"] = {
            "nesting_mode": nested.get("nesting_mode", "single"),
            "attributes": {name: _trim_attribute(a) for name, a in sorted(nested.get("attributes", {}).items())},
        }
    return out


def trim_block(block: Mapping[str, Any]) -> dict[str, Any]:
    """A block schema with only what the reference check reads."""
    out: dict[str, Any] = {}
    if attributes := block.get("attributes"):
        out["attributes"] = {name: _trim_attribute(a) for name, a in sorted(attributes.items())}
    if block_types := block.get("block_types"):
        out["block_types"] = {
            name: {
                "nesting_mode": nested["nesting_mode"],
                **{k: nested[k] for k in ("min_items", "max_items") if nested.get(k)},
                "block": trim_block(nested.get("block", {})),
            }
            for name, nested in sorted(block_types.items())
        }
    return out


def full_schemas() -> dict[str, Any]:
    """``terraform providers schema -json``'s provider_schemas: the pinned hashicorp/aws and the built-in provider."""
    with tempfile.TemporaryDirectory(prefix="provider-schemas-") as scratch:
        work = Path(scratch)
        env = cli_environment(work / "cli")
        (work / "main.tf.json").write_text(json.dumps({
            "terraform": {"required_providers": {"aws": {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION}}},
            "resource": {"terraform_data": {"schema": {}}},  # so the built-in provider is listed too
        }))
        terraform = Terraform(work, env, work / "terraform.log")
        terraform.run("init", "-input=false")
        schemas: dict[str, Any] = json.loads(terraform.run("providers", "schema", "-json").stdout)["provider_schemas"]
    return schemas


def extract(provider: Extracted, full: Mapping[str, Any], resources: Iterable[str], data: Iterable[str]) -> dict[str, Any]:
    """``provider``'s schema file for these types, from its entry in ``providers schema -json``."""
    known_resources, known_data = full.get("resource_schemas", {}), full.get("data_source_schemas", {})
    missing = sorted({*resources} - set(known_resources)) + sorted(f"data.{t}" for t in {*data} - set(known_data))
    if missing:
        raise SystemExit(f"error: not in {provider.address} {provider.version}: {', '.join(missing)}")
    return {
        "source": {"provider": f"{provider.address} {provider.version}", "installed_from": provider.installed_from,
                   "extracted_with": HOW, "kept": KEPT},
        "provider_address": provider.address,
        "version": provider.version,
        "schema": {
            "provider": {"block": trim_block(full.get("provider", {}).get("block", {}))},
            "resource_schemas": {t: {"block": trim_block(known_resources[t]["block"])} for t in sorted(resources)},
            "data_source_schemas": {t: {"block": trim_block(known_data[t]["block"])} for t in sorted(data)},
        },
    }


def _lines(value: Any, indent: str) -> str:
    if isinstance(value, dict) and value and "type" not in value:  # an attribute (it has a type) takes one line
        inner = indent + "  "
        items = ",\n".join(f"{inner}{json.dumps(k)}: {_lines(v, inner)}" for k, v in value.items())
        return f"{{\n{items}\n{indent}}}"
    return json.dumps(value)


def dumps(document: Mapping[str, Any]) -> str:
    """A schema file's text: one attribute per line, so a provider upgrade reads as a diff."""
    return _lines(document, "") + "\n"


def fresh(documents: Iterable[Mapping[str, Any]]) -> dict[Extracted, str]:
    """Each extracted provider's file text for the types these step documents use."""
    documents = list(documents)
    full = full_schemas()
    texts = {}
    for provider in EXTRACTED:
        resources, data = types_in_use(documents, provider.prefix)
        texts[provider] = dumps(extract(provider, full[provider.address], resources, data))
    return texts


def main() -> int:
    from aurora_bundle.inputs import spec as spec_module
    from aurora_bundle.terraform.synth import render_steps

    mirror = find_mirror()
    if mirror is None or not (mirror / AWS_ADDRESS / AWS_PROVIDER_VERSION).is_dir():
        print(f"error: no filesystem mirror of {AWS_ADDRESS} {AWS_PROVIDER_VERSION} (set $TF_PROVIDER_MIRROR)",
              file=sys.stderr)
        return 1
    root = PROVIDER_SCHEMAS.parents[2]
    for provider, text in fresh(step.document() for step in render_steps(spec_module.load(root)).values()).items():
        changed = not provider.path.exists() or provider.path.read_text() != text
        provider.path.write_text(text)
        schema = json.loads(text)["schema"]
        print(f"{provider.path.relative_to(root)}: {len(schema['resource_schemas'])} resource and "
              f"{len(schema['data_source_schemas'])} data source types of {provider.address} {provider.version}; "
              f"{'changed' if changed else 'no changes'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
