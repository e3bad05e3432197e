"""Names of AWS resources, derived in Terraform from md_metadata.name_prefix.

``name_prefix`` can reach ~67 characters; RDS identifiers allow 63. ``local.identifier`` keeps the
prefix when it fits in 52 characters (leaving room for instance suffixes such as
``-reader15-a``) and otherwise shortens it to 43 characters plus 8 characters of its SHA-1, so two
long prefixes never collide.
"""

from __future__ import annotations

from cdktf import TerraformStack

from aurora_bundle.terraform.hcl import local_value

IDENTIFIER_MAX = 52
_KEEP = 43

NAME_PREFIX = "local.name_prefix"
# The kms step's key alias, from md_metadata.name_prefix: how the src step (and an operator) finds the key.
KEY_ALIAS_FORMAT = "alias/%s-aurora"


def declare_names(stack: TerraformStack) -> None:
    local_value(stack, "name_prefix", "${var.md_metadata.name_prefix}")
    local_value(
        stack,
        "identifier",
        f"${{length({NAME_PREFIX}) <= {IDENTIFIER_MAX} ? {NAME_PREFIX} : "
        f'"${{replace(substr({NAME_PREFIX}, 0, {_KEEP}), "/-+$/", "")}}-${{substr(sha1({NAME_PREFIX}), 0, 8)}}"}}',
    )
