"""The params as Python objects: ``P.database.instance_class`` renders ``var.database.instance_class``.

Code that reads a param names it through ``P``, so a path massdriver.yaml's params schema does not
have fails on the Python line that wrote it, with one line (``UnknownParam``), instead of reaching the
generated Terraform as text. A comparison of a param with a value is a ``Cond``: it renders HCL for
Terraform and evaluates the same decision against a params document in Python (the cost model, the
schema's placement of an alarm), so each decision has one definition.

The schema is the one the build loaded (``bind``); a process that never bound one (a test importing a
module) reads this repository's massdriver.yaml on first use.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aurora_bundle.inputs.errors import BundleError, Problem

_REPO = Path(__file__).resolve().parents[2]
# name -> its fields (None: a leaf), every field any branch of the schema can add.
Fields = dict[str, "Fields | None"]
_bound: Fields | None = None


def bind(params_schema: dict[str, Any]) -> None:
    """Check every ``P`` path from now on against ``params_schema`` (``$ref``s resolved)."""
    from aurora_bundle.inputs.conditional import merged

    global _bound
    _bound = _fields(merged(params_schema))  # with the fields every branch can add


def _schema_fields() -> Fields:
    if _bound is None:
        from aurora_bundle.inputs import spec

        bind(spec.load(_REPO).params_schema)
    assert _bound is not None
    return _bound


def _fields(schema: Any) -> Fields:
    """An object schema's fields, each with its own (None: a leaf)."""
    return {name: _fields(child) if isinstance(child, dict) and ("properties" in child or child.get("type") == "object")
            else None for name, child in ((schema or {}).get("properties") or {}).items()}


def get_path(params: dict[str, Any], path: str) -> Any:
    """The value at a dotted path, or None when any part is missing."""
    node: Any = params
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


class UnknownParam(BundleError):
    """A params path the schema does not have, named where the code wrote it."""


class Cond:
    """A decision on the params: HCL for Terraform (``str()``), and the same decision in Python (``holds``).

    Not a bool: ``if cond:`` is a mistake (the decision is Terraform's), so it raises."""

    __slots__ = ("_atom", "_test", "hcl")

    def __init__(self, hcl: str, test: Callable[[dict[str, Any]], bool], *, atom: bool = True) -> None:
        self.hcl, self._test, self._atom = hcl, test, atom

    def holds(self, params: dict[str, Any]) -> bool:
        """Whether the decision is true for a params document (as Terraform would evaluate it)."""
        return bool(self._test(params))

    def __str__(self) -> str:
        return self.hcl

    def __format__(self, spec: str) -> str:
        return format(self.hcl, spec)

    def __repr__(self) -> str:
        return f"Cond({self.hcl!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cond) and other.hcl == self.hcl

    def __hash__(self) -> int:
        return hash(self.hcl)

    def __bool__(self) -> bool:
        raise TypeError(f"{self.hcl}: a Cond is decided by Terraform or by .holds(params), not by Python's if")

    def _operand(self) -> str:
        return self.hcl if self._atom else f"({self.hcl})"

    def __and__(self, other: Cond) -> Cond:
        return Cond(f"{self._operand()} && {other._operand()}", lambda p: self.holds(p) and other.holds(p), atom=False)

    def __or__(self, other: Cond) -> Cond:
        return Cond(f"{self._operand()} || {other._operand()}", lambda p: self.holds(p) or other.holds(p), atom=False)

    def __invert__(self) -> Cond:
        return Cond(f"!({self.hcl})", lambda p: not self.holds(p))


ALWAYS = Cond("true", lambda p: True)


def implies(guard: Cond, then: Cond) -> Cond:
    """``then`` checked only where ``guard`` holds (true elsewhere).

    HCL's ``||`` and ``&&`` evaluate both sides, so a decision that reads a field only some params have
    (``scaling.serverless``) is guarded by a conditional, which evaluates only the branch it takes."""
    return Cond(f"{guard._operand()} ? {then._operand()} : true", lambda p: not guard.holds(p) or then.holds(p),
                atom=False)


def _literal(value: Any) -> str:
    return json.dumps(value)


