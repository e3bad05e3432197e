"""Generator for the Aurora PostgreSQL Massdriver bundle.

Reading order: ``inputs`` (massdriver.yaml and its $refs, what a params document may say) ->
``terraform.stacks`` (which AWS concerns, in ``aws``, make up each step, with the Massdriver seam
in ``massdriver``) -> ``terraform.synth`` (one Terraform JSON file per concern on disk). The author
loop (``make watch``, publishing) is the ``author`` package beside this one; ``proof`` proves what ships
in an AWS emulator. Neither is imported from here.
"""
