"""The seam between the bundle's constructs and Massdriver.

Root credentials and the final-snapshot suffix come from hashicorp/random, artifacts are
``massdriver_resource``s and alarms are registered with ``massdriver_instance_alarm``. This is the
only wiring: the offline proof runs exactly what it writes, with stand-ins for those two providers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformProvider, TerraformResource, TerraformStack
from cdktf_cdktf_provider_random.id import Id
from cdktf_cdktf_provider_random.password import Password
from cdktf_cdktf_provider_random.provider import RandomProvider
from cdktf_cdktf_provider_random.string_resource import StringResource

from aurora_bundle.aws.provider import configure_aws
from aurora_bundle.terraform.hcl import address, attribute, jsonencode, make

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


class Wiring:
    """Adds the random and massdriver providers' resources to a stack."""

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
