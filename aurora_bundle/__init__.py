"""Generator for the Aurora PostgreSQL Massdriver bundle.

Reading order: ``spec`` (massdriver.yaml and its $refs) -> ``validation`` and ``rules`` (what a
params document may say) -> ``stacks`` (which AWS concerns make up each step) -> ``synth``
(Terraform JSON on disk). One module per AWS concern: ``kms``, ``network``, ``parameter_groups``,
``cluster``, ``instances``, ``autoscaling``, ``alarms``; the Massdriver integration lives in
``wiring`` and ``artifacts``; ``bindings`` loads only the AWS binding modules in use. The author
loop (``make watch``) is ``watch``, with ``mass_cli`` (publish, deploy), ``dev_instances``
(.watch.local.yaml) and ``publish_files`` (what .mdignore ships).
"""
