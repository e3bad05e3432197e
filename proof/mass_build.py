"""What ``mass bundle build`` writes at the bundle root: ``schema-{params,connections,artifacts,ui}.json``.

``mass`` needs Massdriver credentials (it fetches the artifact definitions from Massdriver's API), so
the offline proof writes the files the same way from the bundle and a folder of published artifact
definitions (``../shared/massdriver`` in the tests). As mass does it (massdriver-cloud/mass,
``internal/bundle`` and ``internal/resourcetype``):

- params: booleans without a default get ``default: false`` (at load, before ``$ref``s are
  resolved, walking maps only), then local ``./`` refs are inlined; ``examples`` stay;
- connections and artifacts: ``massdriver/<name>`` refs are replaced by the whole definition
  (its ``$md`` and ``$schema`` kept); keys beside a ``$ref`` win over the definition's;
- each file but the ui one gets ``$schema``, ``$id``, ``title`` (the bundle's name) and
  ``description`` at the top, over whatever was there;
- Go's ``json.MarshalIndent`` with four spaces: keys sorted, ``<``, ``>``, ``&`` escaped, a newline.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

SCHEMA_KINDS = ("params", "connections", "artifacts", "ui")
DRAFT_07 = "http://json-schema.org/draft-07/schema"
MASSDRIVER_REF = re.compile(r"^[a-zA-Z0-9-]+(/[a-zA-Z0-9-]+)?$")
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_json(document: Any) -> str:
    """``json.MarshalIndent(document, "", "    ")`` plus a newline, as mass writes the files."""
    text = json.dumps(document, indent=4, sort_keys=True, ensure_ascii=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _GO_ESCAPES[m.group(0)], text) + "\n"


def ensure_boolean_defaults(node: Any) -> None:
    """``type: boolean`` without a default gets ``default: false`` (maps only, as mass walks them)."""
    if not isinstance(node, dict):
        return
    if node.get("type") == "boolean" and "default" not in node:
        node["default"] = False
    for child in node.values():
        ensure_boolean_defaults(child)


def dereference(node: Any, base: Path, definitions: Path) -> Any:
    """Inline local (``./``, ``../``) and Massdriver (``massdriver/<name>``) refs; siblings of a ``$ref`` win."""
    if isinstance(node, list):
        return [dereference(item, base, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        if ref.startswith(("./", "../")):
            path = (base / ref).resolve()
            target = dereference(json.loads(path.read_text()), path.parent, definitions)
        elif MASSDRIVER_REF.match(ref):
            path = definitions / f"{ref.rsplit('/', 1)[-1]}.json"
            target = dereference(json.loads(path.read_text()), path.parent, definitions)
        else:
            raise ValueError(f"unable to resolve ref {ref!r}")
        siblings = {k: dereference(v, base, definitions) for k, v in node.items() if k != "$ref"}
        return {**target, **siblings}
    return {k: dereference(v, base, definitions) for k, v in node.items()}


def build_schemas(bundle: Path, definitions: Path) -> dict[str, str]:
    """``schema-<kind>.json`` file name -> text, for the bundle at ``bundle``."""
    document = yaml.safe_load((bundle / "massdriver.yaml").read_text())
    ensure_boolean_defaults(document["params"])
    files = {}
    for kind in SCHEMA_KINDS:
        schema = dereference(document.get(kind) or {}, bundle, definitions)
        if kind in ("connections", "artifacts"):
            schema.setdefault("properties", {})
        if kind != "ui":
            schema.update({"$schema": DRAFT_07, "title": document["name"], "description": document["description"],
                           "$id": f"https://schemas.massdriver.cloud/schemas/bundles/{document['name']}/schema-{kind}.json"})
        files[f"schema-{kind}.json"] = go_json(schema)
    return files


def write_schemas(bundle: Path, target: Path, definitions: Path) -> list[Path]:
    """Build the bundle at ``bundle`` and write its schema files into ``target`` (a published copy)."""
    written = []
    for name, text in build_schemas(bundle, definitions).items():
        (target / name).write_text(text)
        written.append(target / name)
    return written
