"""Which concerns make up each step. Python decides only what is the same for every deployment."""

from __future__ import annotations

from cdktf import App, TerraformStack

from aurora_bundle.access import build_connect_policy
from aurora_bundle.alarms import build_alarms
from aurora_bundle.artifacts import load_artifacts, references
from aurora_bundle.autoscaling import build_autoscaling
from aurora_bundle.cluster import build_cluster, lookup_kms_key
from aurora_bundle.instances import build_instances
from aurora_bundle.kms import account_context, build_kms_step
from aurora_bundle.naming import declare_names
from aurora_bundle.network import build_network
from aurora_bundle.parameter_groups import build_parameter_groups
from aurora_bundle.provider import declare_region
from aurora_bundle.spec import BundleSpec
from aurora_bundle.variables import declare_inputs
from aurora_bundle.wiring import Wiring

STEPS = ("kms", "src")


def _common(stack: TerraformStack, spec: BundleSpec, wiring: Wiring, *, aws_only: bool) -> None:
    declare_inputs(stack, spec)
    declare_names(stack)
    declare_region(stack)
    wiring.providers(stack, aws_only=aws_only)


def kms_stack(app: App, spec: BundleSpec, wiring: Wiring) -> TerraformStack:
    stack = TerraformStack(app, "kms")
    _common(stack, spec, wiring, aws_only=True)
    build_kms_step(stack)
    return stack


def src_stack(app: App, spec: BundleSpec, wiring: Wiring) -> TerraformStack:
    stack = TerraformStack(app, "src")
    _common(stack, spec, wiring, aws_only=False)
    account_context(stack)
    lookup_kms_key(stack)
    secrets = wiring.secrets(stack)
    network = build_network(stack)
    groups = build_parameter_groups(stack)
    cluster = build_cluster(stack, network, groups, secrets)
    readers = build_instances(stack, cluster, groups)
    build_autoscaling(stack, cluster, readers)
    build_connect_policy(stack, cluster)
    build_alarms(stack, cluster, wiring)
    artifacts = load_artifacts(spec.root, spec.artifact_names, references(secrets.password))
    for field, (name, payload) in artifacts.items():
        wiring.publish_artifact(stack, field, name, payload)
    return stack
