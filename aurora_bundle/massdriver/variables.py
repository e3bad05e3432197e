"""The Terraform variables of a step: every top-level param, every connection and md_metadata.

Declared in every step, typed from the schemas, so ``mass bundle build`` has nothing to add and
``mass bundle lint``'s variable check passes. Nothing else is declared in the published steps.
"""

from __future__ import annotations

from cdktf import TerraformStack

from aurora_bundle.inputs.conditional import merged
from aurora_bundle.inputs.connections import CONNECTIONS, MD_METADATA
from aurora_bundle.inputs.spec import BundleSpec
from aurora_bundle.terraform.hcl import variable
from aurora_bundle.terraform.tftypes import tf_type

MD_METADATA_VARIABLE = "md_metadata"


def declare_inputs(stack: TerraformStack, spec: BundleSpec) -> None:
    params = merged(spec.params_schema)["properties"]  # a field a conditional branch adds is optional
    for name in spec.param_names:
        schema = params[name]
        variable(stack, name, type=tf_type(schema), nullable=False,
                          description=f"Param '{name}': {schema.get('title', name)}. See massdriver.yaml.")
    for name in spec.connection_names:
        schema = CONNECTIONS[name]
        variable(stack, name, type=tf_type(schema), nullable=False,
                          description=f"Connection '{name}': {schema['title']}.")
    variable(stack, MD_METADATA_VARIABLE, type=tf_type(MD_METADATA), nullable=False,
                      description="Massdriver metadata (name prefix, tags, alarm webhook), injected by Massdriver.")
