"""EC2 (harness): a `_custom_id_` tag sets the ID of a VPC or subnet, so connections can name them."""

from __future__ import annotations

import threading
from typing import Any

from proof.emulator import CUSTOM_ID_TAG


def _patch_ec2_custom_ids() -> bool:
    # Harness need, not a moto gap: the e2e creates the VPC and subnets an example's vpc connection
    # names, so they must get exactly those IDs. A `_custom_id_` tag on CreateVpc / CreateSubnet
    # picks the ID (moto's own custom-id mechanism does not cover these two in 5.2.5).
    from moto.ec2.models import subnets as subnet_models
    from moto.ec2.models import vpcs as vpc_models

    lock = threading.RLock()

    def with_id(module: Any, name: str, custom: str | None, call: Any) -> Any:
        if not custom:
            return call()
        with lock:
            original = getattr(module, name)
            setattr(module, name, lambda: custom)
            try:
                return call()
            finally:
                setattr(module, name, original)

    orig_vpc = vpc_models.VPCBackend.create_vpc
    orig_subnet = subnet_models.SubnetBackend.create_subnet

    def create_vpc(self: Any, *args: Any, **kwargs: Any) -> Any:
        custom = next((t.get("Value") for t in kwargs.get("tags") or [] if t.get("Key") == CUSTOM_ID_TAG), None)
        return with_id(vpc_models, "random_vpc_id", custom, lambda: orig_vpc(self, *args, **kwargs))

    def create_subnet(self: Any, *args: Any, **kwargs: Any) -> Any:
        custom = ((kwargs.get("tags") or {}).get("subnet") or {}).get(CUSTOM_ID_TAG)
        return with_id(subnet_models, "random_subnet_id", custom, lambda: orig_subnet(self, *args, **kwargs))

    vpc_models.VPCBackend.create_vpc = create_vpc
    subnet_models.SubnetBackend.create_subnet = create_subnet
    return True
