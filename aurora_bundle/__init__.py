"""Generator for the Aurora PostgreSQL Massdriver bundle.

Reading order: ``spec`` (massdriver.yaml and its $refs) -> ``validation`` and ``rules`` (what a
params document may say) -> ``stacks`` (which AWS concerns make up each step) -> ``synth``
(Terraform JSON on disk). One module per AWS concern: ``kms``, ``network``, ``parameter_groups``,
``cluster``, ``instances``, ``autoscaling``, ``alarms``; the Massdriver integration lives in
``wiring`` and ``artifacts``.
"""
