"""Stand-ins for the providers Massdriver's steps need besides hashicorp/aws.

``hashicorp/random`` and ``massdriver-cloud/massdriver`` cannot be installed on these machines, so
the offline proof serves their real schemas (transcribed from source, kept as product data in
``aurora_bundle/terraform/provider_schemas/``, where the generator's reference check reads them too)
from small Python processes that speak Terraform's plugin protocol, installed into a filesystem
mirror by ``mirror.install``. Terraform then runs the unchanged ``kms/`` and ``src/``.
"""
