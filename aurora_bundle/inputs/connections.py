"""The shapes of what Massdriver hands every step besides the params: md_metadata and connections.

Only the fields this bundle reads are described (Terraform drops the rest when it converts the
values to these types). Tests check each shape is a subset of Massdriver's published schema.

Massdriver's artifact definitions accept any ``arn:aws:…`` string where this bundle needs one kind
of ARN (it takes the region and the VPC and subnet IDs apart from them), so the ARNs are described
here as AWS issues them, in every partition. The examples' connections are checked against these
shapes, and the src step checks the VPC and subnet ARNs again at plan time.
"""

from __future__ import annotations

from typing import Any

# AWS partitions, regions (us-east-1, us-gov-west-1, cn-north-1, eu-isoe-west-1, eusc-de-east-1, ...)
# and account IDs, as written in ARNs. The patterns mean the same in JavaScript, Python and RE2.
PARTITION = "aws(?:-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?"
REGION = "[a-z]{2,4}(?:-[a-z]+)+-[0-9]+"
ACCOUNT = "[0-9]{12}"
_EC2_ID = "(?:[0-9a-f]{8}|[0-9a-f]{17})"  # the old 8 or the current 17 hex digits


def _arn(service: str, region: str, resource: str) -> str:
    return f"^arn:{PARTITION}:{service}:{region}:{ACCOUNT}:{resource}$"


# role/[path/]name: a path of printable ASCII between slashes, a name of up to 64 of [A-Za-z0-9+=,.@_-].
IAM_ROLE_ARN = _arn("iam", "", "role/(?:[!-~]*/)?[A-Za-z0-9+=,.@_-]{1,64}")
VPC_ARN = _arn("ec2", REGION, f"vpc/vpc-{_EC2_ID}")
SUBNET_ARN = _arn("ec2", REGION, f"subnet/subnet-{_EC2_ID}")
# The same, as users read them in error messages.
IAM_ROLE_ARN_FORM = "an IAM role ARN: arn:<partition>:iam::<account>:role/[<path>/]<name>"
VPC_ARN_FORM = "a VPC ARN: arn:<partition>:ec2:<region>:<account>:vpc/vpc-<8 or 17 hex>"
SUBNET_ARN_FORM = "a subnet ARN: arn:<partition>:ec2:<region>:<account>:subnet/subnet-<8 or 17 hex>"


def _arn_schema(pattern: str, form: str) -> dict[str, Any]:
    # "message" is how Massdriver's artifact definitions word a pattern's error; the build uses it too.
    return {"type": "string", "pattern": pattern, "message": {"pattern": f"expected {form}"}}


_SUBNETS: dict[str, Any] = {
    "type": "array",
    "items": {"type": "object", "required": ["arn"], "properties": {"arn": _arn_schema(SUBNET_ARN, SUBNET_ARN_FORM)}},
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

# Each connection this bundle reads, with the Massdriver artifact type massdriver.yaml must $ref for it.
CONNECTION_TYPES = {"aws_authentication": "massdriver/aws-iam-role", "vpc": "massdriver/aws-vpc"}

CONNECTIONS: dict[str, dict[str, Any]] = {
    "aws_authentication": {
        "title": f"AWS IAM role ({CONNECTION_TYPES['aws_authentication']})",
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {
                "type": "object",
                "required": ["arn"],
                "properties": {
                    "arn": _arn_schema(IAM_ROLE_ARN, IAM_ROLE_ARN_FORM),
                    "external_id": {"type": "string"},
                },
            }
        },
    },
    "vpc": {
        "title": f"AWS VPC ({CONNECTION_TYPES['vpc']})",
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
                            "arn": _arn_schema(VPC_ARN, VPC_ARN_FORM),
                            "cidr": {"type": "string"},
                            "internal_subnets": _SUBNETS,
                            "private_subnets": _SUBNETS,
                        },
                    }
                },
            },
            "specs": {
                "type": "object",
                "properties": {"aws": {"type": "object", "properties": {"region": {"type": "string", "pattern": f"^{REGION}$"}}}},
            },
        },
    },
}
