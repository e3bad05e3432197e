"""A monthly estimate of what a configuration costs, from the price table (``prices``).

``estimate(params)`` takes complete params (every field present, as in examples/*/params.json, or
``inputs.conditional.with_defaults`` applied) and returns line items, each a low-high range in US
dollars a month (730 hours), and their total. Ranges come from what the params leave open: reader
autoscaling (from its minimum to its maximum of readers) and Serverless v2 capacity (every instance
at the minimum ACUs, or every one at the maximum; 0 ACUs is paused all month). What no param says
(how big the volume gets, how much I/O it does, how much of it changes a day) comes from stated
``Assumptions``. A price the table does not know is a line without an amount, named by ``unpriced``
and left out of the total, never guessed. No cdktf: the estimate is cheap to compute.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from aurora_bundle.aws.alarm_table import ALARMS
from aurora_bundle.cost import prices
from aurora_bundle.inputs.engine import INSTANCE_VCPUS, MAJORS, SERVERLESS_CLASS

IO_OPTIMIZED = "aurora-iopt1"
LEAVES_OUT = ("It leaves out data transfer, manual snapshots and snapshot exports, CloudWatch Logs (exported "
              "logs and enhanced monitoring), the KMS key, RDS Proxy, burstable CPU credits above baseline, "
              "Reserved Instance and Savings Plans discounts, and taxes.")
EXTENDED_SUPPORT_DISABLED = "open-source-rds-extended-support-disabled"


@dataclass(frozen=True)
class Assumptions:
    """What the estimate assumes where no param says: the same for every configuration, and printed with it."""

    storage_gib: float = 100  # the cluster volume, GiB
    io_millions: float = 100  # storage I/O requests a month, millions (billed on Aurora Standard only)
    daily_change: float = 0.05  # share of the volume changed a day: the backups kept beyond the free allowance

    def describe(self) -> str:
        return (f"{_number(self.storage_gib)} GiB of storage, {_number(self.io_millions)} million I/O requests a "
                f"month, {_number(self.daily_change * 100)}% of the volume changed a day")


@dataclass(frozen=True)
class Line:
    """One line item: what it is, how it is computed, and its monthly range (None: the price is unknown)."""

    item: str
    detail: str
    low: float | None
    high: float | None

    @property
    def priced(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True)
class Estimate:
    lines: tuple[Line, ...]
    assumptions: Assumptions
    region: str = prices.REGION
    prices_as_of: str = prices.AS_OF
    sources: tuple[str, ...] = prices.SOURCES
    leaves_out: str = LEAVES_OUT
    hours_per_month: int = field(default=prices.HOURS_PER_MONTH)

    @property
    def low(self) -> float:
        return round(sum(line.low for line in self.lines if line.low is not None), 2)

    @property
    def high(self) -> float:
        return round(sum(line.high for line in self.lines if line.high is not None), 2)

    @property
    def unpriced(self) -> list[str]:
        """The line items left out of the total because their price is unknown."""
        return [line.item for line in self.lines if not line.priced]

    def line(self, item: str) -> Line | None:
        return next((line for line in self.lines if line.item == item), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, for other tools (the preview page)."""
        return {
            "region": self.region,
            "prices_as_of": self.prices_as_of,
            "sources": list(self.sources),
            "hours_per_month": self.hours_per_month,
            "currency": "USD",
            "assumptions": asdict(self.assumptions),
            "lines": [asdict(line) | {"priced": line.priced} for line in self.lines],
            "total": {"low": self.low, "high": self.high},
            "unpriced": self.unpriced,
            "leaves_out": self.leaves_out,
        }


def _number(value: float) -> str:
    return f"{value:g}"


