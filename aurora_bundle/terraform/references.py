"""A last structural check of each synthesized step, before anything is written.

Terraform itself would refuse most of these only at ``terraform validate``, and a param path that
the schema does not have only at plan time, with a real input. ``check_step`` refuses them at
``make build``, one ``Problem`` each, naming the module that wrote the block
(``RenderedStep.origins``):

- an argument that a resource, data source, provider or nested block type does not have, and a
  computed-only attribute that is set, against the providers' schemas in ``provider_schemas/``
  (hashicorp/aws of the pinned version and the built-in provider extracted from Terraform, random
  and massdriver transcribed from source);
- a reference to an undeclared variable, local, resource or data source, and an attribute path that
  the resource or data source type does not have;
- a ``var.`` path that the input's JSON Schema does not have (the params schema, the connections
  and ``md_metadata``, as ``inputs.connections`` describes them);
- a dynamic block iterator's path that its ``for_each`` source (``[var.<path>]``) does not have.

Expressions are read with a small HCL tokenizer (``parse_template``) that covers what the
generator writes: templates with ``${}`` and ``%{}``, quoted strings with escapes and nested
templates, heredocs, brackets, for expressions (the names they bind are not references),
conditionals, function calls and object constructors (keys are not references). What it cannot
check is listed in the README ("The reference check").
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from aurora_bundle.inputs.connections import CONNECTIONS, MD_METADATA
from aurora_bundle.inputs.errors import Problem
from aurora_bundle.terraform import PROVIDER_SCHEMAS

if TYPE_CHECKING:
    from aurora_bundle.terraform.synth import RenderedStep

# The providers' schemas, in the shape ``terraform providers schema -json`` prints: aws.json and
# terraform.json (the built-in provider: terraform_data), extracted and trimmed by ``make
# provider-schemas``; random.json and massdriver.json, transcribed from source (the offline proof's
# stand-in providers serve these same files).
PROVIDERS = ("aws", "terraform", "random", "massdriver")

# ------------------------------------------------------------------------------------------ tokens


class HclSyntaxError(ValueError):
    """Text this tokenizer cannot read; the check reports it as a problem."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: Literal["ident", "number", "string", "punct"]
    text: str  # for a string: its literal text when it has no interpolation
    parts: tuple[Part, ...] = ()  # for a string or heredoc: its template parts

    @property
    def literal(self) -> bool:
        return self.kind == "string" and all(isinstance(p, str) for p in self.parts)


@dataclass(frozen=True, slots=True)
class Interpolation:
    tokens: tuple[Token, ...]
    directive: str = ""  # "" for ${...}; "if", "else", "endif", "for", "endfor" for %{...}


Part: TypeAlias = "str | Interpolation"

_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
# One token of an expression (strings, heredocs, comments, '~' and the closing '}' are handled first).
_TOKEN = re.compile(
    r"\s+"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_-]*)"
    r"|(?P<number>[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<punct>\.\.\.|=>|==|!=|<=|>=|&&|\|\||::|[\[\]{}(),.:?=!<>+\-*/%])"
)
_TOKEN_KINDS: dict[str, Literal["ident", "number", "punct"]] = {"ident": "ident", "number": "number", "punct": "punct"}
_TEMPLATE_SPECIAL = {True: re.compile(r'["\\\n$%]'), False: re.compile(r"[$%]")}
_OPEN, _CLOSE = "([{", ")]}"
_KEYWORDS = frozenset({"true", "false", "null", "for", "in", "if"})


class _Lexer:
    def __init__(self, src: str) -> None:
        self.src = src

    def template(self, pos: int, *, quoted: bool) -> tuple[list[Part], int]:
        """Template parts from ``pos`` to the end of the text, or to the closing quote when quoted."""
        src, special = self.src, _TEMPLATE_SPECIAL[quoted]
        parts: list[Part] = []
        text: list[str] = []
        while (found := special.search(src, pos)) is not None:
            at = found.start()
            text.append(src[pos:at])
            ch, pos = src[at], at
            if ch == '"':
                return _flush(parts, text), pos + 1
            if ch == "\\":
                text.append(src[pos : pos + 2])
                pos += 2
            elif ch == "\n":
                raise HclSyntaxError("newline in a quoted string")
            elif src.startswith(("$${", "%%{"), pos):
                text.append(src[pos + 1 : pos + 3])
                pos += 3
            elif src.startswith("{", pos + 1):
                _flush(parts, text)
                tokens, pos = self.expression(pos + 2)
                directive = ""
                if ch == "%":
                    if not tokens or tokens[0].kind != "ident":
                        raise HclSyntaxError("empty template directive")
                    directive, tokens = tokens[0].text, tokens[1:]
                parts.append(Interpolation(tuple(tokens), directive))
            else:
                text.append(ch)
                pos += 1
        if quoted:
            raise HclSyntaxError("unterminated quoted string")
        text.append(src[pos:])
        return _flush(parts, text), len(src)

    def expression(self, pos: int) -> tuple[list[Token], int]:
        """The tokens of an interpolation's expression, and the position after its closing brace."""
        src = self.src
        tokens: list[Token] = []
        depth = 0
        if src.startswith("~", pos):
            pos += 1
        while pos < len(src):
            ch = src[pos]
            if ch == "}" and depth == 0:
                return tokens, pos + 1
            if ch == '"':
                parts, pos = self.template(pos + 1, quoted=True)
                tokens.append(_string_token(parts))
            elif ch == "#" or src.startswith("//", pos):
                end = src.find("\n", pos)
                pos = len(src) if end < 0 else end
            elif src.startswith("/*", pos):
                end = src.find("*/", pos + 2)
                if end < 0:
                    raise HclSyntaxError("unterminated comment")
                pos = end + 2
            elif ch == "~" and depth == 0 and src[pos + 1 :].lstrip().startswith("}"):
                pos += 1
            elif ch == "<" and (heredoc := _HEREDOC.match(src, pos)) is not None:
                token, pos = self._heredoc(heredoc)
                tokens.append(token)
            elif (match := _TOKEN.match(src, pos)) is not None:
                pos = match.end()
                kind = _TOKEN_KINDS.get(match.lastgroup or "")
                if kind is not None:  # else whitespace
                    text = match.group()
                    depth += text == "{"
                    depth -= text == "}"
                    tokens.append(Token(kind, text))
            else:
                raise HclSyntaxError(f"unexpected character {ch!r}")
        raise HclSyntaxError("unterminated ${")

    def _heredoc(self, opening: re.Match[str]) -> tuple[Token, int]:
        marker, body_start = opening.group(2), opening.end()
        pos = body_start
        while pos <= len(self.src):
            end = self.src.find("\n", pos)
            line_end = len(self.src) if end < 0 else end
            if self.src[pos:line_end].strip() == marker:
                parts, _ = _Lexer(self.src[body_start:pos]).template(0, quoted=False)
                return _string_token(parts), line_end
            if end < 0:
                break
            pos = end + 1
        raise HclSyntaxError(f"heredoc without its closing {marker}")


