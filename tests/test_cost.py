"""The monthly estimate: the price table, what a user sees change with the params, and the JSON others read."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from typing import Any

import pytest

from aurora_bundle.aws.alarm_table import ALARMS
from aurora_bundle.cost import prices
from aurora_bundle.cost.estimate import Estimate, alarm_count, alarm_keys, estimate
from aurora_bundle.inputs import engine
from aurora_bundle.inputs.params_root import ALWAYS
from tests.conftest import ROOT


def _example(slug: str) -> dict[str, Any]:
    return json.loads((ROOT / "examples" / slug / "params.json").read_text())


def _with(params: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``params`` with dotted paths changed: _with(p, **{"scaling.reader_count": 2})."""
    changed = copy.deepcopy(params)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = changed
        for key in parents:
            node = node[key]
        node[last] = value
    return changed


def _instances(result: Estimate) -> tuple[float | None, float | None]:
    line = result.line("instances")
    assert line is not None
    return line.low, line.high


# ------------------------------------------------------------------------------------------ the table


def test_every_instance_class_offered_has_a_row_in_the_price_table():
    assert set(prices.INSTANCE_HOURLY) == set(engine.INSTANCE_MEMORY_GIB)


def test_the_prices_not_found_are_unknown_not_guessed():
    unknown = sorted(name for name, usd in prices.INSTANCE_HOURLY.items() if usd is None)
    assert unknown == sorted(name for name in engine.INSTANCE_MEMORY_GIB if name.startswith("db.x2g."))
    assert not prices.PERFORMANCE_INSIGHTS_VCPU_MONTH.known and not prices.PERFORMANCE_INSIGHTS_ACU_MONTH.known


def test_the_price_table_is_dated_for_one_region_and_names_its_sources():
    assert prices.REGION == "us-east-1"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", prices.AS_OF)
    assert prices.AS_OF <= prices.COLLECTED
    assert prices.SOURCES and all(source.startswith("https://") for source in prices.SOURCES)
    for price in (prices.ACU_HOUR, prices.STORAGE, prices.IO_REQUESTS, prices.BACKUP_STORAGE, prices.ALARM_MONTH):
        assert price.source in prices.SOURCES


# ------------------------------------------------------------------------------------- what users see


def test_io_optimized_costs_more_per_instance_hour_and_has_no_io_line():
    standard = estimate(_example("production"))
    optimized = estimate(_with(_example("production"), **{"database.storage_type": "aurora-iopt1"}))
    assert _instances(optimized)[0] == pytest.approx(_instances(standard)[0] * 1.3, abs=0.01)
    assert standard.line("I/O") is not None and optimized.line("I/O") is None
    assert optimized.line("storage").low > standard.line("storage").low  # type: ignore[union-attr]


def test_a_serverless_preset_shows_a_range_from_its_minimum_to_its_maximum_capacity():
    params = _example("production-serverless")  # 2-64 ACUs, writer + 1 reader + 0-4 autoscaled, I/O-Optimized
    low, high = _instances(estimate(params))
    assert low == pytest.approx(2 * 2 * 0.156 * 730)
    assert high == pytest.approx(64 * 6 * 0.156 * 730)
    result = estimate(params)
    assert result.low < result.high


def test_scale_to_zero_costs_no_compute_at_its_low_end():
    low, high = _instances(estimate(_example("development-serverless")))  # 0-4 ACUs, writer only
    assert low == 0
    assert high == pytest.approx(4 * 0.12 * 730)


def test_more_readers_cost_proportionally_more():
    writer_only = _with(_example("production"), **{"scaling.reader_count": 0, "scaling.autoscaling.mode": "disabled"})
    three_readers = _with(writer_only, **{"scaling.reader_count": 3})
    one, four = _instances(estimate(writer_only)), _instances(estimate(three_readers))
    assert one[0] == one[1] == pytest.approx(0.276 * 730)
    assert four[0] == pytest.approx(4 * one[0])


