"""Which development instances ``make watch`` redeploys, read from a local, git-ignored file.

``.watch.local.yaml`` at the bundle root maps example presets (the folders under examples/) to
Massdriver instances the author deploys the development build to::

    instances:
      development: myproject-dev-aurora
      development-serverless: myproject-dev-aurorasls

After each republish the watcher configures every mapped instance with its example's params
(without ``md_metadata``, which Massdriver injects) and deploys it, in the file's order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aurora_bundle.inputs.errors import BundleError, Problem
from aurora_bundle.inputs.patterns import Validator
from aurora_bundle.inputs.spec import Example, _read_structured

CONFIG_FILE = ".watch.local.yaml"

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "instances": {
            "type": "object",
            "additionalProperties": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*[a-z0-9]$"},
        },
    },
}


@dataclass(frozen=True)
class DevInstance:
    preset: str  # the examples/ folder
    instance: str  # the Massdriver instance slug, e.g. "myproject-dev-aurora"
    params: dict[str, Any]  # the example's params, without md_metadata


def load(root: Path, examples: list[Example]) -> list[DevInstance]:
    """The mapped instances, in the file's order; [] when there is no file. Raises ``BundleError``."""
    from aurora_bundle.inputs.validation import MD_METADATA_KEY, validate_document

    path = root / CONFIG_FILE
    if not path.exists():
        return []
    document = _read_structured(path, CONFIG_FILE) or {}
    problems = validate_document(Validator(SCHEMA), document, CONFIG_FILE)
    if problems:
        raise BundleError(problems)
    by_slug = {example.slug: example for example in examples}
    mapped, problems = [], []
    for preset, instance in (document.get("instances") or {}).items():
        if preset not in by_slug:
            problems.append(Problem(CONFIG_FILE, f"instances.{preset}", instance,
                                    f"no such example preset; expected one of: {', '.join(sorted(by_slug))}"))
            continue
        params = {k: v for k, v in by_slug[preset].params.items() if k != MD_METADATA_KEY}
        mapped.append(DevInstance(preset, instance, params))
    if problems:
        raise BundleError(problems)
    return mapped


def write_params(instance: DevInstance, directory: Path) -> Path:
    """The params file handed to the mass CLI with ``--params`` (kept under build/ for inspection)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{instance.preset}.params.json"
    path.write_text(json.dumps(instance.params, indent=2, sort_keys=True) + "\n")
    return path
