"""The seam between the bundle's constructs and Massdriver.

Root credentials and the final-snapshot suffix come from hashicorp/random, artifacts are
``massdriver_resource``s and alarms are registered with ``massdriver_instance_alarm``. This is the
only wiring: the offline proof runs exactly what it writes, with stand-ins for those two providers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import Precondition, TerraformProvider, TerraformResource, TerraformResourceLifecycle, TerraformStack
from cdktf_cdktf_provider_random.id import Id
from cdktf_cdktf_provider_random.password import Password
from cdktf_cdktf_provider_random.provider import RandomProvider
from cdktf_cdktf_provider_random.string_resource import StringResource

from aurora_bundle.aws.provider import configure_aws
from aurora_bundle.inputs.params_root import P
from aurora_bundle.terraform.hcl import address, attribute, jsonencode, make

RANDOM_VERSION = "3.7.2"
MASSDRIVER_VERSION = "~> 2.0"
# The root password: letters and digits only (special = false), so it survives raw concatenation into
# a URL's userinfo, a shell-style env file, a JDBC URL and a libpq keyword string, the ways consumers
# build connections (Massdriver's application templates concatenate DATABASE_URL:
# ../shared/docs/consumers.md); Massdriver's previous Aurora bundle (1.0.2) drew the same alphabet.
# Length: AWS's RDS API reference, CreateDBCluster, MasterUserPassword (Aurora DB clusters): "Must
# contain from 8 to 41 characters. Can contain any printable ASCII character except "/", """, or "@"."
# 41 is the longest Aurora takes.
# Entropy (nominal, a uniform draw): the arguments before (40 characters of 26 + 26 + 10 + 20 = 82)
# gave 40 * log2(82) = 254.3 bits; 41 letters and digits give 41 * log2(62) = 244.1 bits. No URL-safe
# alphabet reaches 254 bits under the 41 cap: the largest, letters, digits and the URL-unreserved
# -_.~ (66 characters, RFC 3986), gives 41 * log2(66) = 247.8 bits, and ~ and a leading - still need
# care in a shell. 244 bits is beyond any search (a 128-bit key is the usual bar); the one-of-each
# minimums below cost a fraction of a bit.
PASSWORD_LENGTH = 41
PASSWORD_ARGUMENTS: dict[str, Any] = {"length": PASSWORD_LENGTH, "special": False, "upper": True, "lower": True,
                                      "numeric": True, "min_lower": 1, "min_upper": 1, "min_numeric": 1}
# Every argument that shapes the draw: a package deployed by an earlier bundle version keeps the password
# its state holds (its apps hold it too), since any changed argument of random_password replaces it.
# Only the keepers (database.password_rotation) draw a new one, then with the arguments above: Terraform
# plans a replacement from the configuration, ignore_changes aside (tests/test_standins.py shows both).
# (Not the deprecated `number`: Terraform warns on every plan that names it, and it only mirrors `numeric`,
# true in every state and config; left out of the config, it keeps what the state holds.)
PASSWORD_GENERATION = ["length", "special", "override_special", "upper", "lower", "numeric",
                       "min_lower", "min_upper", "min_numeric", "min_special"]
# Raising database.password_rotation draws a new password; 0 (the default, and every package deployed
# before the param existed) leaves keepers null, as their state has it: no diff.
PASSWORD_KEEPERS = (f"${{{P.database.password_rotation} > 0 ? "
                    f"{{rotation = tostring({P.database.password_rotation})}} : null}}")

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
        password = make(Password, stack, "root_password", **PASSWORD_ARGUMENTS,
                        lifecycle=TerraformResourceLifecycle(ignore_changes=PASSWORD_GENERATION))
        password.add_override("keepers", PASSWORD_KEEPERS)
        suffix = make(Id, stack, "final_snapshot", byte_length=4)
        return Secrets(username=f'format("root%s", {address(username)}.result)', password=f"{address(password)}.result",
                       snapshot_suffix=f"{address(suffix)}.hex")

    def publish_artifact(self, stack: TerraformStack, field: str, name: Any, payload: Any,
                         preconditions: Sequence[tuple[str, str]] = ()) -> None:
        """``preconditions``: (HCL condition, error message) the payload needs to be right."""
        lifecycle = TerraformResourceLifecycle(precondition=[
            Precondition(condition=f"${{{condition}}}", error_message=message) for condition, message in preconditions])
        resource = make(TerraformResource, stack, field, terraform_resource_type="massdriver_resource",
                        provider=self._massdriver, lifecycle=lifecycle if preconditions else None)
        resource.add_override("field", field)
        resource.add_override("name", attribute(name))
        resource.add_override("resource", jsonencode(payload))

    def register_alarm(self, stack: TerraformStack, key: str, alarm_fqn: str, count: str | None,
                       registration: Registration) -> None:
        """One registration per alarm.

        ``count`` as the alarm's, or, with ``count`` None, one per instance of a ``for_each`` alarm (``registration``
        then gets ``each.value``)."""
        resource = make(TerraformResource, stack, key, terraform_resource_type="massdriver_instance_alarm",
                        provider=self._massdriver)
        if count is None:
            resource.add_override("for_each", f"${{{alarm_fqn}}}")
            alarm_ref = "each.value"
        else:
            resource.add_override("count", f"${{{count}}}")
            alarm_ref = f"{alarm_fqn}[count.index]"
        for attr, value in registration(alarm_ref).items():
            resource.add_override(attr, attribute(value))
