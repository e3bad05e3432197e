"""Deletion protection that protects: a decommission with it on fails before anything is deleted.

AWS refuses to delete a protected cluster, but Terraform destroys dependents first: the instances,
alarms, topic and artifacts would be gone before the cluster's deletion fails, leaving the data
safe and the database unreachable. ``terraform_data.decommission_guard`` depends on every other
resource of the step, so a destroy must remove it first; its destroy-time check fails while the
deployed ``database.deletion_protection`` is on, and Terraform then deletes nothing else.

Reader autoscaling blocks a decommission the same way: the readers Application Auto Scaling adds
are AWS's, not Terraform's, no AWS provider resource can delete them, deregistering the scalable
target leaves them running, and the provisioner's image has no AWS CLI for a destroy-time command.
AWS refuses to delete a cluster that still has instances, so a decommission with autoscaling on
also fails before anything is deleted, and says how to proceed.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import DataResource, ITerraformDependable, LocalExecProvisioner, TerraformStack

from aurora_bundle.terraform.hcl import make

GUARD_MESSAGE = ("database.deletion_protection is on, so nothing was deleted. To decommission: turn "
                 "Deletion protection off, deploy, then decommission again.")
AUTOSCALING_MESSAGE = ("scaling.autoscaling is on, so nothing was deleted: the readers AWS added would keep the cluster "
                       "from being deleted. To decommission: set Autoscaling's minimum and maximum readers to 0 and "
                       "deploy (AWS removes the readers it added), turn Autoscaling off and deploy, then decommission "
                       "again.")


def build_decommission_guard(stack: TerraformStack, resources: Sequence[ITerraformDependable]) -> DataResource:
    guard = make(DataResource, stack, "decommission_guard",
        depends_on=list(resources),
        provisioners=[LocalExecProvisioner(
            type="local-exec", when="destroy",
            command=(f'if [ "${{self.input.deletion_protection}}" = "true" ]; then echo "{GUARD_MESSAGE}" >&2; exit 1; fi; '
                     f'if [ "${{self.input.autoscaling}}" != "disabled" ]; then echo "{AUTOSCALING_MESSAGE}" >&2; '
                     f'exit 1; fi'),
        )],
    )
    guard.add_override("input", {"deletion_protection": "${var.database.deletion_protection}",
                                 "autoscaling": "${var.scaling.autoscaling.mode}"})
    return guard
