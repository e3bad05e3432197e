"""Decisions on the params that more than one concern uses (the alarm table, the cost model, the schema).

Each is a ``Cond``: the HCL Terraform decides with, and the same decision on a params document in
Python. No cdktf: the alarm table uses them and ``make build`` reads that table before it loads
anything heavy.
"""

from __future__ import annotations

from aurora_bundle.inputs.engine import SERVERLESS_CLASS
from aurora_bundle.inputs.params_root import Cond, P

SERVERLESS: Cond = P.database.instance_class == SERVERLESS_CLASS
HAS_READERS: Cond = (P.scaling.reader_count > 0) | (P.scaling.autoscaling.mode != "disabled")
