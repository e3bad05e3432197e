"""Custom cluster endpoints (``database.custom_endpoints``): named DNS names over instances the params choose.

An endpoint's identifier is the cluster's identifier, a hyphen and its name. AWS wants endpoint
identifiers unique in the region across clusters, which the cluster's identifier gives; at most
52 + 1 + 10 = 63 characters (``local.identifier``, aws/naming.py; the name's maxLength, written
into the schema from ``CUSTOM_ENDPOINT_NAME_MAX``), RDS's limit, so it is never shortened and a
consumer derives the hostname from the writer artifact's (README, "Custom endpoints").

Members are named as ``local.instance_members`` (aws/instances.py) names the instances: ``writer``
and ``reader1``.. for the fixed readers. Referring to that local makes every endpoint wait for the
instances, so static members exist when it is created. The rules (inputs/rules.py, preconditions on
the cluster, which is planned first) refuse unknown members, duplicate names and an endpoint that
lists both static and excluded members before anything here is evaluated.
"""

from __future__ import annotations

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from cdktf_cdktf_provider_aws.rds_cluster_endpoint import RdsClusterEndpoint

from aurora_bundle.aws.naming import IDENTIFIER_MAX
from aurora_bundle.inputs.engine import CUSTOM_ENDPOINT_NAME_MAX
from aurora_bundle.inputs.rules import ENDPOINTS
from aurora_bundle.terraform.hcl import make, strings

RDS_IDENTIFIER_MAX = 63
assert IDENTIFIER_MAX + 1 + CUSTOM_ENDPOINT_NAME_MAX <= RDS_IDENTIFIER_MAX, "an endpoint identifier would not fit"

# "<cluster identifier>-<name>": the first label of the endpoint's hostname.
ENDPOINT_IDENTIFIER = '${format("%s-%s", local.identifier, each.key)}'


def _members(kind: str) -> list[str]:
    # Null when empty: the provider counts an empty list as set, and static_members and
    # excluded_members conflict ("excluded_members": conflicts with static_members).
    return strings(f"length(each.value.{kind}) == 0 ? null : [for m in each.value.{kind} : local.instance_members[m]]")


def build_custom_endpoints(stack: TerraformStack, cluster: RdsCluster) -> RdsClusterEndpoint:
    """One ``aws_rds_cluster_endpoint.custom["<name>"]`` per endpoint of the params (none by default)."""
    endpoint = make(RdsClusterEndpoint, stack, "custom",
        cluster_identifier=cluster.id,
        cluster_endpoint_identifier=ENDPOINT_IDENTIFIER,
        custom_endpoint_type="${each.value.type}",
        static_members=_members("static_members"),
        excluded_members=_members("excluded_members"),
    )
    endpoint.add_override("for_each", f"${{{{for e in var.{ENDPOINTS} : e.name => e}}}}")
    return endpoint
