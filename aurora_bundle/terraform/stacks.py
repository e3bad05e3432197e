"""Which concerns make up each step. Python decides only what is the same for every deployment.

Each concern is built by one module and written to its own file in the step directory
(``cluster.tf.json``, ``alarms.tf.json``, ...), so a person reading a deployed step finds things as
they would in a hand-written bundle, and a problem found in the generated JSON names the module
that wrote it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cdktf import App, TerraformResource, TerraformStack

from aurora_bundle.aws.access import build_connect_policy
from aurora_bundle.aws.adoption import adoption_imports
from aurora_bundle.aws.alarms import build_alarms
from aurora_bundle.aws.autoscaling import build_autoscaling
from aurora_bundle.aws.cluster import build_cluster, restored_iam_check
from aurora_bundle.aws.endpoints import build_custom_endpoints
from aurora_bundle.aws.failover import build_writer_failover
from aurora_bundle.aws.instances import build_instances
from aurora_bundle.aws.kms import account_context, build_kms_step, lookup_kms_key
from aurora_bundle.aws.naming import declare_names
from aurora_bundle.aws.network import build_network
from aurora_bundle.aws.parameter_groups import build_parameter_groups
from aurora_bundle.aws.protection import build_decommission_guard
from aurora_bundle.aws.provider import declare_region
from aurora_bundle.aws.tls import KNOWN_PARTITION, PARTITION_MESSAGE, declare_ca_bundle
from aurora_bundle.inputs.spec import BundleSpec
from aurora_bundle.massdriver.artifacts import load_artifacts, references
from aurora_bundle.massdriver.variables import declare_inputs
from aurora_bundle.massdriver.wiring import Wiring
from aurora_bundle.terraform.hcl import address
from aurora_bundle.terraform.synth import PROVIDERS


@dataclass
class Step:
    """A synthesized step: its stack and which concern (file name, module) built each construct."""

    stack: TerraformStack
    concerns: list[tuple[str, str, int]] = field(default_factory=list)  # (concern, module, children so far)
    checks: dict[str, tuple[str, str]] = field(default_factory=dict)  # check block name -> (concern, module)
    imports: list[tuple[dict[str, Any], tuple[str, str]]] = field(default_factory=list)  # import block, owner
    assets: dict[str, bytes] = field(default_factory=dict)  # other files of the step: name -> content
    _current: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        self.node = self.stack.node  # asked for once: each access is a round trip to jsii

    @contextmanager
    def concern(self, name: str, module: str) -> Iterator[None]:
        self._current = (name, module)
        yield
        self._current = None
        self.concerns.append((name, module, len(self.node.children)))

    def check(self, name: str, body: dict[str, Any]) -> None:
        """A ``check`` block (CDKTF has no construct for it), written with the current concern's file."""
        if self._current is None:
            raise RuntimeError(f"check {name} added outside a concern")
        self.stack.add_override(f"check.{name}", body)
        self.checks[name] = self._current

    def import_blocks(self, blocks: list[dict[str, Any]]) -> None:
        """``import`` blocks (unlabelled, so CDKTF keeps them as one list), written with the current concern's file."""
        if self._current is None:
            raise RuntimeError("import blocks added outside a concern")
        self.imports += [(block, self._current) for block in blocks]
        self.stack.add_override("import", [block for block, _owner in self.imports])

    def owners(self) -> list[tuple[str, str, object]]:
        """(concern, module, construct) for every construct of the stack, in creation order."""
        children = self.node.children
        owned, start = [], 0
        for name, module, end in self.concerns:
            owned += [(name, module, child) for child in children[start:end]]
            start = end
        if start != len(children):
            raise RuntimeError(f"{len(children) - start} construct(s) of step {self.stack.node.id} built outside a concern")
        return owned


def _module(function: object) -> str:
    return getattr(function, "__module__", "?").replace(".", "/") + ".py"


def _common(step: Step, spec: BundleSpec, wiring: Wiring, *, aws_only: bool) -> None:
    stack = step.stack
    with step.concern("variables", _module(declare_inputs)):
        declare_inputs(stack, spec)
    with step.concern("names", _module(declare_names)):
        declare_names(stack)
    with step.concern(PROVIDERS, _module(declare_region)):
        declare_region(stack)
        wiring.providers(stack, aws_only=aws_only)


def kms_stack(app: App, spec: BundleSpec, wiring: Wiring) -> Step:
    step = Step(TerraformStack(app, "kms"))
    _common(step, spec, wiring, aws_only=True)
    with step.concern("kms", _module(build_kms_step)):
        build_kms_step(step.stack)
    return step


def src_stack(app: App, spec: BundleSpec, wiring: Wiring) -> Step:
    step = Step(TerraformStack(app, "src"))
    stack = step.stack
    _common(step, spec, wiring, aws_only=False)
    with step.concern("kms", _module(lookup_kms_key)):
        account_context(stack)
        lookup_kms_key(stack)
    with step.concern("credentials", _module(Wiring)):
        secrets = wiring.secrets(stack)
    with step.concern("network", _module(build_network)):
        network = build_network(stack)
    with step.concern("parameter_groups", _module(build_parameter_groups)):
        groups = build_parameter_groups(stack)
    with step.concern("cluster", _module(build_cluster)):
        cluster = build_cluster(stack, network, groups, secrets)
        step.check(*restored_iam_check(cluster))
    with step.concern("instances", _module(build_instances)):
        readers = build_instances(stack, cluster, groups)
    with step.concern("failover", _module(build_writer_failover)):
        step.assets.update(build_writer_failover(stack, cluster, *readers))
    with step.concern("adoption", _module(adoption_imports)):
        step.import_blocks(adoption_imports(stack, *(address(r) for r in readers)))
    with step.concern("autoscaling", _module(build_autoscaling)):
        build_autoscaling(stack, cluster, readers)
    with step.concern("endpoints", _module(build_custom_endpoints)):
        build_custom_endpoints(stack, cluster)
    with step.concern("access", _module(build_connect_policy)):
        build_connect_policy(stack, cluster)
    with step.concern("alarms", _module(build_alarms)):
        build_alarms(stack, wiring)
    with step.concern("tls", _module(declare_ca_bundle)):
        declare_ca_bundle(stack)
    with step.concern("artifacts", _module(load_artifacts)):
        artifacts = load_artifacts(spec.root, spec.artifact_names, references(secrets.password))
        for field_name, (name, payload) in artifacts.items():
            wiring.publish_artifact(stack, field_name, name, payload, [(KNOWN_PARTITION, PARTITION_MESSAGE)])
    with step.concern("protection", _module(build_decommission_guard)):
        build_decommission_guard(stack, [c for c in stack.node.children if isinstance(c, TerraformResource)])
    return step
