"""What a client needs to verify the server: the TLS facts the artifacts publish (``data.security.tls``).

The parameter groups enforce TLS (``rds.force_ssl``) from ``MINIMUM_TLS_VERSION`` up; the artifacts say
so with the same constant, name the instances' CA (``database.ca_cert_identifier``) and where AWS
publishes its bundle for the package's region and partition, so ``sslmode=verify-full`` needs nothing
but the artifact.
"""

from __future__ import annotations

from cdktf import TerraformStack

from aurora_bundle.aws.kms import PARTITION
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import local_value, render

# ssl_min_protocol_version of the cluster parameter groups, and the artifacts' minimum_version.
MINIMUM_TLS_VERSION = "TLSv1.2"
# libpq's strongest mode: encrypted, the chain checked against the CA bundle and the host name against the
# certificate (the endpoints' DNS names are in the instances' certificates).
SSLMODE = "verify-full"
# Where AWS publishes the per-region CA bundles (intermediate and root certificates), by partition;
# the URL is <base>/<region>/<region>-bundle.pem in each.
# - aws: "Certificate bundles for AWS Regions", AWS "Using SSL/TLS to encrypt a connection to a DB
#   cluster" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html;
#   awsdocs/amazon-aurora-user-guide doc_source/UsingWithRDS.SSL.md @ 0dfaa41a), e.g.
#   https://truststore.pki.rds.amazonaws.com/us-east-1/us-east-1-bundle.pem.
# - aws-us-gov: "AWS GovCloud (US) certificates", same page: us-gov-east-1 and us-gov-west-1 both under
#   https://truststore.pki.us-gov-west-1.rds.amazonaws.com/<region>/<region>-bundle.pem.
# - aws-cn: "Certificate bundles for specific Amazon Web Services Regions", the China edition of the page
#   (https://docs.amazonaws.cn/en_us/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html):
#   https://rds-truststore.s3.cn-north-1.amazonaws.com.cn/<region>/<region>-bundle.pem for cn-north-1
#   and cn-northwest-1 (the same template, citing that page, in gravitational/teleport's
#   rdsCNRegionCAURLTemplate).
# Another partition (aws-iso*, aws-eusc) is refused at plan time rather than published with a wrong URL.
CA_BUNDLE_BASES: dict[str, str] = {
    "aws": "https://truststore.pki.rds.amazonaws.com",
    "aws-us-gov": "https://truststore.pki.us-gov-west-1.rds.amazonaws.com",
    "aws-cn": "https://rds-truststore.s3.cn-north-1.amazonaws.com.cn",
}
# The artifacts' data.security.tls, as a JSON Schema in the artifact definition's style (the definition,
# massdriver/postgresql-authentication, has no TLS field and allows extra ones: artifact-definitions #220).
TLS_SCHEMA: dict[str, object] = {
    "title": "TLS",
    "description": "What a client needs to verify the server (libpq sslmode=verify-full): the mode, the "
                   "instances' certificate authority and AWS's CA bundle for the region, and the lowest TLS "
                   "version the server accepts.",
    "type": "object",
    "required": ["sslmode", "ca_identifier", "ca_bundle_url", "minimum_version"],
    "properties": {
        "sslmode": {"title": "SSL mode", "type": "string", "const": SSLMODE},
        "ca_identifier": {"title": "Certificate authority", "type": "string",
                          "examples": ["rds-ca-rsa2048-g1", "rds-ca-rsa4096-g1", "rds-ca-ecc384-g1"]},
        "ca_bundle_url": {"title": "CA bundle URL", "type": "string",
                          "pattern": "^https://[a-z0-9.-]+/[a-z0-9-]+/[a-z0-9-]+-bundle[.]pem$"},
        "minimum_version": {"title": "Minimum TLS version", "type": "string", "const": MINIMUM_TLS_VERSION},
    },
}
CA_BUNDLE_URL = "local.ca_bundle_url"
CA_IDENTIFIER = P.database.ca_cert_identifier  # every instance is created with it (instances.py)
# HCL: the partition has a bundle URL (the artifacts' precondition): declare_ca_bundle's base is null otherwise.
KNOWN_PARTITION = "local.ca_bundle_base != null"
PARTITION_MESSAGE = (f"vpc: the region ${{local.region}} is in AWS partition ${{{PARTITION}}}; the artifacts publish "
                     f"the RDS CA bundle URL for partitions {', '.join(sorted(CA_BUNDLE_BASES))} only (AWS, "
                     f"Using SSL/TLS to encrypt a connection to a DB cluster), so clients could not verify the "
                     f"server with sslmode={SSLMODE}.")


def ca_bundle_url(base: str, region: str) -> str:
    """The bundle URL the Terraform builds, for tests and docs."""
    return f"{base}/{region}/{region}-bundle.pem"


def declare_ca_bundle(stack: TerraformStack) -> None:
    """Declares ``local.ca_bundle_url``, the CA bundle of the package's region and partition.

    local.ca_bundle_url: the CA bundle for the package's region and partition (null for a partition the map lacks; the
    artifacts' precondition refuses that before anything is published)."""
    local_value(stack, "ca_bundle_base", f"${{lookup({render(CA_BUNDLE_BASES)}, {PARTITION}, null)}}")
    local_value(stack, "ca_bundle_url", '${local.ca_bundle_base == null ? null : '
                                           'format("%s/%s/%s-bundle.pem", local.ca_bundle_base, local.region, local.region)}')
