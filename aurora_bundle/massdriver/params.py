"""What the tables write into the bundle's inputs: ``make build`` does it first, before reading them.

A fact kept in a Python table is written from it, never kept a second time by hand:

- ``schemas/alarms.json``: the alarms (its ``properties``), from ``ALARMS`` in ``aws/alarm_table.py``:
  per alarm its ``enabled`` and ``threshold`` fields with the row's texts, bounds and defaults, and
  the alarm's own default, so params that leave an alarm out get the row's values (in Massdriver's
  form, and in Terraform through ``optional(..., default)``). Title and description are hand-written;
- ``schemas/database.json``, ``scaling.json``, ``observability.json``: the enums and bounds the engine
  catalog (``inputs/engine.py``) holds: majors, instance classes, reader and capacity limits, logs,
  the custom endpoints' limits and the instances' member names;
- massdriver.yaml: the alarms' ``ui:order`` line (below a marker comment), in the table's order;
- ``examples/*/params.json``: the schema's defaults for every field left out, as Massdriver's form
  fills them in (an example is a complete input set; a preset lists only what differs from them).

Each generated place says so: a ``$comment`` on the schema node whose keys are written, naming them
and their table; a comment line above the ui:order line. Everything else there is edited by hand.
Files are written atomically and only when they change. A file that cannot be read (or is not a JSON
object) is left alone: the validation that follows reports it in its own words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from aurora_bundle.aws.alarm_table import ALARMS, AlarmSpec
from aurora_bundle.aws.conditions import SERVERLESS
from aurora_bundle.inputs import engine, structured
from aurora_bundle.inputs.conditional import with_defaults
from aurora_bundle.inputs.errors import BundleError, Problem
from aurora_bundle.inputs.spec import MASSDRIVER_YAML
from aurora_bundle.massdriver import ownership

SCHEMAS_DIR = "schemas"
EXAMPLES_DIR = "examples"
COMMENT = ownership.COMMENT
WIDTH = 120  # of a line in the schema files, for lists and small objects written on one line
_ENGINE = "aurora_bundle/inputs/engine.py"
_ALARM_TABLE = "aurora_bundle/aws/alarm_table.py"


# --------------------------------------------------------------------------------------------- alarms


def alarm_schema(spec: AlarmSpec, *, display: bool = False) -> dict[str, Any]:
    """``alarms.<key>``: whether the alarm exists and its threshold, both defaulting to the row's values.

    The fields' titles name the alarm, so an error list reads on its own ("CPU utilization threshold
    (%)"); the row's description is the alarm's, printed once. The threshold is on screen only while
    the alarm is on: ``dependencies`` + ``oneOf`` on ``enabled`` (Massdriver's idiom, which RJSF 5 and 6
    both resolve for rendering, defaults and omitExtraData: @rjsf/utils ``resolveDependencies``,
    ``withExactlyOneSubschema``). The object refuses unknown keys by itself (``propertyNames``: a
    threshold kept while the alarm is off is known, never rendered, and ignored). The threshold's
    bounds are checked by a dependency keyed on the threshold itself (``field_check``): the box gets its
    min and max from it, and a value out of bounds is one error on the threshold, never a failed
    ``enabled`` branch. No default on the object: RJSF 5
    computes an object's defaults from its resolved dependencies only when it has none of its own.

    ``display``: the copy a branch of the params' instance-class conditional adds (the form draws it);
    the full one (closed, with the bounds) lives in ``alarms``' own dependency on the alarm's key, so
    a mistake inside it never fails the instance-class branch."""
    param = spec.param
    kind = "integer" if param.integer else "number"
    title = f"{spec.title} threshold ({param.unit})" if param.unit else f"{spec.title} threshold"
    threshold = {"title": title, "type": kind, "default": param.default}
    schema: dict[str, Any] = {"title": spec.title, "description": spec.description, "type": "object"}
    if not display:
        schema["propertyNames"] = {"enum": ["enabled", "threshold"]}
        schema["message"] = {"propertyNames": f"{spec.key} has only enabled and threshold"}
    schema["properties"] = {
        "enabled": {"title": f"{spec.title} alarm on", "type": "boolean", "default": spec.enabled},
    }
    dependencies: dict[str, Any] = {"enabled": {"oneOf": [
        {"properties": {"enabled": {"const": True}, "threshold": threshold}},
        {"properties": {"enabled": {"const": False}}},
    ]}}
    if not display:
        # The title again beside the bounds: RJSF names a field in an error by the title of the schema
        # node that failed (its validator's parentSchema).
        dependencies["threshold"] = field_check("threshold", kind, {"title": title, "minimum": param.minimum,
                                                                    "maximum": param.maximum})
    schema["dependencies"] = dependencies
    return schema


def field_check(name: str, kind: str, bounds: dict[str, Any]) -> dict[str, Any]:
    """A dependency keyed on a field a branch adds.

    Wherever the field is present (its branch applies, or it was kept from one that no longer does) it has this type
    and these bounds, reported on the field alone.

    RJSF merges it into the form only while the field is one of the object's properties, that is while
    its branch applies (the box then gets its min and max from it); for a kept value it skips it
    (@rjsf/utils ``processDependencies``: "Skip this dependency if it is not included in the schema")."""
    return {"properties": {name: {"type": kind, **bounds}}}


# Where an alarm's params live: alarms.json for every instance class, or the branch of massdriver.yaml's
# params dependency on the instance class (when-serverless.json, when-provisioned.json), so the form
# shows an alarm only for the clusters that get it (the row's ``applies``).
ALARM_FILES = {SERVERLESS: "when-serverless.json", ~SERVERLESS: "when-provisioned.json"}


def alarms_properties(file: str = "alarms.json") -> dict[str, Any]:
    """The alarms drawn in ``file``: in alarms.json the full schemas, in a branch file the display copies."""
    return {spec.key: alarm_schema(spec, display=file != "alarms.json")
            for spec in ALARMS if ALARM_FILES.get(spec.applies, "alarms.json") == file}


def alarms_dependencies() -> dict[str, Any]:
    """``alarms.dependencies``: the full schema of each alarm a branch adds, checked wherever it is present."""
    return {spec.key: {"properties": {spec.key: alarm_schema(spec)}} for spec in ALARMS if spec.applies in ALARM_FILES}


def alarms_names() -> dict[str, Any]:
    return {"enum": [spec.key for spec in ALARMS]}


# ---------------------------------------------------------------------------------------- the stamps


@dataclass(frozen=True)
class Stamp:
    """Keys of one schema node that a table writes (``None`` removes the key)."""

    file: str  # under schemas/
    node: tuple[str, ...]  # keys from the file's root to the node
    source: str  # the table, as the node's $comment names it
    values: Callable[[], dict[str, Any]]

    def keys(self) -> str:
        return ", ".join(k for k, v in self.values().items() if v is not None)

    def comment(self) -> str:
        return f"make build writes {self.keys()} from {self.source}; edit the rest by hand"


def _props(*names: str) -> tuple[str, ...]:
    return tuple(part for name in names for part in ("properties", name))


def _checked(name: str) -> tuple[str, ...]:
    """From an object to the bounds of its field ``name`` (``field_check``'s place for them)."""
    return ("dependencies", name, "properties", name)


STAMPS: list[Stamp] = [
    Stamp("alarms.json", (), f"ALARMS in {_ALARM_TABLE} (one row per alarm)",
          lambda: {"propertyNames": alarms_names(), "properties": alarms_properties(),
                   "dependencies": alarms_dependencies(), "required": None}),
    Stamp("when-serverless.json", _props("alarms"), f"ALARMS in {_ALARM_TABLE} (the rows that apply to db.serverless)",
          lambda: {"properties": alarms_properties("when-serverless.json")}),
    Stamp("when-provisioned.json", _props("alarms"), f"ALARMS in {_ALARM_TABLE} (the rows that apply to provisioned classes)",
          lambda: {"properties": alarms_properties("when-provisioned.json")}),
    Stamp("database.json", _props("engine_version"), f"MAJORS in {_ENGINE}", lambda: {"enum": list(engine.MAJORS)}),
    Stamp("database.json", _props("instance_class"), f"INSTANCE_CLASSES in {_ENGINE}",
          lambda: {"enum": list(engine.INSTANCE_CLASSES)}),
    Stamp("database.json", _props("custom_endpoints"), f"MAX_CUSTOM_ENDPOINTS in {_ENGINE}",
          lambda: {"maxItems": engine.MAX_CUSTOM_ENDPOINTS}),
    Stamp("database.json", (*_props("custom_endpoints"), "items", *_props("name")),
          f"CUSTOM_ENDPOINT_NAME_MAX in {_ENGINE}", lambda: {"maxLength": engine.CUSTOM_ENDPOINT_NAME_MAX}),
    *(Stamp("database.json", (*_props("custom_endpoints"), "items", *_props(members), "items"),
            f"instance_members() (MAX_READERS) in {_ENGINE}", lambda: {"enum": engine.instance_members()})
      for members in ("static_members", "excluded_members")),
    Stamp("scaling.json", _props("reader_count"), f"MAX_READERS in {_ENGINE}", lambda: {"maximum": engine.MAX_READERS}),
    Stamp("scaling.json", (*_checked("serverless"), *_props("min_capacity")), f"ACU_MIN, ACU_MAX and ACU_STEP in {_ENGINE}",
          lambda: {"minimum": engine.ACU_MIN, "maximum": engine.ACU_MAX, "multipleOf": engine.ACU_STEP}),
    Stamp("scaling.json", (*_checked("serverless"), *_props("max_capacity")),
          f"ACU_MAX_AT_LEAST, ACU_MAX and ACU_STEP in {_ENGINE}",
          lambda: {"minimum": engine.ACU_MAX_AT_LEAST, "maximum": engine.ACU_MAX, "multipleOf": engine.ACU_STEP}),
    Stamp("scaling.json", (*_checked("serverless"), *_props("seconds_until_auto_pause")), f"AUTO_PAUSE_SECONDS in {_ENGINE}",
          lambda: dict(zip(("minimum", "maximum"), engine.AUTO_PAUSE_SECONDS, strict=True))),
    Stamp("scaling.json", (*_props("autoscaling"), *_checked("min_readers")), f"MAX_READERS in {_ENGINE}",
          lambda: {"maximum": engine.MAX_READERS}),
    Stamp("scaling.json", (*_props("autoscaling"), *_checked("max_readers")), f"MAX_READERS in {_ENGINE}",
          lambda: {"maximum": engine.MAX_READERS}),
    Stamp("observability.json", (*_props("log_exports"), "items"), f"LOG_EXPORTS in {_ENGINE}",
          lambda: {"enum": list(engine.LOG_EXPORTS)}),
]

SCHEMA_FILES = sorted({stamp.file for stamp in STAMPS})


def _stamped(node: dict[str, Any], stamp: Stamp) -> dict[str, Any]:
    """``node`` with the stamp's keys and its $comment written.

    The keys where they were (new ones last), the $comment first, with the digest of what it wrote (``ownership``)."""
    values = stamp.values()
    out: dict[str, Any] = {COMMENT: ownership.comment_with_digest(
        stamp.comment(), {k: v for k, v in values.items() if v is not None})}
    for key, value in node.items():
        if key == COMMENT:
            continue
        if key in values:
            if values[key] is not None:
                out[key] = values[key]
        else:
            out[key] = value
    out.update({k: v for k, v in values.items() if k not in out and v is not None})
    return out


def stamp_schema(file: str, document: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """A schema file's document with its stamps applied, and the hand edits found.

    The schema file's document with every stamp of that file applied, and the nodes that are missing or were edited by
    hand where the stamp writes (``ownership``: refused, not rewritten)."""
    problems = []
    for stamp in (s for s in STAMPS if s.file == file):
        parents, node = [], document
        for key in stamp.node:
            child = node.get(key) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                node = None
                break
            parents.append((node, key))
            node = child
        if node is None:
            problems.append(Problem(f"{SCHEMAS_DIR}/{file}", ".".join(stamp.node), None,
                                    f"is missing: make build writes its {stamp.keys()} from {stamp.source}", has_value=False))
            continue
        if edited := ownership.hand_edit(f"{SCHEMAS_DIR}/{file}", stamp.node, node, stamp.comment(), stamp.values(),
                                         stamp.source):
            problems.append(edited)
            continue
        new = _stamped(node, stamp)
        for parent, key in reversed(parents):  # copies of the nodes above it, keys kept in their order
            new = {**parent, key: new}
        document = new
    return document, problems


def schema_text(value: Any, indent: int = 0, *, inline: bool = False, fields: bool = False) -> str:
    """JSON as the schema files are written.

    Two-space indents; lists of plain values on as few lines as fit, one item a line otherwise; small objects
    (``inline``) on one line, never a field's schema (the values of a ``properties`` map, ``fields``) or a node with a
    $comment."""
    pad, end = " " * (indent + 2), "\n" + " " * indent
    flat = json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        if any(isinstance(v, dict | list) for v in value):
            return "[\n" + ",\n".join(pad + schema_text(v, indent + 2, inline=True) for v in value) + end + "]"
        if indent + len(flat) <= WIDTH:
            return flat
        lines = [""]
        for item in (json.dumps(v, ensure_ascii=False) for v in value):
            if lines[-1] and len(pad) + len(lines[-1]) + len(item) + 1 > WIDTH:
                lines.append("")
            lines[-1] += item + ", "
        return "[\n" + ",\n".join(pad + line.rstrip(", ") for line in lines) + end + "]"
    if isinstance(value, dict):
        small = COMMENT not in value and not any(isinstance(v, dict) for v in value.values())
        if not value or (inline and small and indent + len(flat) <= WIDTH):
            return flat
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: "
                 f"{schema_text(v, indent + 2, inline=not fields, fields=k == 'properties' and not fields)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + end + "}"
    return flat


# ------------------------------------------------------------------------------------ massdriver.yaml

UI_MARKER = f"# ui:order of the alarms: written by make build from ALARMS in {_ALARM_TABLE}"
_UI_LINE = re.compile(rf"^(?P<indent> *){re.escape(UI_MARKER)}\n(?P=indent)ui:order: (?P<order>[^\n]*?)"
                      rf"{ownership.LINE_DIGEST}$", re.MULTILINE)


def alarms_ui_order() -> list[str]:
    return [*(spec.key for spec in ALARMS), "*"]


def stamp_massdriver_yaml(text: str, document: Any) -> tuple[str, list[Problem]]:
    """massdriver.yaml with the alarms' ui:order line written.

    With the digest of what it wrote (``ownership``: a hand edit of the line is refused). Without the marker line (a
    tool that rewrote the file dropped the comments) nothing is written, and it is a problem only when the order is
    not the table's."""
    match = _UI_LINE.search(text)
    if match is None:
        ui = document.get("ui") if isinstance(document, dict) else None
        alarms = ui.get("alarms") if isinstance(ui, dict) else None
        order = alarms.get("ui:order") if isinstance(alarms, dict) else None
        if order == alarms_ui_order():
            return text, []
        return text, [Problem(MASSDRIVER_YAML, "ui.alarms.ui:order", order, f"expected {json.dumps(alarms_ui_order())}, "
                              f"which make build writes below the line {UI_MARKER!r}; put that line back above it")]
    order = f"[{', '.join(json.dumps(k) if k == '*' else k for k in alarms_ui_order())}]"
    if edited := ownership.line_hand_edit(MASSDRIVER_YAML, ("ui", "alarms", "ui:order"), match["order"], match["digest"],
                                          order, _flow_value(match["order"]), f"ALARMS in {_ALARM_TABLE}"):
        return text, [edited]
    indent = match["indent"]
    line = ownership.line_with_digest(f"{indent}{UI_MARKER}\n{indent}ui:order: {order}", order)
    return text[: match.start()] + line + text[match.end():], []


def _flow_value(text: str) -> Any:
    """The YAML value written on a line (the text itself when it is not YAML)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


# ------------------------------------------------------------------------------------------- examples


def example_text(params: dict[str, Any]) -> str:
    return json.dumps(params, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# ----------------------------------------------------------------------------------------------- all


def _read(path: Path, source: str, kind: str) -> Any:
    """The file's value, or None when it cannot be read (validation reports why)."""
    try:
        return structured.parse(path.read_bytes(), source, kind)
    except (OSError, BundleError):
        return None


def render_tables(root: Path) -> dict[Path, str]:
    """The schema files and massdriver.yaml as the tables write them: path -> text (only readable files)."""
    texts: dict[Path, str] = {}
    problems: list[Problem] = []
    for file in SCHEMA_FILES:
        path = root / SCHEMAS_DIR / file
        document = _read(path, f"{SCHEMAS_DIR}/{file}", "JSON")
        if isinstance(document, dict):
            stamped, missing = stamp_schema(file, document)
            problems += missing
            texts[path] = schema_text(stamped) + "\n"
    yaml_path = root / MASSDRIVER_YAML
    if (document := _read(yaml_path, MASSDRIVER_YAML, "YAML")) is not None:
        text, missing = stamp_massdriver_yaml(yaml_path.read_text(), document)
        problems += missing
        texts[yaml_path] = text
    if problems:
        raise BundleError(problems)
    return texts


def render_examples(root: Path, spec: Any = None) -> dict[Path, str]:
    """The examples' params.json files with the schema's defaults filled in.

    examples/<slug>/params.json with the schema's defaults filled in, for the examples that lack some (``spec``: the
    bundle as loaded already, when nothing it was read from has changed since)."""
    from aurora_bundle.inputs import spec as spec_module

    try:
        spec = spec or spec_module.load(root)
    except BundleError:  # the build's own load reports it
        return {}
    texts = {}
    for example in spec.examples:
        filled = with_defaults(spec.params_schema, example.params)
        if filled != example.params:
            texts[example.params_path] = example_text(filled)
    return texts


def write_tables(root: Path, *, check: bool = False, spec: Any = None) -> list[Path]:
    """Write what the tables generate (see the module's docstring).

    Returns the files that changed (or would change, with ``check``). Raises ``BundleError`` when a place to write is
    missing. ``spec``: the bundle as loaded before (reused when the tables changed no schema file or massdriver.yaml)."""
    from aurora_bundle.terraform.synth import write_atomically

    def apply(texts: dict[Path, str]) -> list[Path]:
        if check:
            return [path for path, text in texts.items() if path.read_text() != text]
        return [path for path, text in texts.items() if write_atomically(path, text)]

    changed = apply(render_tables(root))
    if check and changed:
        return changed  # the examples' defaults come from the schema files, which are stale
    return changed + apply(render_examples(root, None if changed else spec))
