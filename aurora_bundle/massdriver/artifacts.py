"""The artifacts the bundle publishes, built from their descriptions in artifacts/<field>.json.

A description holds the artifact's display ``name`` and its ``payload``; any string in them may
contain ``{{reference}}`` placeholders naming a value of the deployed cluster (see ``REFERENCES``).
A placeholder that is the whole string keeps the value's type (the port stays a number).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aurora_bundle.aws.tls import CA_BUNDLE_URL, CA_IDENTIFIER, MINIMUM_TLS_VERSION, SSLMODE
from aurora_bundle.inputs.errors import BundleError, Problem
from aurora_bundle.inputs.spec import read_artifact_template
from aurora_bundle.terraform.hcl import Expr

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_.]+)\s*\}\}")


def references(password: str) -> dict[str, str]:
    """Placeholder name -> Terraform expression."""
    cluster = "aws_rds_cluster.main"
    return {
        "cluster.identifier": f"{cluster}.cluster_identifier",
        "cluster.arn": f"{cluster}.arn",
        "cluster.endpoint": f"{cluster}.endpoint",
        "cluster.reader_endpoint": f"{cluster}.reader_endpoint",
        "cluster.port": f"{cluster}.port",
        "cluster.engine_version": f"{cluster}.engine_version",  # what runs, or what a major upgrade brings
        "root.username": f"{cluster}.master_username",
        "root.password": password,
        "security_group.arn": "aws_security_group.main.arn",
        "iam.connect_policy_arn": "aws_iam_policy.connect.arn",
        "region": "local.region",
        # data.security.tls (aws/tls.py): what sslmode=verify-full needs, and the TLS the parameter groups enforce.
        "tls.sslmode": json.dumps(SSLMODE),
        "tls.ca_identifier": CA_IDENTIFIER,
        "tls.ca_bundle_url": CA_BUNDLE_URL,
        "tls.minimum_version": json.dumps(MINIMUM_TLS_VERSION),
    }


def _fill(node: Any, refs: dict[str, str], source: str, path: str) -> Any:
    if isinstance(node, dict):
        return {k: _fill(v, refs, source, f"{path}.{k}" if path else k) for k, v in node.items()}
    if isinstance(node, list):
        return [_fill(v, refs, source, f"{path}[{i}]") for i, v in enumerate(node)]
    if not isinstance(node, str):
        return node
    unknown = [name for name in PLACEHOLDER.findall(node) if name not in refs]
    if unknown:
        raise BundleError([Problem(source, path, node, f"unknown reference {{{{{unknown[0]}}}}}; "
                                   f"expected one of: {', '.join(sorted(refs))}")])
    whole = PLACEHOLDER.fullmatch(node)
    if whole:
        return Expr(refs[whole.group(1)])
    if PLACEHOLDER.search(node):
        template = PLACEHOLDER.sub(lambda m: "${" + refs[m.group(1)] + "}", json.dumps(node))
        return Expr(template)
    return node


def load_artifacts(root: Path, fields: list[str], refs: dict[str, str]) -> dict[str, tuple[Any, Any]]:
    """field -> (name, payload), both possibly holding ``Expr``.

    The descriptions' shape is checked by ``validation`` (``shapes.ARTIFACT_TEMPLATE``) before anything is rendered."""
    built = {}
    for name in fields:
        source, description = read_artifact_template(root, name)
        built[name] = (_fill(description["name"], refs, source, "name"),
                       _fill(description["payload"], refs, source, "payload"))
    return built
