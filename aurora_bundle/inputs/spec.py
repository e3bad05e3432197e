"""massdriver.yaml, its local $refs and the example input sets, loaded into plain data.

Every file is read strictly (``structured``: UTF-8, no duplicate keys, finite numbers). Local
``$ref``s (``./schemas/x.json``) are resolved with the ``referencing`` library against the file's
location, the same way ``mass bundle build`` inlines them; nothing here fetches from the network,
and a ``$ref`` that is not a local file, or that leads back to where it is, is an error. What the
documents must hold beyond being mappings is checked by ``validation``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlparse

from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT7

from aurora_bundle.inputs import structured
from aurora_bundle.inputs.errors import BundleError, Problem, show

MASSDRIVER_YAML = "massdriver.yaml"
ARTIFACTS_DIR = "artifacts"
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
    # Every regex ``pattern`` of the params schema, by the file and field it is written in.
    patterns: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

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
    """The JSON value in a YAML (by suffix) or JSON file, read strictly (see ``structured``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError([Problem(source, "", None, f"cannot read file: {exc.strerror}", False)]) from None
    return structured.parse(data, source, "YAML" if path.suffix in {".yaml", ".yml"} else "JSON")


def read_artifact_template(root: Path, name: str) -> tuple[str, Any]:
    """artifacts/<name>.json, the description of artifact ``name``: (its path as shown, its contents)."""
    source = f"{ARTIFACTS_DIR}/{name}.json"
    return source, _read_structured(root / source, source)


def _file_registry(root: Path) -> Registry:
    """A registry that serves local files (relative to the bundle) and refuses everything else."""

    def retrieve(uri: str) -> Resource[Any]:
        if not uri.startswith("file://"):
            raise NoSuchResource(ref=uri)
        path = Path(uri.removeprefix("file://"))
        try:
            source = str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            raise NoSuchResource(ref=uri) from None
        if not path.is_file():
            raise NoSuchResource(ref=uri)
        contents = _read_structured(path, source)
        if not isinstance(contents, dict):
            raise BundleError([Problem(source, "", contents, "expected a JSON object (a schema) at the top level")])
        return DRAFT7.create_resource(contents)

    return Registry(retrieve=retrieve)  # type: ignore[call-arg]


def _cause(exc: BaseException) -> BundleError | None:
    """The ``BundleError`` (an unreadable or malformed file) behind a failed lookup, if that is why it failed."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
        if isinstance(exc, BundleError):
            return exc
    return None


@dataclass(frozen=True)
class _Site:
    """A place in the schema files.

    The file as shown, the dotted field in it, and where it is in the chain of ``$ref``s being inlined
    (``uri#pointer`` of each, outermost first)."""

    source: str
    field: str
    uri: str  # of the file's resource, against which its $refs resolve
    chain: tuple[str, ...]

    def at(self, key: str | int) -> _Site:
        field = f"{self.field}[{key}]" if isinstance(key, int) else (f"{self.field}.{key}" if self.field else key)
        return _Site(self.source, field, self.uri, self.chain)


class _Inliner:
    """Inlines every local ``$ref`` of the params schema, as ``mass bundle build`` does.

    A ``$ref`` must be a string that resolves to a JSON object in a file of the bundle, and may not
    lead back to a schema it is part of (a cycle would inline forever).
    """

    def __init__(self, root: Path, base_uri: str) -> None:
        self.root = root.resolve()
        self.base_uri = base_uri  # massdriver.yaml, whose resource is the params block
        self.patterns: dict[tuple[str, str], str] = {}  # (file, field) -> pattern, met on the way

    def _show(self, uri: str, pointer: str) -> tuple[str, str]:
        """The file and dotted field a resource URI and a JSON pointer in it stand for."""
        if uri == self.base_uri:
            source, field = MASSDRIVER_YAML, "params"
        else:
            path = Path(unquote(urlparse(uri).path))
            source, field = (str(path.relative_to(self.root)) if path.is_relative_to(self.root) else uri), ""
        for part in filter(None, pointer.split("/")):
            part = part.replace("~1", "/").replace("~0", "~")
            field = f"{field}.{part}" if field else part
        return source, field

    def _chain_text(self, chain: tuple[str, ...]) -> str:
        shown = []
        for target in chain:
            uri, _, pointer = target.partition("#")
            source, field = self._show(uri, pointer)
            shown.append(f"{source} {field}".strip())
        return " -> ".join(shown)

    def inline(self, node: Any, resolver: Any, site: _Site) -> Any:
        if isinstance(node, list):
            return [self.inline(item, resolver, site.at(i)) for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        if "$ref" not in node:
            if isinstance(node.get("pattern"), str):
                self.patterns[site.source, site.at("pattern").field] = node["pattern"]
            return {k: self.inline(v, resolver, site.at(k)) for k, v in node.items()}
        ref, ref_site = node["$ref"], site.at("$ref")
        if not isinstance(ref, str):
            raise BundleError([Problem(ref_site.source, ref_site.field, ref,
                                       "expected a string: the path of a schema file, e.g. ./schemas/database.json")])
        uri, pointer = (site.uri, ref[1:]) if ref.startswith("#") else urldefrag(urljoin(site.uri, ref))
        target = f"{uri}#{pointer}"
        if target in site.chain:
            cycle = self._chain_text((*site.chain[site.chain.index(target):], target))
            raise BundleError([Problem(ref_site.source, ref_site.field, ref, f"$ref cycle: {cycle}")])
        try:
            resolved = resolver.lookup(ref)
        except (Unresolvable, ValueError, TypeError) as exc:
            raise _cause(exc) or BundleError([Problem(ref_site.source, ref_site.field, ref,
                                                      "$ref does not resolve to a local schema file")]) from None
        if not isinstance(resolved.contents, dict):
            raise BundleError([Problem(ref_site.source, ref_site.field, ref,
                                       f"expected a $ref to a JSON object (a schema), not to {show(resolved.contents)}")])
        source, field = self._show(uri, pointer)
        inlined = self.inline(resolved.contents, resolved.resolver, _Site(source, field, uri, (*site.chain, target)))
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return {**inlined, **self.inline(siblings, resolver, site)}


def _load_examples(root: Path) -> list[Example]:
    examples, problems = [], []
    base = root / "examples"
    if not base.is_dir():
        return examples
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        documents = []
        for path in (folder / "params.json", folder / "connections.json"):
            source = str(path.relative_to(root))
            try:
                document = _read_structured(path, source)
            except BundleError as error:
                problems += error.problems
                continue
            if not isinstance(document, dict):
                problems.append(Problem(source, "", document, "expected a JSON object at the top level"))
                continue
            documents.append(document)
        if len(documents) == 2:
            examples.append(Example(folder.name, folder / "params.json", documents[0],
                                    folder / "connections.json", documents[1]))
    if problems:
        raise BundleError(problems)
    return examples


def load(root: Path) -> BundleSpec:
    """Read massdriver.yaml (with its local $refs) and examples/ from ``root``."""
    document = _read_structured(root / MASSDRIVER_YAML, MASSDRIVER_YAML)
    if not isinstance(document, dict):
        raise BundleError([Problem(MASSDRIVER_YAML, "", document, "expected a mapping at the top level")])
    missing = [key for key in ("params", "connections", "artifacts") if not isinstance(document.get(key), dict)]
    if missing:
        raise BundleError([Problem(MASSDRIVER_YAML, key, document.get(key), "expected a mapping") for key in missing])
    schema = {k: v for k, v in document["params"].items() if k != "examples"}  # presets are data, not schema
    base_uri = (root / MASSDRIVER_YAML).resolve().as_uri()
    registry = _file_registry(root).with_resource(base_uri, DRAFT7.create_resource(schema))
    inliner = _Inliner(root, base_uri)
    params_schema = inliner.inline(schema, registry.resolver(base_uri=base_uri),
                                   _Site(MASSDRIVER_YAML, "params", base_uri, (f"{base_uri}#",)))
    return BundleSpec(root=root, document=document, registry=registry, params_schema=params_schema,
                      examples=_load_examples(root), patterns=inliner.patterns)
