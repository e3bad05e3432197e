"""Params as the plan reads them: Terraform's ``optional`` defaults applied to what a document leaves out.

Each step declares a variable per param typed from the merged schema (``terraform.tftypes.tf_type``): an
optional attribute with a default gets it, an all-defaulted object gets its fields' defaults, any other one
left out is null. The cross-field rules are decided on params read this way, as the cluster's preconditions
decide them. (Massdriver's form fills defaults by its own rules, ``conditional.with_defaults``: it fills a
left-out object of defaults even where Terraform holds null.)
"""

from __future__ import annotations

import copy
from typing import Any

from aurora_bundle.inputs.conditional import merged


def all_defaulted(schema: dict[str, Any]) -> bool:
    """An optional object with nothing required whose every field has a default (an alarm)."""
    props = schema.get("properties")
    return (schema.get("type") == "object" and isinstance(props, dict) and bool(props) and not schema.get("required")
            and all(isinstance(p, dict) and "default" in p for p in props.values()))


def as_terraform_reads(schema: dict[str, Any], value: Any) -> Any:
    """``value`` as Terraform holds it in a variable of type ``tf_type(schema)``.

    An optional attribute left out or null gets its default (``optional(T, default)``; an all-defaulted object its
    fields' defaults), any other one left out is null (absent here); list items likewise. Present values are kept."""
    if schema.get("type") == "array" and isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [as_terraform_reads(schema["items"], item) for item in value]
    props = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(props, dict) or not isinstance(value, dict):
        return value
    out = dict(value)
    for name, prop in props.items():
        if not isinstance(prop, dict):
            continue
        if out.get(name) is None:
            if "default" in prop:
                out[name] = copy.deepcopy(prop["default"])
            elif all_defaulted(prop):
                out[name] = {}
        if out.get(name) is not None:
            out[name] = as_terraform_reads(prop, out[name])
    return out


def as_planned(params_schema: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as the plan reads them.

    Each variable typed from the merged schema (``massdriver.variables``), with Terraform's ``optional`` defaults
    applied (a left-out ``scaling.serverless`` stays null)."""
    return as_terraform_reads(merged(params_schema), params)
