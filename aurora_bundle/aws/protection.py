"""Deletion protection that protects: a decommission with it on fails before anything is deleted.

AWS refuses to delete a protected cluster, but Terraform destroys dependents first: the instances,
alarms, topic and artifacts would be gone before the cluster's deletion fails, leaving the data
safe and the database unreachable. ``terraform_data.decommission_guard`` depends on every other
resource of the step, so a destroy must remove it first; its destroy-time check fails while the
deployed ``database.deletion_protection`` is on, and Terraform then deletes nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import DataResource, ITerraformDependable, LocalExecProvisioner, TerraformStack

from aurora_bundle.terraform.hcl import make

GUARD_MESSAGE = ("database.deletion_protection is on, so nothing was deleted. To decommission: turn "
                 "Deletion protection off, deploy, then decommission again.")


def build_decommission_guard(stack: TerraformStack, resources: Sequence[ITerraformDependable]) -> DataResource:
    guard = make(DataResource, stack, "decommission_guard",
        depends_on=list(resources),
        provisioners=[LocalExecProvisioner(
            type="local-exec", when="destroy",
            command=f'if [ "${{self.input}}" = "true" ]; then echo "{GUARD_MESSAGE}" >&2; exit 1; fi',
        )],
    )
    guard.add_override("input", "${var.database.deletion_protection}")  # the binding types input as a map
    return guard