def test_reader_autoscaling_is_a_range_from_its_minimum_to_its_maximum():
    low, high = _instances(estimate(_example("production")))  # writer + 2 readers + 0-3 autoscaled
    assert (low, high) == (pytest.approx(3 * 0.276 * 730), pytest.approx(6 * 0.276 * 730))


def test_backup_is_charged_only_beyond_the_free_allowance():
    one_day = estimate(_example("development")).line("backup")
    thirty_days = estimate(_example("production")).line("backup")
    assert one_day is not None and one_day.low == 0
    assert thirty_days is not None and thirty_days.low == pytest.approx(100 * 0.05 * 29 * 0.021, abs=0.01)


def test_performance_insights_beyond_seven_days_is_named_and_left_out_of_the_total():
    free = estimate(_example("development"))
    paid = estimate(_example("production"))
    assert free.unpriced == [] and free.line("Performance Insights retention").low == 0  # type: ignore[union-attr]
    assert paid.unpriced == ["Performance Insights retention"]
    assert "3–6 instances × 2 vCPUs" in paid.line("Performance Insights retention").detail  # type: ignore[union-attr]
    assert paid.high == pytest.approx(sum(line.high for line in paid.lines if line.high is not None))


def test_a_class_without_a_known_price_is_named_not_guessed():
    result = estimate(_with(_example("production"), **{"database.instance_class": "db.x2g.large"}))
    assert "instances" in result.unpriced
    assert "no price for db.x2g.large" in result.line("instances").detail  # type: ignore[union-attr]


def test_alarms_are_counted_as_terraform_creates_them():
    assert len(alarm_keys(_example("development"))) == 7  # no readers: no replica lag; provisioned: no ACU alarm
    assert "replica_lag" in alarm_keys(_example("production"))
    serverless = alarm_keys(_example("development-serverless"))
    assert "acu_utilization" in serverless and "db_load" not in serverless
    off = _with(_example("production"), **{"alarms.deadlocks.enabled": False})
    assert len(alarm_keys(off)) == len(alarm_keys(_example("production"))) - 1
    # 8 alarms, the database load alarm once more for each of the 2 readers: 10 × $0.10
    assert estimate(_example("production")).line("alarms").low == pytest.approx(1.0)  # type: ignore[union-attr]


def test_the_conditions_read_in_python_are_the_ones_terraform_counts_the_alarms_by():
    """src/alarms.tf.json (generated by alarms.py) decides with exactly the conditions the estimate holds
    (``Cond``: one definition, rendered for Terraform and evaluated in Python; tests/test_params_root.py)."""
    generated = json.loads((ROOT / "src" / "alarms.tf.json").read_text())["resource"]["aws_cloudwatch_metric_alarm"]
    assert set(generated) == {spec.key for spec in ALARMS}
    for spec in ALARMS:
        condition = "" if spec.applies is ALWAYS else f" && ({spec.applies})"
        if spec.per_instance:  # one per instance of the package: the estimate counts the writer and fixed readers
            assert generated[spec.key]["for_each"] == (f"${{{{for key, id in local.instance_members : key => id if "
                                                       f"var.alarms.{spec.key}.enabled{condition}}}}}")
            continue
        assert generated[spec.key]["count"] == f"${{var.alarms.{spec.key}.enabled{condition} ? 1 : 0}}"


def test_the_database_load_alarm_is_counted_once_per_instance():
    production = _example("production")
    assert alarm_count(production) == len(alarm_keys(production)) + production["scaling"]["reader_count"]


def test_the_estimate_is_json_for_other_tools():
    result = estimate(_example("production-serverless"))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["region"] == "us-east-1" and data["prices_as_of"] == prices.AS_OF
    assert data["total"] == {"low": result.low, "high": result.high}
    assert [line["item"] for line in data["lines"]] == [line.item for line in result.lines]
    assert data["unpriced"] == ["Performance Insights retention"] and data["leaves_out"]
    assert data["assumptions"] == {"storage_gib": 100, "io_millions": 100, "daily_change": 0.05}


def test_the_estimate_loads_no_cdktf():
    probe = ("import sys; import aurora_bundle.cost.read, aurora_bundle.cost.report; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'cdktf', 'jsii', 'constructs'}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
