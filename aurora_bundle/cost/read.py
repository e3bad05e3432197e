"""A params file read for an estimate: strictly, checked as ``make build`` checks examples, defaults filled in.

Any problem is a ``BundleError`` whose lines name the file: it cannot be read, it is not JSON (or
YAML, by its suffix), it is not an object, it breaks the params schema or one of the rules.
``md_metadata`` (as in examples/*/params.json) is allowed and ignored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aurora_bundle.cost.estimate import Assumptions, Estimate, estimate
from aurora_bundle.inputs import structured
from aurora_bundle.inputs.conditional import with_defaults
from aurora_bundle.inputs.errors import BundleError, Problem
from aurora_bundle.inputs.patterns import Validator
from aurora_bundle.inputs.rules import rule_problems
from aurora_bundle.inputs.spec import BundleSpec
from aurora_bundle.inputs.validation import MD_METADATA_KEY, validate_document

ROOT = Path(__file__).resolve().parents[2]


def complete(params: dict[str, Any], spec: BundleSpec, source: str) -> dict[str, Any]:
    """``params`` checked against the schema and the rules, with the schema's defaults filled in."""
    params = {k: v for k, v in params.items() if k != MD_METADATA_KEY}
    problems = validate_document(Validator(spec.params_schema), params, source)
    if problems:
        raise BundleError(problems)
    problems = rule_problems(spec.params_schema, params, source)
    if problems:
        raise BundleError(problems)
    return with_defaults(spec.params_schema, params)


def read_params(path: Path, spec: BundleSpec, source: str | None = None) -> dict[str, Any]:
    """The complete params in the file at ``path``; ``source`` is how problems name it (default: the path)."""
    source = source or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BundleError([Problem(source, "", None, f"cannot be read: {exc.strerror or exc}", False)]) from None
    kind = "YAML" if path.suffix in (".yaml", ".yml") else "JSON"
    document = structured.parse(data, source, kind)
    if not isinstance(document, dict):
        raise BundleError([Problem(source, "", document, f"expected a {kind} object of params at the top level")])
    return complete(document, spec, source)


def estimate_file(path: Path, spec: BundleSpec | None = None, assumptions: Assumptions | None = None) -> Estimate:
    """The estimate of a params file (raises ``BundleError``); ``spec`` defaults to this bundle's."""
    if spec is None:
        from aurora_bundle.inputs import spec as spec_module

        spec = spec_module.load(ROOT)
    return estimate(read_params(path, spec), assumptions)
