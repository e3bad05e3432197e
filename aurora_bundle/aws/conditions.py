"""Conditions on the params, as HCL, that more than one concern (or the alarm table) uses.

Plain strings, no cdktf: the alarm table uses them and ``make build`` reads that table before it
loads anything heavy.
"""

from __future__ import annotations

from aurora_bundle.inputs.engine import SERVERLESS_CLASS

SERVERLESS = f'var.database.instance_class == "{SERVERLESS_CLASS}"'
HAS_READERS = 'var.scaling.reader_count > 0 || var.scaling.autoscaling.mode != "disabled"'
