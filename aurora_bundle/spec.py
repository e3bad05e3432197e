"""massdriver.yaml, its local $refs and the example input sets, loaded into plain data.

Local ``$ref``s (``./schemas/x.json``) are resolved with the ``referencing`` library against the
file's location, the same way ``mass bundle build`` inlines them; nothing here fetches from the
network, and a ``$ref`` that is not a local file is an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT7

from aurora_bundle.errors import BundleError, Problem

PRESET_NAME_KEY = "__name"


@dataclass(frozen=True)
class Preset:
    name: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Example:
    """One deployable input set under examples/<slug>/: params (with md_metadata) and connections."""

    slug: str
    params_path: Path
    params: dict[str, Any]
    connections_path: Path
    connections: dict[str, Any]


@dataclass
class BundleSpec:
    root: Path
    document: dict[str, Any]
    registry: Registry = field(repr=False)
    params_schema: dict[str, Any] = field(repr=False)  # with $refs resolved
    examples: list[Example] = field(default_factory=list)

    @property
    def presets(self) -> list[Preset]:
        presets = []
        for raw in self.document["params"].get("examples", []):
            values = {k: v for k, v in raw.items() if k != PRESET_NAME_KEY}
            presets.append(Preset(name=str(raw.get(PRESET_NAME_KEY, "?")), params=values))
        return presets

    @property
    def param_names(self) -> list[str]:
        return sorted(self.params_schema.get("properties", {}))

    @property
    def connection_names(self) -> list[str]:
        return sorted(self.document["connections"].get("properties", {}))

    @property
    def artifact_names(self) -> list[str]:
        return sorted(self.document["artifacts"].get("properties", {}))


def _read_structured(path: Path, source: str) -> Any:
    try:
        text = path.read_text()
    except OSError as exc:
        raise BundleError([Problem(source, "", None, f"cannot read file: {exc.strerror}", False)]) from None
    try:
        return yaml.safe_load(text) if path.suffix in {".yaml", ".yml"} else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        detail = str(exc).splitlines()[0]
        raise BundleError([Problem(source, "", None, f"not valid {path.suffix[1:].upper()}: {detail}", False)]) from None


def _file_registry(root: Path) -> Registry:
    """A registry that serves local files (relative to the bundle) and refuses everything else."""

    def retrieve(uri: str) -> Resource[Any]:
        if not uri.startswith("file://"):
            raise NoSuchResource(ref=uri)
        path = Path(uri.removeprefix("file://"))
        try:
            path.resolve().relative_to(root.resolve())
        except ValueError:
            raise NoSuchResource(ref=uri) from None
        if not path.is_file():
            raise NoSuchResource(ref=uri)
        contents = _read_structured(path, str(path.relative_to(root.resolve())))
        return Resource.from_contents(contents, default_specification=DRAFT7)

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def _dereference(node: Any, resolver: Any, source: str, pointer: str) -> Any:
    """Inline every $ref below ``node``, following the resolver each lookup hands back."""
    if isinstance(node, list):
        return [_dereference(item, resolver, source, f"{pointer}/{i}") for i, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        try:
            resolved = resolver.lookup(ref)
        except Unresolvable:
            raise BundleError([Problem(source, pointer or "/", ref, "$ref does not resolve to a local schema file")]) from None
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        target = _dereference(resolved.contents, resolved.resolver, source, pointer)
        return {**target, **_dereference(siblings, resolver, source, pointer)}
    return {k: _dereference(v, resolver, source, f"{pointer}/{k}") for k, v in node.items()}


def _load_examples(root: Path) -> list[Example]:
    examples = []
    base = root / "examples"
    if not base.is_dir():
        return examples
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        params_path, connections_path = folder / "params.json", folder / "connections.json"
        params = _read_structured(params_path, str(params_path.relative_to(root)))
        connections = _read_structured(connections_path, str(connections_path.relative_to(root)))
        examples.append(Example(folder.name, params_path, params, connections_path, connections))
    return examples


def load(root: Path) -> BundleSpec:
    """Read massdriver.yaml (with its local $refs) and examples/ from ``root``."""
    document = _read_structured(root / "massdriver.yaml", "massdriver.yaml")
    if not isinstance(document, dict):
        raise BundleError([Problem("massdriver.yaml", "", document, "expected a mapping at the top level")])
    missing = [key for key in ("params", "connections", "artifacts") if not isinstance(document.get(key), dict)]
    if missing:
        raise BundleError([Problem("massdriver.yaml", key, document.get(key), "expected a mapping") for key in missing])
    registry = _file_registry(root)
    base_uri = (root / "massdriver.yaml").resolve().as_uri()
    registry = registry.with_resource(base_uri, Resource.from_contents(document["params"], default_specification=DRAFT7))
    resolver = registry.resolver(base_uri=base_uri)
    params_schema = _dereference(document["params"], resolver, "massdriver.yaml", "params")
    params_schema.pop("examples", None)
    return BundleSpec(root=root, document=document, registry=registry, params_schema=params_schema,
                      examples=_load_examples(root))