class _Operand:
    """A value a decision compares: a param, or params added. ``value`` reads it from a params document."""

    def value(self, params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def _compare(self, op: str, other: Any, test: Callable[[Any, Any], bool]) -> Cond:
        """``self <op> other``; ``other`` a value or an operand.

        False in Python when either side is missing (Terraform would refuse to compare a null)."""
        right_hcl, right = _side(other)
        return Cond(f"{self} {op} {right_hcl}",
                    lambda p: (a := self.value(p)) is not None and (b := right(p)) is not None and test(a, b))

    def __gt__(self, other: Any) -> Cond:
        return self._compare(">", other, lambda a, b: a > b)

    def __ge__(self, other: Any) -> Cond:
        return self._compare(">=", other, lambda a, b: a >= b)

    def __lt__(self, other: Any) -> Cond:
        return self._compare("<", other, lambda a, b: a < b)

    def __le__(self, other: Any) -> Cond:
        return self._compare("<=", other, lambda a, b: a <= b)

    def __add__(self, other: _Operand) -> Sum:
        return Sum(self, other)


def _side(value: Any) -> tuple[str, Callable[[dict[str, Any]], Any]]:
    """A comparison's right side: its HCL and how to read it from a params document."""
    if isinstance(value, _Operand):
        return str(value), value.value
    return _literal(value), lambda p: value


class Sum(_Operand):
    """Numeric params added: ``P.scaling.reader_count + P.scaling.autoscaling.max_readers``."""

    def __init__(self, *terms: _Operand) -> None:
        self.terms = terms

    def value(self, params: dict[str, Any]) -> Any:
        values = [term.value(params) for term in self.terms]
        return None if any(v is None for v in values) else sum(values)

    def __str__(self) -> str:
        return " + ".join(map(str, self.terms))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


class Param(_Operand):
    """A params path: renders as ``var.<path>``; a field it does not have fails where it is written."""

    __slots__ = ("_fields", "path")

    def __init__(self, path: str, fields: Fields | None) -> None:
        self.path, self._fields = path, fields

    def __getattr__(self, name: str) -> Param:
        if name.startswith("_"):
            raise AttributeError(name)
        fields = _schema_fields() if self.path == "" else self._fields
        if fields is None or name not in fields:
            caller = sys._getframe(1)
            while caller.f_back is not None and caller.f_code.co_filename == __file__:
                caller = caller.f_back  # through at(): the line that named the path
            where = Path(caller.f_code.co_filename)
            source = f"{where.relative_to(_REPO) if where.is_relative_to(_REPO) else where}:{caller.f_lineno}"
            path = f"{self.path}.{name}" if self.path else name
            has = ", ".join(sorted(fields)) if fields else "no fields"
            owner = f"{self.path} has" if self.path else "the params are"
            raise UnknownParam([Problem(source, path, None, f"is no param of massdriver.yaml ({owner}: {has})",
                                        has_value=False)])
        return Param(f"{self.path}.{name}" if self.path else name, fields[name])

    def at(self, *names: str) -> Param:
        """The field reached through ``names`` (for a key held in a variable: ``P.alarms.at(key, "enabled")``)."""
        node = self
        for name in names:
            node = getattr(node, name)
        return node

    def __str__(self) -> str:
        return f"var.{self.path}"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"P.{self.path}"

    def value(self, params: dict[str, Any]) -> Any:
        """This param's value in a params document (None when it is not there)."""
        return get_path(params, self.path)

    def __eq__(self, value: object) -> Cond:  # type: ignore[override]
        right_hcl, right = _side(value)
        return Cond(f"{self} == {right_hcl}", lambda p: self.value(p) == right(p))

    def __ne__(self, value: object) -> Cond:  # type: ignore[override]
        right_hcl, right = _side(value)
        return Cond(f"{self} != {right_hcl}", lambda p: self.value(p) != right(p))

    def is_null(self) -> Cond:
        """The param is left out (Terraform: null, an optional object without a default)."""
        return Cond(f"{self} == null", lambda p: self.value(p) is None)

    def one_of(self, values: list[Any]) -> Cond:
        """The param's value is one of ``values``."""
        return Cond(f"contains({_literal(values)}, {self})", lambda p: self.value(p) in values)

    def has(self, item: Any) -> Cond:
        """A list param holds ``item``."""
        return Cond(f"contains({self}, {_literal(item)})",
                    lambda p: isinstance(v := self.value(p), list) and item in v)

    __hash__ = None  # type: ignore[assignment]


P = Param("", None)