def _usd_rate(value: float) -> str:
    """A unit price as priced: at least cents, up to four decimals ($0.10, $0.021, $0.3588)."""
    text = f"{value:,.4f}".rstrip("0")
    whole, cents = text.split(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def _range(low: float, high: float, unit: str = "") -> str:
    return f"{_number(low)}{unit}" if low == high else f"{_number(low)}–{_number(high)}{unit}"


@dataclass(frozen=True)
class _Shape:
    """The instances the params ask for: how many (low-high) and what they are."""

    serverless: bool
    instance_class: str
    low: int  # writer, fixed readers and the autoscaling minimum
    high: int  # ... and the autoscaling maximum
    described: str  # "writer + 2 readers + 0–3 autoscaled"


def _shape(params: dict[str, Any]) -> _Shape:
    database, scaling = params["database"], params["scaling"]
    readers = scaling["reader_count"]
    autoscaling = scaling["autoscaling"]
    low = high = 1 + readers
    described = "writer" + (f" + {readers} reader{'s' if readers != 1 else ''}" if readers else " only")
    if autoscaling["mode"] != "disabled":
        low, high = low + autoscaling["min_readers"], high + autoscaling["max_readers"]
        autoscaled = _range(autoscaling["min_readers"], autoscaling["max_readers"])
        described = described.replace(" only", "") + f" + {autoscaled} autoscaled"
    cls = database["instance_class"]
    return _Shape(cls == SERVERLESS_CLASS, cls, low, high, described)


def _compute(params: dict[str, Any], shape: _Shape, io_optimized: bool) -> Line:
    hours = prices.HOURS_PER_MONTH
    count = f"{_range(shape.low, shape.high)} instance{'s' if shape.high != 1 else ''} ({shape.described})"
    if shape.serverless:
        capacity = params["scaling"]["serverless"]
        minimum, maximum = capacity["min_capacity"], capacity["max_capacity"]
        rate = (prices.ACU_HOUR_IO_OPTIMIZED if io_optimized else prices.ACU_HOUR).usd
        assert rate is not None
        paused = "; 0 ACUs: paused all month" if minimum == 0 else ""
        detail = (f"db.serverless {_range(minimum, maximum)} ACUs each × {count} × {_usd_rate(rate)}/ACU-hour × "
                  f"{hours} h{paused}")
        return Line("instances", detail, round(minimum * shape.low * rate * hours, 2),
                    round(maximum * shape.high * rate * hours, 2))
    price = prices.instance_hour(shape.instance_class)
    if price.usd is None:
        return Line("instances", f"{shape.instance_class} × {count}: {price.note}", None, None)
    factor = prices.IO_OPTIMIZED_COMPUTE.usd if io_optimized else 1.0
    assert factor is not None
    rate = price.usd * factor
    how = f"{_usd_rate(rate)}/h (I/O-Optimized: 1.3 × {_usd_rate(price.usd)})" if io_optimized else f"{_usd_rate(rate)}/h"
    return Line("instances", f"{shape.instance_class} × {count} × {how} × {hours} h",
                round(shape.low * rate * hours, 2), round(shape.high * rate * hours, 2))


def _fixed(item: str, detail: str, amount: float) -> Line:
    return Line(item, detail, round(amount, 2), round(amount, 2))


def _storage(assumptions: Assumptions, io_optimized: bool) -> list[Line]:
    storage = (prices.STORAGE_IO_OPTIMIZED if io_optimized else prices.STORAGE).usd
    assert storage is not None
    lines = [_fixed("storage", f"{_number(assumptions.storage_gib)} GiB (assumed) × {_usd_rate(storage)}/GiB-month",
                    assumptions.storage_gib * storage)]
    if not io_optimized:  # I/O-Optimized has no I/O charge at all
        io = prices.IO_REQUESTS.usd
        assert io is not None
        lines.append(_fixed("I/O", f"{_number(assumptions.io_millions)} million requests (assumed) × "
                                   f"{_usd_rate(io)}/million", assumptions.io_millions * io))
    return lines


def _backup(params: dict[str, Any], assumptions: Assumptions) -> Line:
    days = params["backup"]["retention_days"]
    rate = prices.BACKUP_STORAGE.usd
    assert rate is not None
    # Continuous backups hold the volume plus each day's changes; the volume's size is free, and so
    # are backups kept one day.
    billable = assumptions.storage_gib * assumptions.daily_change * max(days - 1, 0)
    if billable == 0:
        return _fixed("backup", f"{days} day: within the free allowance (the volume's size)", 0)
    return _fixed("backup", f"{days} days × {_number(assumptions.daily_change * 100)}% of "
                            f"{_number(assumptions.storage_gib)} GiB changed a day beyond the free allowance = "
                            f"{_number(round(billable, 2))} GiB × {_usd_rate(rate)}/GiB-month", billable * rate)


def _performance_insights(params: dict[str, Any], shape: _Shape) -> Line:
    days = params["observability"]["performance_insights_retention_days"]
    item = "Performance Insights retention"
    if days <= prices.PERFORMANCE_INSIGHTS_FREE_DAYS:
        return _fixed(item, f"{days} days: free", 0)
    if shape.serverless:
        capacity = params["scaling"]["serverless"]
        price = prices.PERFORMANCE_INSIGHTS_ACU_MONTH
        units = f"{_range(shape.low, shape.high)} instances × {_range(capacity['min_capacity'], capacity['max_capacity'])} ACUs"
    else:
        price = prices.PERFORMANCE_INSIGHTS_VCPU_MONTH
        units = f"{_range(shape.low, shape.high)} instances × {INSTANCE_VCPUS[shape.instance_class]} vCPUs"
    if price.usd is None:
        return Line(item, f"{days} days on {units}: {price.note}", None, None)
    raise NotImplementedError("Performance Insights has a price now: compute it here")  # pragma: no cover


def alarm_keys(params: dict[str, Any]) -> list[str]:
    """The alarms the params create: enabled, and applying to the configuration."""
    keys = []
    for spec in ALARMS:
        enabled = params.get("alarms", {}).get(spec.key, {}).get("enabled", spec.enabled)
        if enabled and spec.applies.holds(params):
            keys.append(spec.key)
    return keys


def alarm_count(params: dict[str, Any]) -> int:
    """The CloudWatch alarms the params create.

    One per key, and a per-instance alarm once for the writer and once for each fixed reader (autoscaled readers get
    none)."""
    per_instance = {spec.key for spec in ALARMS if spec.per_instance}
    return sum(1 + params["scaling"]["reader_count"] if key in per_instance else 1 for key in alarm_keys(params))


def _alarms(params: dict[str, Any]) -> Line:
    count = alarm_count(params)
    rate = prices.ALARM_MONTH.usd
    assert rate is not None
    return _fixed("alarms", f"{count} standard-resolution CloudWatch alarms × {_usd_rate(rate)}/alarm-month",
                  count * rate)


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _extended_support(params: dict[str, Any], shape: _Shape, on: datetime.date) -> Line:
    """RDS Extended Support, for a month at the date ``on``.

    Charged from the day after the major's end of standard support (``engine.MAJORS``) when
    ``database.extended_support`` enrolls the cluster, at the years 1-2 rate for two years, then the year-3 rate
    (``prices.EXTENDED_SUPPORT_*``)."""
    item = "RDS Extended Support"
    database = params["database"]
    major = database["engine_version"]
    end = datetime.date.fromisoformat(MAJORS[major].end_of_standard_support)
    if on <= end:
        return _fixed(item, f"PostgreSQL {major} is in standard support until {end} (estimate of {on}): none", 0)
    if database.get("extended_support") == EXTENDED_SUPPORT_DISABLED:
        return _fixed(item, f"off: PostgreSQL {major}'s standard support ended {end}, so AWS upgrades the major "
                            f"instead: none", 0)
    third = on > _years_later(end, 2)
    year = "year 3" if third else "years 1-2"
    hours = prices.HOURS_PER_MONTH
    index = 1 if third else 0
    started = f"PostgreSQL {major} past its end of standard support ({end}), {year} on {on}"
    if shape.serverless:
        capacity = params["scaling"]["serverless"]
        rate = prices.EXTENDED_SUPPORT_ACU_HOUR[index].usd
        assert rate is not None
        low, high = capacity["min_capacity"] * shape.low, capacity["max_capacity"] * shape.high
        return Line(item, f"{started}: {_range(capacity['min_capacity'], capacity['max_capacity'])} ACUs × "
                          f"{_range(shape.low, shape.high)} instances × {_usd_rate(rate)}/ACU-hour × {hours} h",
                    round(low * rate * hours, 2), round(high * rate * hours, 2))
    rate = prices.EXTENDED_SUPPORT_VCPU_HOUR[index].usd
    assert rate is not None
    vcpus = INSTANCE_VCPUS[shape.instance_class]
    return Line(item, f"{started}: {vcpus} vCPUs × {_range(shape.low, shape.high)} instances × {_usd_rate(rate)}"
                      f"/vCPU-hour × {hours} h", round(vcpus * shape.low * rate * hours, 2),
                round(vcpus * shape.high * rate * hours, 2))


def estimate(params: dict[str, Any], assumptions: Assumptions | None = None,
             on: datetime.date | None = None) -> Estimate:
    """The monthly estimate of complete params (``md_metadata`` is ignored).

    For a month at the date ``on`` (default: today): RDS Extended Support depends on it."""
    assumptions = assumptions or Assumptions()
    shape = _shape(params)
    io_optimized = params["database"]["storage_type"] == IO_OPTIMIZED
    lines = [_compute(params, shape, io_optimized), *_storage(assumptions, io_optimized), _backup(params, assumptions),
             _performance_insights(params, shape), _alarms(params),
             _extended_support(params, shape, on or datetime.date.today())]
    return Estimate(tuple(lines), assumptions)
