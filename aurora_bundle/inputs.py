"""The shapes of what Massdriver hands every step besides the params: md_metadata and connections.

Only the fields this bundle reads are described (Terraform drops the rest when it converts the
values to these types). Tests check each shape is a subset of Massdriver's published schema.
"""

from __future__ import annotations

from typing import Any

_ARN: dict[str, Any] = {"type": "string", "pattern": "^arn:aws[a-z-]*:"}
_SUBNETS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "object", "required": ["arn"], "properties": {"arn": _ARN}},
}

MD_METADATA: dict[str, Any] = {
    "title": "Massdriver metadata",
    "type": "object",
    "required": ["name_prefix", "default_tags", "observability"],
    "properties": {
        "name_prefix": {"type": "string", "pattern": "^[a-z][a-z0-9-]*[a-z0-9]$", "maxLength": 128},
        "default_tags": {"type": "object", "additionalProperties": {"type": "string"}},
        "observability": {
            "type": "object",
            "required": ["alarm_webhook_url"],
            "properties": {"alarm_webhook_url": {"type": "string", "pattern": "^https://"}},
        },
    },
}

CONNECTIONS: dict[str, dict[str, Any]] = {
    "aws_authentication": {
        "title": "AWS IAM role (massdriver/aws-iam-role)",
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "required": ["arn"],
                "properties": {"arn": _ARN, "external_id": {"type": "string"}},
            }
        },
    },
    "vpc": {
        "title": "AWS VPC (massdriver/aws-vpc)",
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "required": ["infrastructure"],
                "properties": {
                    "infrastructure": {
                        "type": "object",
                        "required": ["arn", "cidr", "internal_subnets", "private_subnets"],
                        "properties": {
                            "arn": _ARN,
                            "cidr": {"type": "string"},
                            "internal_subnets": _SUBNETS,
                            "private_subnets": _SUBNETS,
                        },
                    }
                },
            },
            "specs": {
                "type": "object",
                "properties": {"aws": {"type": "object", "properties": {"region": {"type": "string"}}}},
            },
        },
    },
}