def _flush(parts: list[Part], text: list[str]) -> list[Part]:
    if joined := "".join(text):
        parts.append(joined)
    text.clear()
    return parts


def _string_token(parts: list[Part]) -> Token:
    literal = all(isinstance(p, str) for p in parts)
    return Token("string", "".join(p for p in parts if isinstance(p, str)) if literal else "", tuple(parts))


def parse_template(text: str) -> list[Part]:
    """A JSON string value as Terraform reads it: a template of literal text and interpolations."""
    return _Lexer(text).template(0, quoted=False)[0]


def parse_expression(text: str) -> list[Token]:
    """A bare expression (as in depends_on, ignore_changes, replace_triggered_by).

    Terraform's JSON syntax reads these strings as expressions, not templates: ``${...}`` there is a syntax error."""
    inner = text.strip()
    if "${" in inner:
        raise HclSyntaxError("write a bare reference (aws_x.name), not a template (${aws_x.name}): "
                             "Terraform reads this argument as an expression")
    return _Lexer(inner + "}").expression(0)[0]


# ----------------------------------------------------------------------------------------- references


@dataclass(frozen=True, slots=True)
class Step:
    kind: Literal["attr", "index", "splat"]
    name: str = ""  # an attribute's name
    key: str | int | None = None  # an index's literal key; None when computed
    text: str = ""  # as written: .name, [0], ["x"], [count.index], [*]


@dataclass(frozen=True, slots=True)
class Reference:
    root: str
    steps: tuple[Step, ...]

    def render(self, upto: int | None = None) -> str:
        return self.root + "".join(step.text for step in self.steps[:upto])

    def attr(self, index: int) -> str | None:
        if index < len(self.steps) and self.steps[index].kind == "attr":
            return self.steps[index].name
        return None


def _brackets(tokens: Sequence[Token]) -> tuple[dict[int, int], list[int]]:
    """Each opening bracket's closing index, and each token's innermost enclosing opening bracket (-1)."""
    match: dict[int, int] = {}
    enclosing = [-1] * len(tokens)
    stack: list[int] = []
    for i, token in enumerate(tokens):
        enclosing[i] = stack[-1] if stack else -1
        if token.kind != "punct":
            continue
        if token.text in _OPEN:
            stack.append(i)
        elif token.text in _CLOSE:
            if not stack or _OPEN.index(tokens[stack[-1]].text) != _CLOSE.index(token.text):
                raise HclSyntaxError(f"unbalanced {token.text!r}")
            match[stack.pop()] = i
    if stack:
        raise HclSyntaxError(f"unclosed {tokens[stack[-1]].text!r}")
    return match, enclosing


def _render_tokens(tokens: Sequence[Token]) -> str:
    out = ""
    for token in tokens:
        text = json.dumps(token.text) if token.kind == "string" else token.text
        tight = token.text in ".[]()" or out.endswith((".", "[", "(")) or not out
        out += text if tight else f" {text}"
    return out


def _traversal(tokens: Sequence[Token], i: int, match: Mapping[int, int]) -> tuple[Reference, int]:
    """The traversal rooted at identifier ``tokens[i]``, and the index after it."""
    steps: list[Step] = []
    j = i + 1
    while j < len(tokens):
        token, following = tokens[j], tokens[j + 1] if j + 1 < len(tokens) else None
        if token.text == "." and token.kind == "punct" and following is not None:
            if following.kind == "ident":
                steps.append(Step("attr", name=following.text, text=f".{following.text}"))
            elif following.kind == "number":
                steps.extend(Step("index", key=int(n), text=f".{n}") for n in following.text.split("."))
            elif following.text == "*":
                steps.append(Step("splat", text=".*"))
            else:
                break
            j += 2
        elif token.text == "[" and token.kind == "punct":
            close = match[j]
            inner = tokens[j + 1 : close]
            if len(inner) == 1 and inner[0].text == "*" and inner[0].kind == "punct":
                steps.append(Step("splat", text="[*]"))
            elif len(inner) == 1 and inner[0].kind == "number" and inner[0].text.isdigit():
                steps.append(Step("index", key=int(inner[0].text), text=f"[{inner[0].text}]"))
            elif len(inner) == 1 and inner[0].literal:
                steps.append(Step("index", key=inner[0].text, text=f"[{json.dumps(inner[0].text)}]"))
            else:
                steps.append(Step("index", text=f"[{_render_tokens(inner)}]"))
            j = close + 1
        else:
            break
    return Reference(tokens[i].text, tuple(steps)), j


def _is_root(tokens: Sequence[Token], i: int, enclosing: Sequence[int]) -> bool:
    """Whether identifier ``tokens[i]`` starts a reference (not an attribute, function, keyword or object key)."""
    if tokens[i].text in _KEYWORDS:
        return False
    before = tokens[i - 1].text if i > 0 and tokens[i - 1].kind == "punct" else ""
    after = tokens[i + 1].text if i + 1 < len(tokens) and tokens[i + 1].kind == "punct" else ""
    if before in (".", "::") or after in ("(", "::", "="):
        return False
    in_object = enclosing[i] >= 0 and tokens[enclosing[i]].text == "{"
    return not (after == ":" and in_object and before in ("{", ","))


def _for_colon(tokens: Sequence[Token], start: int, end: int, match: Mapping[int, int]) -> int:
    """The ':' that ends a for-expression's collection (skipping conditionals' own ':')."""
    pending, k = 0, start
    while k < end:
        token = tokens[k]
        if token.kind == "punct" and token.text in _OPEN:
            k = match[k] + 1
            continue
        if token.kind == "punct" and token.text == "?":
            pending += 1
        elif token.kind == "punct" and token.text == ":":
            if not pending:
                return k
            pending -= 1
        k += 1
    raise HclSyntaxError("for expression without ':'")


