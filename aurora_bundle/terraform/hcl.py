"""Terraform expressions as plain strings, and the few token casts the typed bindings need.

Everything that depends on params is a Terraform expression evaluated per deployment. CDKTF's
``Fn`` helpers escape ``${`` inside their arguments, so expressions are written here as HCL text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from cdktf import IResolvable, TerraformDataSource, TerraformLocal, TerraformVariable, Token
from constructs import Construct

T = TypeVar("T")


@dataclass(frozen=True)
class Expr:
    """A raw HCL expression (no surrounding ${})."""

    code: str

    def __str__(self) -> str:
        return f"${{{self.code}}}"


def render(value: Any) -> str:
    """Render a Python value (which may contain ``Expr``) as HCL expression text."""
    if isinstance(value, Expr):
        return value.code
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value).replace("${", "$${")
    return json.dumps(value)


def s(code: str) -> str:
    """A string attribute computed by Terraform."""
    return f"${{{code}}}"


def n(code: str) -> float:
    """A number attribute computed by Terraform."""
    return Token.as_number(f"${{{code}}}")


def b(code: str) -> IResolvable:
    """A bool attribute computed by Terraform."""
    return Token.as_any(f"${{{code}}}")


def strings(code: str) -> list[str]:
    """A list-of-strings attribute computed by Terraform."""
    return Token.as_list(f"${{{code}}}")


def jsonencode(value: Any) -> str:
    return s(f"jsonencode({render(value)})")


def string_map(code: str) -> dict[str, str]:
    """A map-of-strings attribute computed by Terraform."""
    return Token.as_string_map(f"${{{code}}}")


# Where a construct's block goes in the Terraform JSON, kept on the constructs ``local`` and ``make`` create: asking
# jsii for it (a block's type and name, or the construct's whole JSON) is a round trip to Node each time, and a
# regeneration in ``make watch`` would spend a third of its synthesis on them.
BLOCK = "_aurora_block"
_RESOURCE_TYPES: dict[type, str] = {}  # a binding's class -> its one Terraform type, read from jsii once


def block(construct: Any) -> tuple[str, ...] | None:
    """Where ``construct`` goes in the JSON, if this module created it: ``("resource", type, name)``, ``("locals", name)``...

    Also ``("data", type, name)`` and ``("variable", name)``; None for a construct created elsewhere."""
    return construct.__dict__.get(BLOCK)


def local(stack: Construct, name: str, code: str) -> str:
    """Declare ``local.<name>`` as ``code`` (HCL); return its reference, to use in other expressions."""
    local_value(stack, name, f"${{{code}}}")
    return f"local.{name}"


def local_value(stack: Construct, name: str, value: Any) -> TerraformLocal:
    """Declare ``local.<name>`` as ``value`` (a literal, or a string with ``${...}`` in it)."""
    element = TerraformLocal(stack, name, value)
    element.__dict__[BLOCK] = ("locals", name)
    return element


def variable(stack: Construct, name: str, **kwargs: Any) -> TerraformVariable:
    """Declare ``var.<name>``."""
    element = TerraformVariable(stack, name, **kwargs)
    element.__dict__[BLOCK] = ("variable", name)
    return element


def make(cls: type[T], stack: Construct, logical_id: str, /, **kwargs: Any) -> T:
    """Create a resource or data source whose Terraform name is exactly ``logical_id``.

    Construct ids must be unique across types (``aws_kms_key.main`` and ``aws_kms_alias.main``
    would clash) and CDKTF would otherwise add hash suffixes, so the construct id carries the type
    and the logical id is set explicitly.
    """
    element = cls(stack, f"{cls.__name__}.{logical_id}", **kwargs)
    element.override_logical_id(logical_id)  # type: ignore[attr-defined]
    kind = _RESOURCE_TYPES.get(cls) or kwargs.get("terraform_resource_type")  # the latter: cdktf's TerraformResource
    if kind is None:
        kind = element.terraform_resource_type  # type: ignore[attr-defined]
        if "TF_RESOURCE_TYPE" in vars(cls):  # a binding of one type (not cdktf's TerraformResource, of any type)
            _RESOURCE_TYPES[cls] = kind
    section = "data" if isinstance(element, TerraformDataSource) else "resource"
    element.__dict__[BLOCK] = (section, kind, logical_id)
    return element


def address(element: Any) -> str:
    """``aws_rds_cluster.main`` (or ``data.aws_subnet.selected``) for use inside expressions."""
    known = block(element)
    if known is not None and known[0] in ("resource", "data"):
        section, kind, name = known
        return f"{'data.' if section == 'data' else ''}{kind}.{name}"
    prefix = "data." if isinstance(element, TerraformDataSource) else ""
    return f"{prefix}{element.terraform_resource_type}.{element.friendly_unique_id}"


def attribute(value: Any) -> Any:
    """A JSON attribute value: literals as they are, ``Expr`` (anywhere inside) as interpolations."""
    if isinstance(value, Expr):
        if len(value.code) > 1 and value.code[0] == value.code[-1] == '"':
            return json.loads(value.code)  # a string template reads better bare: "a ${b}"
        return str(value)
    if isinstance(value, dict):
        return {k: attribute(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [attribute(v) for v in value]
    return value
