"""Install the stand-in providers into a Terraform filesystem mirror (the unpacked layout).

``<mirror>/registry.terraform.io/<namespace>/<type>/<version>/<os_arch>/terraform-provider-<type>_v<version>``
is a small shell script that runs this package with the Python running now.
"""

from __future__ import annotations

import importlib
import json
import shlex
import subprocess
import sys
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from proof.standins.protocol import ProviderSchema, StandIn

# name -> the module whose ``standin()`` builds it: imported only by the process that serves it (Terraform
# starts each stand-in once per graph walk, six times a plan, so a start imports no more than it needs).
STANDINS: dict[str, str] = {"random": "proof.standins.random_provider", "massdriver": "proof.standins.massdriver_provider"}


def standin(name: str) -> StandIn:
    """The stand-in named ``name``, built."""
    build: Callable[[], StandIn] = importlib.import_module(STANDINS[name]).standin
    return build()
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory holding proof/ and aurora_bundle/


@lru_cache(maxsize=1)
def terraform_platform() -> str:
    """``linux_amd64`` and the like, as Terraform names the machine it runs on."""
    out = subprocess.run(["terraform", "version", "-json"], capture_output=True, text=True, check=True).stdout
    return json.loads(out)["platform"]


def addresses() -> list[str]:
    """``registry.terraform.io/<namespace>/<type>`` of every stand-in."""
    return [ProviderSchema.load(name).address for name in STANDINS]


def install(mirror: Path) -> Path:
    """Write every stand-in into ``mirror`` (idempotent). Returns ``mirror``."""
    for name in STANDINS:
        schema = ProviderSchema.load(name)
        provider_type = schema.address.rsplit("/", 1)[1]
        target = mirror / schema.address / schema.version / terraform_platform()
        target.mkdir(parents=True, exist_ok=True)
        executable = target / f"terraform-provider-{provider_type}_v{schema.version}"
        script = (f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(PACKAGE_ROOT))} exec {shlex.quote(sys.executable)} "
                  f"-m proof.standins {name}\n")
        if not executable.exists() or executable.read_text() != script:
            executable.write_text(script)
            executable.chmod(0o755)
    return mirror
