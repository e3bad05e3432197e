"""Every CloudWatch alarm watches a series AWS publishes: its metric under a dimension set AWS documents.

An alarm on a (metric, dimensions) pair AWS never publishes has no data, and with
``treat_missing_data = notBreaching`` it stays OK forever: the alarm exists and never fires. The
documented sets are the table ``DOCUMENTED_DIMENSIONS`` in aws/alarm_table.py, each row citing the AWS
pages it comes from; this checks the generated alarms (src/alarms.tf.json) against it.
"""

from __future__ import annotations

import json

import pytest

from aurora_bundle.aws.alarm_table import ALARMS, DOCUMENTED_DIMENSIONS
from tests.conftest import ROOT

GENERATED = json.loads((ROOT / "src" / "alarms.tf.json").read_text())["resource"]["aws_cloudwatch_metric_alarm"]


def test_every_documented_row_cites_aws():
    for (namespace, metric), (sets, sources) in DOCUMENTED_DIMENSIONS.items():
        assert sets and sources, (namespace, metric)
        assert all(s.startswith("https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/") for s in sources)


@pytest.mark.parametrize("key", sorted(GENERATED))
def test_every_alarm_uses_a_documented_dimension_set(key):
    alarm = GENERATED[key]
    documented = DOCUMENTED_DIMENSIONS.get((alarm["namespace"], alarm["metric_name"]))
    assert documented is not None, f"{key}: {alarm['namespace']} {alarm['metric_name']} is not in DOCUMENTED_DIMENSIONS"
    sets, sources = documented
    assert frozenset(alarm["dimensions"]) in sets, (
        f"{key}: {alarm['metric_name']} on {sorted(alarm['dimensions'])}: AWS documents it only on "
        f"{[sorted(s) for s in sets]} ({', '.join(sources)})")


def test_the_database_load_alarm_watches_each_instance_of_the_package():
    """DBLoad is per instance: one alarm for the writer and one per fixed reader, on its identifier."""
    alarm = GENERATED["db_load"]
    assert alarm["dimensions"] == {"DBInstanceIdentifier": "${each.value}"}
    assert "local.instance_members" in alarm["for_each"] and "count" not in alarm
    assert alarm["alarm_name"].endswith("-db-load-${each.key}")
    assert "local.instance_vcpus" in alarm["threshold"]
    assert {spec.key for spec in ALARMS if spec.per_instance} == {"db_load"}
