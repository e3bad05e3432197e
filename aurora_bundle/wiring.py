"""The seam between the bundle's constructs and where they run.

``PublishedWiring`` is what Massdriver runs: root credentials and the final-snapshot suffix from
hashicorp/random, artifacts as ``massdriver_resource`` and alarms registered with
``massdriver_instance_alarm``. ``OfflineWiring`` builds the same constructs needing only
hashicorp/aws (the other providers cannot be installed here): secrets come from a variable,
artifacts and alarm registrations become outputs, and the AWS provider talks to the emulator.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformOutput, TerraformProvider, TerraformResource, TerraformStack, TerraformVariable
from cdktf_cdktf_provider_random.id import Id
from cdktf_cdktf_provider_random.password import Password
from cdktf_cdktf_provider_random.provider import RandomProvider
from cdktf_cdktf_provider_random.string_resource import StringResource

from aurora_bundle.hcl import address, attribute, jsonencode, make, render
from aurora_bundle.offline.emulator import provider_endpoints
from aurora_bundle.provider import configure_aws

RANDOM_VERSION = "3.7.2"
MASSDRIVER_VERSION = "~> 2.0"
# RDS master passwords may not contain '/', '@', '"' or spaces.
PASSWORD_SPECIALS = "!#$%&*()-_=+[]{}<>:?"

Registration = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Secrets:
    """Terraform expressions (no ${}) for the generated root credentials and snapshot suffix."""

    username: str
    password: str
    snapshot_suffix: str


class Wiring(ABC):
    offline: bool

    @abstractmethod
    def providers(self, stack: TerraformStack, *, aws_only: bool) -> None: ...

    @abstractmethod
    def secrets(self, stack: TerraformStack) -> Secrets: ...

    @abstractmethod
    def publish_artifact(self, stack: TerraformStack, field: str, name: Any, payload: Any) -> None: ...

    @abstractmethod
    def register_alarm(self, stack: TerraformStack, key: str, alarm_fqn: str, count: str,
                       registration: Registration) -> None: ...


class PublishedWiring(Wiring):
    offline = False

    def providers(self, stack: TerraformStack, *, aws_only: bool) -> None:
        configure_aws(stack)
        if aws_only:
            return
        RandomProvider(stack, "random")
        stack.add_override("terraform.required_providers.random", {"source": "hashicorp/random", "version": RANDOM_VERSION})
        self._massdriver = TerraformProvider(stack, "massdriver", terraform_resource_type="massdriver",
                                             terraform_provider_source="massdriver-cloud/massdriver")
        stack.add_override("terraform.required_providers.massdriver",
                           {"source": "massdriver-cloud/massdriver", "version": MASSDRIVER_VERSION})

    def secrets(self, stack: TerraformStack) -> Secrets:
        username = make(StringResource, stack, "root_username", length=12, special=False, upper=False, numeric=True)
        password = make(Password, stack, "root_password", length=40, special=True, override_special=PASSWORD_SPECIALS,
                            min_lower=1, min_upper=1, min_numeric=1, min_special=1)
        suffix = make(Id, stack, "final_snapshot", byte_length=4)
        return Secrets(username=f'format("root%s", {address(username)}.result)', password=f"{address(password)}.result",
                       snapshot_suffix=f"{address(suffix)}.hex")

    def publish_artifact(self, stack: TerraformStack, field: str, name: Any, payload: Any) -> None:
        resource = make(TerraformResource, stack, field, terraform_resource_type="massdriver_resource",
                        provider=self._massdriver)
        resource.add_override("field", field)
        resource.add_override("name", attribute(name))
        resource.add_override("resource", jsonencode(payload))

    def register_alarm(self, stack: TerraformStack, key: str, alarm_fqn: str, count: str,
                       registration: Registration) -> None:
        resource = make(TerraformResource, stack, key, terraform_resource_type="massdriver_instance_alarm",
                        provider=self._massdriver)
        resource.add_override("count", f"${{{count}}}")
        for attr, value in registration(f"{alarm_fqn}[count.index]").items():
            resource.add_override(attr, attribute(value))


class OfflineWiring(Wiring):
    """Only hashicorp/aws; values the other providers would make come in through ``var.offline``."""

    offline = True
    VARIABLE = "offline"

    def providers(self, stack: TerraformStack, *, aws_only: bool) -> None:
        TerraformVariable(stack, self.VARIABLE, sensitive=True, nullable=False,
                          type="object({endpoint = string, root_username = string, root_password = string, "
                          "snapshot_suffix = string})",
                          description="Offline runs only: emulator endpoint and the values random would generate.")
        configure_aws(stack, emulator_endpoints=provider_endpoints(f"${{var.{self.VARIABLE}.endpoint}}"))

    def secrets(self, stack: TerraformStack) -> Secrets:
        v = f"var.{self.VARIABLE}"
        return Secrets(username=f"{v}.root_username", password=f"{v}.root_password",
                       snapshot_suffix=f"{v}.snapshot_suffix")

    def publish_artifact(self, stack: TerraformStack, field: str, name: Any, payload: Any) -> None:
        TerraformOutput(stack, f"artifact_{field}", sensitive=True,
                        value={"field": field, "name": attribute(name), "resource": jsonencode(payload)})

    def register_alarm(self, stack: TerraformStack, key: str, alarm_fqn: str, count: str,
                       registration: Registration) -> None:
        TerraformOutput(stack, f"alarm_{key}",
                        value=f"${{[for alarm in {alarm_fqn} : {render(registration('alarm'))}]}}")


def wiring_for(offline: bool) -> Wiring:
    return OfflineWiring() if offline else PublishedWiring()
