"""Root passwords drawn as a deployment draws them.

The shipped ``random_password`` block, ``count = N``, applied by real Terraform with the random stand-in
(``proof.standins``), outputs read back.

The arguments come from ``src/credentials.tf.json`` (``resource.random_password.root_password``) at run
time; ``$CONSUMERS_PASSWORD_ARGUMENTS`` (a JSON object) replaces them for a throwaway run, e.g. the
arguments of an older release, to see the proof fail.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from proof.terraform import Terraform, cli_environment

ROOT = Path(__file__).resolve().parents[2]
CREDENTIALS = ROOT / "src" / "credentials.tf.json"
PROVIDERS = ROOT / "src" / "providers.tf.json"
RESOURCE = ("random_password", "root_password")
OVERRIDE_ENV = "CONSUMERS_PASSWORD_ARGUMENTS"
# Meta-arguments that do not change what is drawn and may refer to resources the tiny configuration lacks.
_DROPPED = ("keepers", "depends_on", "lifecycle", "provider", "count", "for_each")


def shipped_arguments(path: Path = CREDENTIALS) -> dict[str, Any]:
    """The arguments of the root password's ``random_password`` block as the bundle ships them."""
    resources = json.loads(path.read_text()).get("resource", {})
    block = resources.get(RESOURCE[0], {}).get(RESOURCE[1])
    if not isinstance(block, dict):
        raise ValueError(f"{path}: resource.{'.'.join(RESOURCE)} is missing: expected the root password's block")
    return {k: v for k, v in block.items() if k not in _DROPPED}


def arguments(path: Path = CREDENTIALS) -> dict[str, Any]:
    """The shipped arguments, or ``$CONSUMERS_PASSWORD_ARGUMENTS`` when set."""
    override = os.environ.get(OVERRIDE_ENV)
    if not override:
        return shipped_arguments(path)
    try:
        parsed = json.loads(override)
    except json.JSONDecodeError as error:
        raise ValueError(f"${OVERRIDE_ENV}: {override!r} is not JSON ({error}): expected an object of "
                         "random_password arguments") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"${OVERRIDE_ENV}: {override!r}: expected an object of random_password arguments")
    return parsed


def generate(count: int, args: dict[str, Any], workdir: Path) -> list[str]:
    """``count`` passwords from ``random_password`` with ``args``, through Terraform and the random stand-in."""
    workdir.mkdir(parents=True, exist_ok=True)
    # The random provider the bundle ships (src/'s required_providers), read from the file, not the
    # generator: importing it would start jsii.
    random = json.loads(PROVIDERS.read_text())["terraform"]["required_providers"]["random"]
    config = {"terraform": {"required_providers": {"random": random}},
              "resource": {RESOURCE[0]: {RESOURCE[1]: {**args, "count": count}}},
              "output": {"passwords": {"value": f"${{{'.'.join(RESOURCE)}[*].result}}", "sensitive": True}}}
    (workdir / "main.tf.json").write_text(json.dumps(config, indent=1))
    for state in workdir.glob("terraform.tfstate*"):  # a state left by an earlier run would keep its passwords
        state.unlink()
    terraform = Terraform(workdir, cli_environment(workdir / "cli"), workdir / "terraform.log")
    terraform.run("init", "-input=false")
    terraform.run("apply", "-input=false", "-auto-approve")
    passwords = json.loads(terraform.run("output", "-json", "passwords").stdout)
    if not (isinstance(passwords, list) and len(passwords) == count):
        raise RuntimeError(f"terraform output passwords in {workdir}: expected {count} strings")
    return passwords
