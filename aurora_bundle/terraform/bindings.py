"""The AWS provider bindings, loaded the way jsii's lazy loading expects: only the modules used.

cdktf-cdktf-provider-aws 20.1.0 predates jsii-pacmak's lazy packages: its ``__init__`` imports all
2,135 resource modules, which is about 6 of the 8 s a process spends importing the bindings, and
another 2.5 s tearing them down at exit. ``seed()`` registers the package without running that
``__init__``; the resource modules the generator imports then load as usual, and the first of them
loads the assembly into the jsii kernel (about 2 s). The jsii runtime (1.142) imports a submodule
on demand when the kernel hands back a type from one not imported yet, given the map from each
submodule's jsii name to its Python module that newer generated packages carry
(``_SUBMODULE_FQN_MAP``); ``seed()`` supplies that map (jsii names are the module names in
camelCase, checked for all 2,135 modules of this version), so nothing depends on what was imported.

The JavaScript side has the same cost: the package's ``lib/index.js`` requires every submodule when
the kernel loads it (about 5 CPU-seconds). ``seed()`` starts the jsii runtime with ``lazy_exports.cjs``
preloaded, which makes that file require each submodule when the kernel first asks for it.

Call ``seed()`` before anything imports the AWS bindings; afterwards it does nothing, and the
bindings then load the eager way: slower, same output.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

AWS_PACKAGE = "cdktf_cdktf_provider_aws"
AWS_ASSEMBLY = "@cdktf/provider-aws"
LAZY_EXPORTS = Path(__file__).with_name("lazy_exports.cjs")


def jsii_submodule_name(module: str) -> str:
    """``rds_cluster`` -> ``rdsCluster``: how the assembly names the submodule a Python module holds."""
    first, *rest = module.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def start_runtime() -> bool:
    """Start the jsii runtime with ``lazy_exports.cjs`` preloaded. True if this call started it.

    The runtime's Node inherits the environment when the first assembly loads (``constructs``, the
    smallest); ``NODE_OPTIONS`` carries the preload for that start only, so no other program this
    process starts (a Node client, npm) gets it.
    """
    if "constructs" in sys.modules:
        return False
    previous = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = f"{previous or ''} --require {json.dumps(str(LAZY_EXPORTS))}".strip()
    try:
        import constructs  # noqa: F401  (loading its assembly starts the runtime)
    finally:
        if previous is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = previous
    return True


def seed() -> bool:
    """Register the AWS bindings' package without importing its resource modules. True if it did."""
    start_runtime()
    if AWS_PACKAGE in sys.modules:
        return False
    spec = importlib.util.find_spec(AWS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return False
    from jsii import _reference_map

    fqn_map = getattr(_reference_map, "_submodule_fqn_map", None)
    if fqn_map is None:  # a jsii runtime without lazy loading: keep the eager import
        return False
    for location in spec.submodule_search_locations:
        for entry in os.scandir(location):
            if entry.is_dir() and not entry.name.startswith(("_", ".")):
                fqn_map.setdefault(f"{AWS_ASSEMBLY}.{jsii_submodule_name(entry.name)}", f"{AWS_PACKAGE}.{entry.name}")
    sys.modules[AWS_PACKAGE] = importlib.util.module_from_spec(spec)  # __path__ set, __init__ not run
    return True
