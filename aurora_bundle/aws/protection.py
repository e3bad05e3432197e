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

Autoscaling off is not enough: deregistering a scalable target deletes its scaling policies and
scheduled actions, not the capacity it added (Application Auto Scaling API reference,
DeregisterScalableTarget), and scale-in removes only the readers Aurora Auto Scaling created
(AuroraUserGuide, Aurora.Integrating.AutoScaling). So the plan refuses turning autoscaling off while
such readers run (``AUTOSCALING_OFF_RULE``, with the runbook), and the guard also refuses while the
readers the last deployment saw still run: their count, read at plan time, is kept in the guard's
input while autoscaling is off (while it is on, AWS changes the count at will, and the mode alone
refuses). A destroy-time provisioner reads only its own state, so readers AWS added after the last
deployment are not seen; with autoscaling off, AWS adds none.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import (
    DataResource,
    ITerraformDependable,
    LocalExecProvisioner,
    Precondition,
    TerraformResourceLifecycle,
    TerraformStack,
)

from aurora_bundle.aws.autoscaling import WAS_OFF
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import make

OFF = f'{P.scaling.autoscaling.mode} == "disabled"'


def _turning_off_with_readers() -> Precondition:
    """Refused at plan: autoscaling turned off (it was on at the last deployment) while AWS's readers run."""
    return Precondition(
        condition=f"${{!({OFF} && !{WAS_OFF} && local.autoscaled_readers > 0)}}",
        error_message=f'scaling.autoscaling.mode = "disabled": ${{local.autoscaled_readers}} readers added by AWS\'s '
        "autoscaling still run in the cluster, and turning autoscaling off leaves them running (AWS deletes the "
        "scaling policy, not the readers it added): first set scaling.autoscaling.min_readers and max_readers to "
        "0 and deploy, wait until AWS has removed them (no application-autoscaling-... instance left in the "
        f"cluster), then turn autoscaling off [{AUTOSCALING_OFF_RULE}].")

GUARD_MESSAGE = ("database.deletion_protection is on, so nothing was deleted. To decommission: turn "
                 "Deletion protection off, deploy, then decommission again.")
AUTOSCALING_MESSAGE = ("scaling.autoscaling is on, so nothing was deleted: the readers AWS added would keep the cluster "
                       "from being deleted. To decommission: set Autoscaling's minimum and maximum readers to 0 and "
                       "deploy (AWS removes the readers it added), turn Autoscaling off and deploy, then decommission "
                       "again.")
AUTOSCALED_READERS_MESSAGE = ("readers added by AWS's autoscaling (application-autoscaling-...) still run in the "
                              "cluster, so nothing was deleted: they would keep the cluster from being deleted. To "
                              "decommission: turn Autoscaling on with minimum and maximum readers 0 and deploy, wait "
                              "until AWS has removed them, turn Autoscaling off and deploy, then decommission again.")
AUTOSCALING_OFF_RULE = "autoscaling-off-leaves-readers"


def build_decommission_guard(stack: TerraformStack, resources: Sequence[ITerraformDependable]) -> DataResource:
    guard = make(DataResource, stack, "decommission_guard",
        depends_on=list(resources),
        lifecycle=TerraformResourceLifecycle(precondition=[_turning_off_with_readers()]),
        provisioners=[LocalExecProvisioner(
            type="local-exec", when="destroy",
            command=(f'if [ "${{self.input.deletion_protection}}" = "true" ]; then echo "{GUARD_MESSAGE}" >&2; exit 1; fi; '
                     f'if [ "${{self.input.autoscaling}}" != "disabled" ]; then echo "{AUTOSCALING_MESSAGE}" >&2; '
                     f'exit 1; fi; '
                     f'if [ "${{try(self.input.autoscaled_readers, 0)}}" != "0" ]; then '
                     f'echo "${{try(self.input.autoscaled_readers, 0)}} {AUTOSCALED_READERS_MESSAGE}" >&2; exit 1; fi'),
        )],
    )
    guard.add_override("input", {"deletion_protection": f"${{{P.database.deletion_protection}}}",
                                 "autoscaling": f"${{{P.scaling.autoscaling.mode}}}",
                                 # Stable while autoscaling is off (AWS adds no reader then); 0 while it is on.
                                 "autoscaled_readers": f"${{{OFF} ? local.autoscaled_readers : 0}}"})
    return guard
