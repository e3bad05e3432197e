"""YAML and JSON read strictly: what a lenient parser lets through silently is a ``Problem``.

The bundle's files (massdriver.yaml, schemas/, examples/, artifacts/) end up as JSON, in Massdriver
and in Terraform, so they are read as JSON values and nothing else:

- the text must be UTF-8 (a binary file is reported, not decoded with the locale's codec);
- a key may appear once per mapping (PyYAML and ``json`` silently keep the last one);
- numbers must be finite: YAML's ``.nan``/``.inf``, JSON's ``NaN``/``Infinity`` (which Python's
  ``json`` accepts) and literals too large for a float are refused, as JSON itself has none;
- YAML may hold only what JSON can: text keys, and no timestamps, binary data or sets;
- a YAML alias may not refer to the mapping or list it sits in (a structure without end).

Every problem names the file and the key path (with the line, for YAML).
"""

from __future__ import annotations

import json
import math
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from aurora_bundle.inputs.errors import BundleError, Problem

_TAG = "tag:yaml.org,2002:"
_JSON_TAGS = {f"{_TAG}{name}" for name in ("null", "bool", "int", "float", "str", "seq", "map")}
_MERGE = f"{_TAG}merge"
_FINITE = "expected a finite number (JSON has no NaN or Infinity)"
_TOO_DEEP = "nested too deeply"
_DUPLICATE = "each key may appear once (a parser would silently keep only the last)"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse(data: bytes, source: str, kind: str) -> Any:
    """The JSON value in ``data``: ``kind`` is "YAML" or "JSON". Raises ``BundleError``."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError([Problem(source, "", None, f"not UTF-8 text (a binary file?): byte 0x{data[exc.start]:02x} "
                                   f"at offset {exc.start} cannot be decoded", False)]) from None
    return _parse_yaml(text, source) if kind == "YAML" else _parse_json(text, source)


def _syntax(source: str, kind: str, detail: str) -> BundleError:
    return BundleError([Problem(source, "", None, f"not valid {kind}: {detail}", False)])


# ---------------------------------------------------------------------------------------------- YAML


# libyaml's parser when PyYAML was built with it (its wheels are): the same nodes, about 5x faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(text: str, source: str) -> Any:
    loader = _LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problems = _YamlCheck(loader, source).run(node)
        if problems:
            raise BundleError(problems)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _syntax(source, "YAML", str(exc).splitlines()[0]) from None
    except RecursionError:
        raise _syntax(source, "YAML", _TOO_DEEP) from None
    finally:
        loader.dispose()


class _YamlCheck:
    """Walks the composed node graph (before anything is built), so aliases are seen as aliases."""

    def __init__(self, loader: yaml.SafeLoader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.problems: list[Problem] = []
        self.checked: set[int] = set()  # nodes already walked (an alias points at one of them)

    def run(self, node: Node) -> list[Problem]:
        self._walk(node, "", ())
        return self.problems

    def _add(self, path: str, node: Node, expected: str, value: Any = None, has_value: bool = False) -> None:
        """A problem at ``node``, whose line ends the message unless ``expected`` already names it."""
        line = f"line {node.start_mark.line + 1}"
        self.problems.append(Problem(self.source, path, value, expected if line in expected else f"{expected} ({line})",
                                     has_value))

    def _walk(self, node: Node, path: str, ancestors: tuple[int, ...]) -> None:
        if id(node) in ancestors:
            self._add(path, node, "alias refers to the mapping or list it is part of: the value would never end")
            return
        if id(node) in self.checked:
            return
        self.checked.add(id(node))
        if node.tag not in _JSON_TAGS:
            self._add(path, node, f"a YAML {node.tag.removeprefix(_TAG)} is not a JSON value; quote it if it is text")
        elif isinstance(node, MappingNode):
            self._mapping(node, path, (*ancestors, id(node)))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, f"{path}[{index}]", (*ancestors, id(node)))
        elif node.tag == f"{_TAG}float" and not math.isfinite(number := self.loader.construct_yaml_float(node)):
            self._add(path, node, _FINITE, number, True)

    def _mapping(self, node: MappingNode, path: str, ancestors: tuple[int, ...]) -> None:
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:  # `<<: *anchor`: the merged keys may be overridden here
                self._walk(value_node, path, ancestors)
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != f"{_TAG}str":
                shown = key_node.value if isinstance(key_node, ScalarNode) else "(a list or mapping)"
                self._add(_join(path, str(shown)), key_node, "keys must be text, as in JSON: quote the key")
                continue
            key, line = key_node.value, key_node.start_mark.line + 1
            child = _join(path, key)
            if key in first_line:
                self._add(child, key_node, f"duplicate key (line {line}; first at line {first_line[key]}): {_DUPLICATE}")
            else:
                first_line[key] = line
            self._walk(value_node, child, ancestors)


# ---------------------------------------------------------------------------------------------- JSON


class _JsonObject(dict[str, Any]):
    """A JSON object as parsed, remembering the keys it held more than once."""

    def __init__(self) -> None:
        super().__init__()
        self.duplicates: list[str] = []


def _object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject()
    for key, value in pairs:
        if key in obj:
            obj.duplicates.append(key)
        obj[key] = value
    return obj


def _parse_json(text: str, source: str) -> Any:
    problems: list[Problem] = []
    try:
        value = _plain(json.loads(text, object_pairs_hook=_object), "", source, problems)
    except json.JSONDecodeError as exc:
        raise _syntax(source, "JSON", str(exc)) from None
    except RecursionError:
        raise _syntax(source, "JSON", _TOO_DEEP) from None
    if problems:
        raise BundleError(problems)
    return value


def _plain(node: Any, path: str, source: str, problems: list[Problem]) -> Any:
    """``node`` with plain dicts; duplicate keys and numbers that are not finite go to ``problems``."""
    if isinstance(node, _JsonObject):
        problems += [Problem(source, _join(path, key), None, f"duplicate key: {_DUPLICATE}", False)
                     for key in dict.fromkeys(node.duplicates)]
        return {key: _plain(value, _join(path, key), source, problems) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item, f"{path}[{index}]", source, problems) for index, item in enumerate(node)]
    if isinstance(node, float) and not math.isfinite(node):
        problems.append(Problem(source, path, node, _FINITE))
    return node