def _for_names(tokens: Sequence[Token], start: int) -> tuple[frozenset[str], int]:
    """The names a for-expression or %{for} binds (``tokens[start]`` is 'for'), and the index after 'in'."""
    names: list[str] = []
    k = start + 1
    while k < len(tokens) and tokens[k].kind == "ident" and tokens[k].text != "in":
        names.append(tokens[k].text)
        k += 2 if k + 1 < len(tokens) and tokens[k + 1].text == "," else 1
    if not names or k >= len(tokens) or tokens[k].text != "in":
        raise HclSyntaxError("malformed for expression")
    return frozenset(names), k + 1


Aliases = Mapping[str, Reference]


def _collection_alias(tokens: Sequence[Token], start: int, end: int, match: Mapping[int, int]) -> Reference | None:
    """The element reference a for-expression over a whole resource binds.

    The elements of a for-expression's collection when it is a whole counted or for_each resource (``values(T.N)``,
    ``T.N``, or the same with ``data.``): the reference ``T.N[<each>]``."""
    if end - start >= 3 and tokens[start].text == "values" and tokens[start + 1].text == "(" \
            and match.get(start + 1) == end - 1:
        start, end = start + 2, end - 1
    if start >= end or tokens[start].kind != "ident":
        return None
    reference, after = _traversal(tokens, start, match)
    size = 2 if reference.root == "data" else 1
    if after != end or len(reference.steps) != size or any(s.kind != "attr" for s in reference.steps):
        return None
    return Reference(reference.root, (*reference.steps, Step("index", text="[<each>]")))


def references(tokens: Sequence[Token], bound: frozenset[str] = frozenset(), aliases: Aliases | None = None
               ) -> list[Reference]:
    """Every reference in an expression, minus the names for-expressions bind (and ``bound``).

    A name bound to the elements of a whole resource is followed into that resource (``aliases``)."""
    out: list[Reference] = []
    match, enclosing = _brackets(tokens)
    _scan(tokens, 0, len(tokens), bound, match, enclosing, out, aliases or {})
    return out


def template_references(parts: Iterable[Part], bound: frozenset[str] = frozenset(),
                        aliases: Aliases | None = None) -> list[Reference]:
    out: list[Reference] = []
    scopes = [bound]
    for part in parts:
        if isinstance(part, str):
            continue
        tokens = part.tokens
        if part.directive == "for":
            names, start = _for_names((Token("ident", "for"), *tokens), 0)
            out.extend(references(tokens[start - 1 :], scopes[-1], aliases))
            scopes.append(scopes[-1] | names)
        elif part.directive == "endfor":
            if len(scopes) == 1:
                raise HclSyntaxError("%{endfor} without %{for}")
            scopes.pop()
        else:
            out.extend(references(tokens, scopes[-1], aliases))
    return out


def _scan(
    tokens: Sequence[Token],
    start: int,
    end: int,
    bound: frozenset[str],
    match: Mapping[int, int],
    enclosing: Sequence[int],
    out: list[Reference],
    aliases: Aliases,
) -> None:
    i = start
    while i < end:
        token = tokens[i]
        if token.kind == "string":
            out.extend(template_references(token.parts, bound, aliases))
        elif token.kind == "punct" and token.text in "[{" and i + 1 < end and tokens[i + 1].text == "for":
            close = match[i]
            names, collection = _for_names(tokens, i + 1)
            colon = _for_colon(tokens, collection, close, match)
            _scan(tokens, collection, colon, bound, match, enclosing, out, aliases)
            # ``for v in values(T.N)`` or ``for k, v in T.N``: v is an element of that resource.
            value = tokens[collection - 2].text  # the last name before 'in'
            element = _collection_alias(tokens, collection, colon, match)
            inner = {**{k: v for k, v in aliases.items() if k not in names}, **({value: element} if element else {})}
            _scan(tokens, colon + 1, close, (bound | names) - inner.keys(), match, enclosing, out, inner)
            i = close
        elif token.kind == "ident" and _is_root(tokens, i, enclosing) and token.text in aliases:
            reference, _after = _traversal(tokens, i, match)
            alias = aliases[token.text]
            out.append(Reference(alias.root, (*alias.steps, *reference.steps)))
        elif token.kind == "ident" and _is_root(tokens, i, enclosing) and token.text not in bound:
            out.append(_traversal(tokens, i, match)[0])
        i += 1


# -------------------------------------------------------------------------------------------- schemas

MAX_LISTED = 15
_PRIMITIVES = {"string", "number", "integer", "boolean", "bool", "null"}


def _alternatives(name: str, options: Iterable[str], lead: str = "it has") -> str:
    names = sorted(set(options))
    if not names:
        return f"({lead}: nothing)"
    if len(names) <= MAX_LISTED:
        return f"({lead}: {', '.join(names)})"
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    return f"(did you mean: {', '.join(close)}?)" if close else f"({len(names)} names, none close to {name})"


