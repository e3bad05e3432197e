"""Instances a killed deployment created but never recorded: the next deployment adopts them.

A deployment killed outright (SIGKILL: an evicted pod, an out-of-memory kill, a lost node; the
provider plugins die with Terraform) while an instance is being created leaves that instance in
AWS and not in the state: RDS got the CreateDBInstance call, Terraform never wrote the result (it
persists state snapshots during an apply only every 20 s, hashicorp/terraform
internal/backend/local/hook_state.go). Without help the next deployment creates another one beside
it, and the orphan, first into a new cluster, is the real writer.

So the step carries ``import`` blocks (Terraform >= 1.7, OpenTofu >= 1.7: ``for_each`` over ids known
at plan time): every instance of this package's cluster whose name is one the bundle gives a slot
(``<prefix>-writer-<stamp>``, ``<prefix>-reader<N>-<stamp>``, see ``instances.py``) is imported into
that slot's address. An import whose address is already in state is skipped, whatever its id: a
healthy package's plan has nothing to import (hashicorp/terraform internal/terraform/node_resource_plan.go
``expandResourceImports``, "filter out any known import which already exist in state"; opentofu
internal/tofu/node_resource_plan_instance.go ``shouldImport``: "If the import target already has a
state - we should not attempt to import it"). Only slots the configuration has are targeted (the
writer; readers below ``scaling.reader_count``), and only members of this cluster (by the
``db-cluster-id`` filter), never the readers autoscaling adds (their names are AWS's).
"""

from __future__ import annotations

from typing import Any

from cdktf import TerraformStack
from cdktf_cdktf_provider_aws.data_aws_db_instances import DataAwsDbInstances, DataAwsDbInstancesFilter

from aurora_bundle.aws.instances import NAME_PREFIX
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import address, local, make


def adoption_imports(stack: TerraformStack, writer: str, reader: str) -> list[dict[str, Any]]:
    """The import blocks that adopt an instance the state does not record.

    The import blocks (Terraform JSON) that adopt an unrecorded instance into ``writer`` (an address) or into
    ``reader[<index>]``. ``local.adoptable``: slot ("writer", "reader1", ...) -> the newest member of the cluster
    named for it (names end in their creation time, so they sort by it)."""
    members = make(DataAwsDbInstances, stack, "adoptable",
                   filter=[DataAwsDbInstancesFilter(name="db-cluster-id", values=["${local.identifier}"])])
    # Only names this version gives (a 10-digit stamp, instances.STAMP): those sort by creation time.
    prefix = local(stack, "instance_name_prefix", f'format("%s-", {NAME_PREFIX})')
    # id -> its name after the prefix, for the members named so.
    rests = local(stack, "adoptable_names", f"{{for id in {address(members)}.instance_identifiers : "
                  f"id => trimprefix(id, {prefix}) if startswith(id, {prefix})}}")
    slot = 'regex("^(writer|reader[0-9]+)-[0-9]{10}$", rest)[0]'
    named = local(stack, "adoptable_slots", f"{{for id, rest in {rests} : {slot} => id... if can({slot})}}")
    local(stack, "adoptable", f"{{for slot, ids in {named} : slot => sort(ids)[length(ids) - 1]}}")
    return [
        {"for_each": '${{for slot, id in local.adoptable : slot => id if slot == "writer"}}', "to": writer,
         "id": "${each.value}"},
        {"for_each": f'${{{{for i in range({P.scaling.reader_count}) : tostring(i) => {{index = i, id = '
                     'local.adoptable[format("reader%d", i + 1)]} if contains(keys(local.adoptable), '
                     'format("reader%d", i + 1))}}',
         "to": f"{reader}[each.value.index]", "id": "${each.value.id}"},
    ]