def _json_properties(node: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON Schema object's properties, including those its combinators and dependencies add."""
    props: dict[str, Any] = dict(node.get("properties") or {})
    branches: list[Any] = [*node.get("allOf", ()), *node.get("anyOf", ()), *node.get("oneOf", ())]
    branches += [node[k] for k in ("then", "else") if k in node]
    branches += [d for d in (node.get("dependencies") or {}).values() if isinstance(d, dict)]
    branches += list((node.get("dependentSchemas") or {}).values())
    for branch in branches:
        if isinstance(branch, dict):
            for key, value in _json_properties(branch).items():
                props.setdefault(key, value)
    return props


def _json_types(node: Mapping[str, Any]) -> set[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    return set(declared) if isinstance(declared, list) else set()


def _article(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def walk_json_schema(schema: Any, steps: Sequence[Step], text: str) -> tuple[Any, str | None]:
    """Follow ``steps`` into a JSON Schema: (the schema reached or None when open-ended, the problem)."""
    node = schema
    for step in steps:
        if not isinstance(node, dict) or not node:
            return None, None
        props, types = _json_properties(node), _json_types(node)
        extra = node.get("additionalProperties")
        open_ended = extra is True or isinstance(extra, dict) or "patternProperties" in node
        name = step.name if step.kind == "attr" else step.key if isinstance(step.key, str) else None
        if name is not None:
            if name in props:
                node = props[name]
            elif open_ended:
                return None, None
            elif props:
                return None, f"{text} has no property {name} {_alternatives(name, props)}"
            elif types and types <= _PRIMITIVES | {"array"}:
                kind = "list" if types == {"array"} else "/".join(sorted(types))
                return None, f"{text} is {_article(kind)}: it has no property {name}"
            else:
                return None, None
        else:
            items = node.get("items")
            if isinstance(items, dict):
                node = items
            elif isinstance(items, list):
                node = items[step.key] if isinstance(step.key, int) and step.key < len(items) else None
            elif isinstance(extra, dict):
                node = extra
            elif types and types <= _PRIMITIVES:
                return None, f"{text} is {_article('/'.join(sorted(types)))}: it cannot be indexed"
            else:
                return None, None
        text += step.text
    return node, None


@dataclass(frozen=True, slots=True)
class _Shape:
    """Where a path into a provider schema has got to."""

    kind: Literal["block", "blocks", "type", "any"]
    schema: Any  # block: a block schema; blocks: (nesting_mode, block schema); type: a cty type
    label: str


def _attribute_shape(name: str, attribute: Mapping[str, Any]) -> _Shape:
    nested = attribute.get("nested_type")
    declared = attribute.get("type")
    if isinstance(nested, dict):
        block = {"attributes": nested.get("attributes", {})}
        mode = nested.get("nesting_mode", "single")
        return _Shape("block", block, name) if mode == "single" else _Shape("blocks", (mode, block), name)
    return _Shape("type", declared if declared is not None else "dynamic", name)


def _schema_step(shape: _Shape, step: Step) -> _Shape | str:
    """One step into a provider schema, or what is wrong with it."""
    label = shape.label
    if shape.kind == "any":
        return shape
    if shape.kind == "block":
        block: Mapping[str, Any] = shape.schema
        if step.kind == "splat":
            return shape
        if step.kind != "attr":
            return f"{label} is a single object: it cannot be indexed"
        attributes, blocks = block.get("attributes", {}), block.get("block_types", {})
        if step.name in attributes:
            return _attribute_shape(step.name, attributes[step.name])
        if step.name in blocks:
            nested = blocks[step.name]
            mode = nested.get("nesting_mode", "list")
            inner = nested.get("block", {})
            if mode in ("single", "group"):
                return _Shape("block", inner, step.name)
            return _Shape("blocks", (mode, inner), step.name)
        return f"{label} has no attribute {step.name} {_alternatives(step.name, [*attributes, *blocks])}"
    if shape.kind == "blocks":
        mode, inner = shape.schema
        if step.kind == "attr" and mode != "map":
            return f"{label} is a {mode} of blocks: index it ([0]) or splat it ([*]) before .{step.name}"
        if step.kind == "index" and mode == "set":
            return f"{label} is a set of blocks: it cannot be indexed (splat it or use a for expression)"
        return _Shape("block", inner, label)
    return _type_step(shape, step)


def _type_step(shape: _Shape, step: Step) -> _Shape | str:
    cty, label = shape.schema, shape.label
    if cty == "dynamic":
        return _Shape("any", None, label)
    if isinstance(cty, str):
        what = f"has no attribute {step.name}" if step.kind == "attr" else "cannot be indexed"
        return f"{label} is {_article(cty)}: it {what}"
    kind, inner = cty[0], cty[1]
    if kind in ("list", "set"):
        if step.kind == "attr":
            return f"{label} is a {kind}: index it ([0]) or splat it ([*]) before .{step.name}"
        if step.kind == "index" and kind == "set":
            return f"{label} is a set: it cannot be indexed (splat it or use a for expression)"
        return _Shape("type", inner, label)
    if kind == "map":
        return _Shape("type", inner, label)
    if kind == "object":
        name = step.name if step.kind == "attr" else step.key if isinstance(step.key, str) else None
        if name is None:
            return _Shape("any", None, label)
        if name not in inner:
            return f"{label} has no attribute {name} {_alternatives(name, inner)}"
        return _Shape("type", inner[name], name)
    if kind == "tuple" and isinstance(step.key, int) and step.key < len(inner):
        return _Shape("type", inner[step.key], label)
    return _Shape("any", None, label)


def walk_block_schema(block: Mapping[str, Any], steps: Sequence[Step], label: str) -> str | None:
    """The problem with an attribute path into a resource or data source type's schema, if any."""
    shape = _Shape("block", block, label)
    for step in steps:
        result = _schema_step(shape, step)
        if isinstance(result, str):
            return result
        shape = result
    return None



# --------------------------------------------------------------------------------- provider schemas


def _provider_blocks(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """One provider's block schemas by key: 'provider.<name>', '<type>', 'data.<type>'."""
    name = document["provider_address"].rsplit("/", 1)[1]
    schema = document["schema"]
    blocks: dict[str, dict[str, Any]] = {f"provider.{name}": schema.get("provider", {}).get("block", {})}
    blocks.update({t: s["block"] for t, s in schema.get("resource_schemas", {}).items()})
    blocks.update({f"data.{t}": s["block"] for t, s in schema.get("data_source_schemas", {}).items()})
    return blocks


@lru_cache(maxsize=1)
def provider_schemas() -> Mapping[str, Mapping[str, Any]]:
    """Every block schema of the providers the steps use, by key: 'provider.aws', 'aws_rds_cluster', 'data.aws_subnet'."""
    schemas: dict[str, dict[str, Any]] = {}
    for name in PROVIDERS:
        schemas.update(_provider_blocks(json.loads((PROVIDER_SCHEMAS / f"{name}.json").read_text())))
    return schemas


# ------------------------------------------------------------------------------------------- checker

RESOURCE_META = frozenset({"count", "for_each", "depends_on", "lifecycle", "provider", "provisioner", "connection"})
DATA_META = frozenset({"count", "for_each", "depends_on", "lifecycle", "provider"})
PROVIDER_META = frozenset({"alias", "version"})
LIFECYCLE = {
    "resource": frozenset({"create_before_destroy", "prevent_destroy", "ignore_changes", "replace_triggered_by",
                           "precondition", "postcondition"}),
    "data": frozenset({"precondition", "postcondition"}),
}
CONDITION_KEYS = frozenset({"condition", "error_message"})
DYNAMIC_KEYS = frozenset({"for_each", "iterator", "labels", "content"})
VARIABLE_KEYS = frozenset({"type", "default", "description", "nullable", "sensitive", "validation", "ephemeral"})
OUTPUT_KEYS = frozenset({"value", "description", "sensitive", "depends_on", "precondition", "ephemeral"})
TOP_LEVEL = frozenset({"terraform", "provider", "variable", "locals", "output", "resource", "data",
                       "module", "moved", "import", "check", "removed"})
IGNORED_ROOTS = frozenset({"self", "path", "terraform"})
_NO_VALUE = object()


@dataclass(frozen=True, slots=True)
class _Iterator:
    """A dynamic block's iterator: the JSON Schemas one element of its for_each can be (None: unknown)."""

    label: str
    elements: tuple[tuple[str, Any], ...] | None


@dataclass(frozen=True, slots=True)
class _Context:
    """The top-level block being checked: its address, its key in ``RenderedStep.origins``, its meta-arguments."""

    address: str
    key: tuple[str, ...]
    kind: Literal["resource", "data", "other"] = "other"
    has_count: bool = False
    has_for_each: bool = False
    iterators: Mapping[str, _Iterator] = field(default_factory=dict)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _blocks(section: Any) -> dict[str, dict[str, Any]]:
    """{type: {name: body}} from a resource or data section (objects or arrays of objects)."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in _as_list(section or {}):
        for type_name, named in (chunk or {}).items():
            for group in _as_list(named):
                out.setdefault(type_name, {}).update(group or {})
    return out


def _merged(section: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for chunk in _as_list(section or {}):
        out.update(chunk or {})
    return out


class _Checker:
    def __init__(
        self,
        step: str,
        document: Mapping[str, Any],
        origins: Mapping[tuple[str, ...], str],
        inputs: Mapping[str, Mapping[str, Any]],
        params: Iterable[str],
        schemas: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.step = step
        self.document = document
        self.origins = origins
        self.inputs = inputs
        self.params = frozenset(params)
        self.schemas = schemas
        self.problems: list[Problem] = []
        self.variables = _merged(document.get("variable"))
        self.locals = _merged(document.get("locals"))
        self.resources = _blocks(document.get("resource"))
        self.data = _blocks(document.get("data"))
        self.providers = {name: _as_list(configs) for name, configs in _merged(document.get("provider")).items()}
        required = _merged(_merged(document.get("terraform")).get("required_providers"))
        self.provider_names = set(self.providers) | set(required)

    # ---------------------------------------------------------------- reporting

    def problem(self, context: _Context, where: str, expected: str, value: Any = _NO_VALUE) -> None:
        source = self.origins.get(context.key, f"{self.step}/ (no module recorded for {context.address})")
        self.problems.append(Problem(source, f"{context.address} {where}" if where else context.address,
                                     None if value is _NO_VALUE else value, expected, value is not _NO_VALUE))

    # ---------------------------------------------------------------- document

    def run(self) -> list[Problem]:
        for key in self.document:
            if key not in TOP_LEVEL:
                self.problem(_Context(f"{self.step}/", ()), key,
                             f"not a Terraform top-level block {_alternatives(key, TOP_LEVEL)}")
        for name, declaration in self.variables.items():
            self.check_variable(name, declaration)
        for name, value in self.locals.items():
            self.scan(_Context(f"local.{name}", ("locals", name)), value, "")
        for name, configs in self.providers.items():
            for config in configs:
                self.check_provider(name, config)
        for type_name, named in self.resources.items():
            for name, body in named.items():
                self.check_top_block("resource", type_name, name, body)
        for type_name, named in self.data.items():
            for name, body in named.items():
                self.check_top_block("data", type_name, name, body)
        for name, output in _merged(self.document.get("output")).items():
            self.check_output(name, output)
        for name, body in _merged(self.document.get("check")).items():
            self.check_check(name, body)
        for index, body in enumerate(_as_list(self.document.get("import") or [])):
            self.check_import(index, body)
        for section in ("moved", "removed", "module"):
            if self.document.get(section):
                self.problem(_Context(f"{self.step}/", ()), section,
                             f"the generator writes no {section} blocks: this check cannot read them")
        return self.problems

    def check_variable(self, name: str, declaration: Any) -> None:
        context = _Context(f"var.{name}", ("variable", name))
        if name not in self.inputs:
            self.problem(context, "", f"variable {name} is neither a param, a connection nor md_metadata")
        if not isinstance(declaration, dict):
            return
        for key, value in declaration.items():
            if key not in VARIABLE_KEYS:
                self.problem(context, key, f"a variable has no argument {key} {_alternatives(key, VARIABLE_KEYS)}", value)
            elif key == "validation":
                self.check_conditions(context, value, key)

    def check_provider(self, name: str, config: Any) -> None:
        if not isinstance(config, dict):
            return
        alias = config.get("alias")
        context = _Context(f"provider.{name}" + (f".{alias}" if alias else ""), ("provider", name))
        schema = self.schemas.get(f"provider.{name}")
        if schema is None:
            self.problem(context, "", f"no provider schema for {name} in {PROVIDER_SCHEMAS.name}/")
            self.scan(context, config, "")
        else:
            self.check_block(context, config, schema, f"provider {name}", "", PROVIDER_META)

    def check_output(self, name: str, output: Any) -> None:
        context = _Context(f"output.{name}", ("output", name))
        if not isinstance(output, dict):
            return
        for key, value in output.items():
            if key not in OUTPUT_KEYS:
                self.problem(context, key, f"an output has no argument {key} {_alternatives(key, OUTPUT_KEYS)}", value)
            elif key == "depends_on":
                self.check_depends_on(context, value, key)
            elif key == "precondition":
                self.check_conditions(context, value, key)
            else:
                self.scan(context, value, key)

    def check_check(self, name: str, body: Any) -> None:
        """A check block: its assertions warn after a plan or an apply, and fail nothing."""
        context = _Context(f"check.{name}", ("check", name))
        if not isinstance(body, dict):
            self.problem(context, "", "a check block must be an object", body)
            return
        for key, value in body.items():
            if key == "assert":
                self.check_conditions(context, value, key)
            else:
                self.problem(context, key, "the generator's check blocks hold assert blocks only (this check "
                                           "cannot read a scoped data block)", value)

    def check_import(self, index: int, body: Any) -> None:
        """Checks an import block's target and expressions.

        An import block: ``to`` a declared managed resource (with ``[each...]`` when it is counted), its ``id`` and
        ``for_each`` references checked like any expression."""
        context = _Context(f"import[{index}]", ("import", str(index)), has_for_each=isinstance(body, dict)
                           and "for_each" in body)
        if not isinstance(body, dict):
            self.problem(context, "", "an import block must be an object", body)
            return
        for key in body.keys() - {"to", "id", "for_each", "provider"}:
            self.problem(context, key, "an import block holds to, id, for_each and provider only", body[key])
        target = re.fullmatch(r"([a-z0-9_]+)\.([a-z0-9_]+)(\[[^\]]+\])?", str(body.get("to", "")))
        if target is None or target[2] not in self.resources.get(target[1], {}):
            self.problem(context, "to", "a managed resource this step declares", body.get("to"))
        elif (target[3] is not None) != ("count" in self.resources[target[1]][target[2]]
                                          or "for_each" in self.resources[target[1]][target[2]]):
            self.problem(context, "to", "an instance key exactly when the resource has count or for_each",
                         body.get("to"))
        for key in ("id", "for_each"):
            self.scan(context, body.get(key), key)

    def check_top_block(self, kind: Literal["resource", "data"], type_name: str, name: str, body: Any) -> None:
        prefix = "data." if kind == "data" else ""
        context = _Context(f"{prefix}{type_name}.{name}", (kind, type_name, name), kind,
                           isinstance(body, dict) and "count" in body, isinstance(body, dict) and "for_each" in body)
        if not isinstance(body, dict):
            self.problem(context, "", "a block must be an object", body)
            return
        if context.has_count and context.has_for_each:
            self.problem(context, "count", "count and for_each cannot both be set", body["count"])
        schema = self.schemas.get(f"{prefix}{type_name}")
        if schema is None:
            noun = "data source" if kind == "data" else "resource"
            self.problem(context, "", f"no provider schema in {PROVIDER_SCHEMAS.name}/ has {noun} type {type_name} "
                                      "(a type new to the generator: make provider-schemas extracts aws_* and terraform_*)")
            self.scan(context, body, "")
            return
        self.check_block(context, body, schema, type_name, "", RESOURCE_META if kind == "resource" else DATA_META)

    # ---------------------------------------------------------------- blocks and arguments

    def check_block(self, context: _Context, body: Any, schema: Mapping[str, Any], label: str, where: str,
                    meta: frozenset[str]) -> None:
        if not isinstance(body, dict):
            self.problem(context, where, f"{label} is a block: write it as an object or a list of objects", body)
            self.scan(context, body, where)
            return
        attributes: Mapping[str, Any] = schema.get("attributes", {})
        blocks: Mapping[str, Any] = schema.get("block_types", {})
        for key, value in body.items():
            path = f"{where}.{key}" if where else key
            if key in meta:
                self.check_meta(context, key, value, path, schema)
            elif key == "dynamic":
                self.check_dynamic(context, value, schema, label, path)
            elif key in attributes:
                flags = attributes[key]
                if flags.get("computed") and not flags.get("optional") and not flags.get("required"):
                    self.problem(context, path, f"{label}.{key} is computed by the provider: it cannot be set", value)
                self.scan(context, value, path)
            elif key in blocks:
                nested = blocks[key].get("block", {})
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        self.check_block(context, item, nested, key, f"{path}[{index}]", frozenset())
                else:
                    self.check_block(context, value, nested, key, path, frozenset())
            else:
                settable = [k for k, flags in attributes.items() if flags.get("optional") or flags.get("required")]
                self.problem(context, path, f"{label} has no argument {key} {_alternatives(key, [*settable, *blocks])}",
                             value)
                self.scan(context, value, path)

    def check_dynamic(self, context: _Context, value: Any, schema: Mapping[str, Any], label: str, where: str) -> None:
        if not isinstance(value, dict):
            self.problem(context, where, "dynamic must be an object of block type names", value)
            return
        blocks: Mapping[str, Any] = schema.get("block_types", {})
        for block_name, specs in value.items():
            path = f"{where}.{block_name}"
            nested = blocks.get(block_name)
            if nested is None:
                if block_name in schema.get("attributes", {}):
                    self.problem(context, path, f"{block_name} is an argument of {label}, not a block: it cannot be dynamic",
                                 specs)
                else:
                    self.problem(context, path, f"{label} has no block {block_name} {_alternatives(block_name, blocks)}",
                                 specs)
            for spec in _as_list(specs):
                if not isinstance(spec, dict):
                    self.problem(context, path, "a dynamic block must be an object", spec)
                    continue
                for key in spec:
                    if key not in DYNAMIC_KEYS:
                        self.problem(context, f"{path}.{key}",
                                     f"dynamic has no argument {key} {_alternatives(key, DYNAMIC_KEYS)}", spec[key])
                for key in ("for_each", "content"):
                    if key not in spec:
                        self.problem(context, path, f"dynamic {block_name} has no {key}")
                self.scan(context, spec.get("for_each"), f"{path}.for_each")
                self.scan(context, spec.get("labels"), f"{path}.labels")
                iterator = spec.get("iterator", block_name)
                source = _Iterator(block_name, self.iteration_elements(spec.get("for_each")))
                inner = replace(context, iterators={**context.iterators, iterator: source})
                content = spec.get("content", {})
                if nested is None:
                    self.scan(inner, content, f"{path}.content")
                else:
                    self.check_block(inner, content, nested.get("block", {}), block_name, f"{path}.content", frozenset())

    def check_meta(self, context: _Context, key: str, value: Any, where: str, schema: Mapping[str, Any]) -> None:
        if key == "depends_on":
            self.check_depends_on(context, value, where)
        elif key == "provider":
            self.check_provider_reference(context, value, where)
        elif key == "lifecycle":
            self.check_lifecycle(context, value, where, schema)
        elif key not in PROVIDER_META:  # count, for_each, provisioner, connection
            self.scan(context, value, where)

    def check_depends_on(self, context: _Context, value: Any, where: str) -> None:
        for index, entry in enumerate(_as_list(value)):
            problem = self.address_problem(entry) if isinstance(entry, str) else "must be a resource or data source address"
            if problem:
                self.problem(context, f"{where}[{index}]", problem, entry)

    def address_problem(self, text: str) -> str | None:
        """What is wrong with a bare resource or data source address (depends_on)."""
        try:
            tokens = parse_expression(text)
            if not tokens or tokens[0].kind != "ident":
                return "not a resource or data source address"
            reference, end = _traversal(tokens, 0, _brackets(tokens)[0])
        except HclSyntaxError as error:
            return f"cannot read the address: {error}"
        if end != len(tokens):
            return "not a resource or data source address"
        if reference.root == "data":
            type_name, name, declared, extra = reference.attr(0), reference.attr(1), self.data, reference.steps[2:]
        else:
            type_name, name, declared, extra = reference.root, reference.attr(0), self.resources, reference.steps[1:]
        if type_name is None or name is None:
            return "not a resource or data source address"
        prefix = "data." if reference.root == "data" else ""
        if name not in declared.get(type_name, {}):
            return f"{prefix}{type_name}.{name} is not declared {self.declared_instances(declared, prefix, type_name, name)}"
        if extra:
            return "depends_on names whole resources, not attributes"
        return None

    def check_provider_reference(self, context: _Context, value: Any, where: str) -> None:
        if not isinstance(value, str):
            self.problem(context, where, "provider must be a string: <name> or <name>.<alias>", value)
            return
        name, _, alias = value.strip().removeprefix("${").removesuffix("}").partition(".")
        if name not in self.provider_names:
            self.problem(context, where,
                         f"provider {name} is not configured {_alternatives(name, self.provider_names, 'configured')}", value)
        elif alias and not any(isinstance(c, dict) and c.get("alias") == alias for c in self.providers.get(name, [])):
            self.problem(context, where, f"provider {name} has no configuration with alias {alias}", value)

    def check_lifecycle(self, context: _Context, value: Any, where: str, schema: Mapping[str, Any]) -> None:
        allowed = LIFECYCLE["data" if context.kind == "data" else "resource"]
        for lifecycle in _as_list(value):
            if not isinstance(lifecycle, dict):
                self.problem(context, where, "lifecycle must be an object", lifecycle)
                continue
            for key, item in lifecycle.items():
                path = f"{where}.{key}"
                if key not in allowed:
                    self.problem(context, path, f"lifecycle has no argument {key} {_alternatives(key, allowed)}", item)
                elif key in ("precondition", "postcondition"):
                    self.check_conditions(context, item, path)
                elif key == "ignore_changes":
                    self.check_ignore_changes(context, item, path, schema)
                elif key == "replace_triggered_by":
                    for index, entry in enumerate(_as_list(item)):
                        self.check_expression(context, entry, f"{path}[{index}]")

    def check_ignore_changes(self, context: _Context, value: Any, where: str, schema: Mapping[str, Any]) -> None:
        if value == "all":
            return
        label = context.address.split(".")[-2]
        for index, entry in enumerate(_as_list(value)):
            if not isinstance(entry, str):
                continue
            problem: str | None = "not an attribute path"
            try:
                tokens = parse_expression(entry)
                if tokens and tokens[0].kind == "ident":
                    reference, end = _traversal(tokens, 0, _brackets(tokens)[0])
                    if end == len(tokens):
                        steps = (Step("attr", name=reference.root, text=reference.root), *reference.steps)
                        problem = walk_block_schema(schema, steps, label)
            except HclSyntaxError as error:
                problem = f"cannot read the path: {error}"
            if problem:
                self.problem(context, f"{where}[{index}]", problem, entry)

    def check_conditions(self, context: _Context, value: Any, where: str) -> None:
        for index, condition in enumerate(_as_list(value)):
            path = f"{where}[{index}]" if isinstance(value, list) else where
            if not isinstance(condition, dict):
                self.problem(context, path, "a condition block must be an object", condition)
                continue
            for key, item in condition.items():
                if key not in CONDITION_KEYS:
                    label = where.rsplit(".", 1)[-1]
                    self.problem(context, f"{path}.{key}",
                                 f"{label} has no argument {key} {_alternatives(key, CONDITION_KEYS)}", item)
                self.scan(context, item, f"{path}.{key}")

    # ---------------------------------------------------------------- expressions

    def scan(self, context: _Context, value: Any, where: str) -> None:
        """Check every reference in the templates of a JSON value (strings, and objects' keys and values)."""
        if isinstance(value, str):
            if "${" in value or "%{" in value:
                try:
                    found = template_references(parse_template(value))
                except HclSyntaxError as error:
                    self.problem(context, where, f"cannot read the expression: {error}", value)
                    return
                for reference in found:
                    self.check_reference(context, reference, where)
        elif isinstance(value, dict):
            for key, item in value.items():
                path = f"{where}.{key}" if where else key
                self.scan(context, key, path)
                self.scan(context, item, path)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.scan(context, item, f"{where}[{index}]")

    def check_expression(self, context: _Context, text: Any, where: str) -> None:
        """A bare expression (replace_triggered_by): its references."""
        if not isinstance(text, str):
            return
        try:
            found = references(parse_expression(text))
        except HclSyntaxError as error:
            self.problem(context, where, f"cannot read the expression: {error}", text)
            return
        for reference in found:
            self.check_reference(context, reference, where)

    def check_reference(self, context: _Context, reference: Reference, where: str) -> None:
        problem = self.reference_problem(context, reference)
        if problem:
            self.problem(context, where, problem, f"${{{reference.render()}}}")

    def reference_problem(self, context: _Context, ref: Reference) -> str | None:
        root = ref.root
        if root in context.iterators:
            return self.iterator_problem(ref, context.iterators[root])
        if root == "var":
            name = ref.attr(0)
            if name is None:
                return "var must be followed by a variable name"
            if name not in self.variables:
                return f"var.{name} is not declared {_alternatives(name, self.variables, 'declared')}"
            if name not in self.inputs:
                return None  # reported on the variable itself
            return walk_json_schema(self.inputs[name], ref.steps[1:], self.input_label(name))[1]
        if root == "local":
            name = ref.attr(0)
            if name is None or name not in self.locals:
                return f"{ref.render(1)} is not declared {_alternatives(name or '', self.locals, 'declared')}"
            return None
        if root == "data":
            return self.instance_problem(ref, "data.", ref.attr(0), 1)
        if root == "count":
            if not context.has_count:
                return "the block has no count"
            return None if ref.attr(0) == "index" and len(ref.steps) == 1 else "count has only .index"
        if root == "each":
            if not context.has_for_each:
                return "the block has no for_each"
            return None if ref.attr(0) in ("key", "value") else "each has only .key and .value"
        if root in IGNORED_ROOTS:
            return None
        if root == "module":
            return f"{ref.render(1)} is not declared (the step has no module blocks)"
        if root in self.resources:
            return self.instance_problem(ref, "", root, 0)
        if ref.steps and (root in self.schemas or f"data.{root}" in self.schemas):
            return f"{ref.render(1)} is not declared (there is no {root} in this step)"
        return f"{root} is not a variable, local, resource, data source or iterator in scope"

    def input_label(self, name: str) -> str:
        """How messages name an input: param <name>, connection <name> or md_metadata."""
        if name in self.params:
            return f"param {name}"
        return f"connection {name}" if name in CONNECTIONS else name

    @staticmethod
    def declared_instances(declared: Mapping[str, Mapping[str, Any]], prefix: str, type_name: str, name: str) -> str:
        named = declared.get(type_name, {})
        return _alternatives(name, named, f"{type_name} has") if named else f"(there is no {prefix}{type_name} in this step)"

    def instance_problem(self, ref: Reference, prefix: str, type_name: str | None, at: int) -> str | None:
        """A reference to a resource or data source: its name is step ``at`` (0, or 1 after 'data.<type>')."""
        declared = self.data if prefix else self.resources
        name = ref.attr(at) if type_name is not None else None
        if type_name is None or name is None:
            return f"expected {prefix}<type>.<name>"
        address = f"{prefix}{type_name}.{name}"
        body = declared.get(type_name, {}).get(name)
        if body is None:
            return f"{address} is not declared {self.declared_instances(declared, prefix, type_name, name)}"
        schema = self.schemas.get(f"{prefix}{type_name}")
        rest = list(ref.steps[at + 1 :])
        if schema is None or not rest:
            return None
        counted = isinstance(body, dict) and ("count" in body or "for_each" in body)
        first = rest[0]
        if counted and first.kind == "attr":
            meta = "count" if "count" in body else "for_each"
            return f"{address} has {meta}: index it ([0], [count.index], [each.key]) or splat it ([*]) before .{first.name}"
        if not counted and first.kind == "index":
            return f"{address} has neither count nor for_each: it cannot be indexed"
        if counted or first.kind == "splat":
            rest = rest[1:]
        return walk_block_schema(schema, rest, type_name)

    def iterator_problem(self, ref: Reference, iterator: _Iterator) -> str | None:
        what = ref.attr(0)
        if what not in ("key", "value"):
            return f"{ref.root} is the iterator of dynamic {iterator.label}: it has only .key and .value"
        if what == "key" or iterator.elements is None:
            return None
        problems = []
        for text, element in iterator.elements:
            problem = walk_json_schema(element, ref.steps[1:], text)[1]
            if problem is None:
                return None
            problems.append(problem)
        return problems[0] if problems else None

    def iteration_elements(self, for_each: Any) -> tuple[tuple[str, Any], ...] | None:
        """What one element of a dynamic for_each can be, when it is built from ``[var.<path>]`` or ``var.<path>``.

        The for_each may choose among such sources (and empty tuples) with conditionals. Anything else: None.
        """
        if not isinstance(for_each, str):
            return None
        try:
            parts = parse_template(for_each)
        except HclSyntaxError:
            return None
        if len(parts) != 1 or isinstance(parts[0], str) or parts[0].directive:
            return None
        elements: list[tuple[str, Any]] = []
        try:
            branches = _branches(list(parts[0].tokens))
        except HclSyntaxError:
            return None
        for branch in branches:
            wrapped = len(branch) >= 2 and branch[0].text == "[" and branch[-1].text == "]"
            inner = branch[1:-1] if wrapped else branch
            if wrapped and not inner:
                continue
            if not inner or inner[0].text != "var":
                return None
            try:
                reference, end = _traversal(inner, 0, _brackets(inner)[0])
            except HclSyntaxError:
                return None
            name = reference.attr(0)
            if end != len(inner) or name is None or name not in self.inputs:
                return None
            label = self.input_label(name) + "".join(step.text for step in reference.steps[1:])
            node, problem = walk_json_schema(self.inputs[name], reference.steps[1:], label)
            if problem or not isinstance(node, dict):
                return None
            if wrapped:
                elements.append((label, node))
                continue
            element = node.get("items") if isinstance(node.get("items"), dict) else node.get("additionalProperties")
            if not isinstance(element, dict):
                return None
            elements.append((f"{label}[*]", element))
        return tuple(elements)


def _branches(tokens: list[Token]) -> list[list[Token]]:
    """The possible results of an expression: both arms of (nested) conditionals, without outer parentheses."""
    match, _ = _brackets(tokens)
    while tokens and tokens[0].text == "(" and match.get(0) == len(tokens) - 1:
        tokens = tokens[1:-1]
        match, _ = _brackets(tokens)
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if token.kind == "punct" and token.text in _OPEN:
            k = match[k] + 1
            continue
        if token.kind == "punct" and token.text == "?":
            colon = _for_colon(tokens, k + 1, len(tokens), match)
            return _branches(tokens[k + 1 : colon]) + _branches(tokens[colon + 1 :])
        k += 1
    return [tokens]


# ------------------------------------------------------------------------------------------------ api


def input_schemas(params_schema: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The JSON Schema of every variable a step may declare: each param, each connection and md_metadata."""
    from aurora_bundle.massdriver.variables import MD_METADATA_VARIABLE

    return {**params_schema.get("properties", {}), **CONNECTIONS, MD_METADATA_VARIABLE: MD_METADATA}


def check_document(
    step: str,
    document: Mapping[str, Any],
    origins: Mapping[tuple[str, ...], str],
    params_schema: Mapping[str, Any],
    schemas: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Problem]:
    """Every problem in one step's merged Terraform JSON (``RenderedStep.document()``), naming the module from ``origins``.

    A ``var.`` path may reach any field a conditional branch of the params schema adds (``merged``)."""
    from aurora_bundle.inputs.conditional import merged

    params_schema = merged(params_schema)
    params = params_schema.get("properties", {})
    return _Checker(step, document, origins, input_schemas(params_schema), params,
                    provider_schemas() if schemas is None else schemas).run()


def check_step(step: str, rendered: RenderedStep, params_schema: Mapping[str, Any]) -> list[Problem]:
    """Every problem in one synthesized step, each naming the module that wrote the block."""
    return check_document(step, rendered.document(), rendered.origins, params_schema)


def check_steps(published: Mapping[str, RenderedStep], params_schema: Mapping[str, Any]) -> list[Problem]:
    """Every problem in every synthesized step, in step order."""
    return [problem for step, rendered in published.items() for problem in check_step(step, rendered, params_schema)]
