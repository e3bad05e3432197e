"""The price table the estimate reads: us-east-1, On-Demand, dated, every price with its source.

Prices are data, not derived: a price that could not be found in the material the table was built
from is ``None`` (unknown), and the estimate names it instead of guessing. The instance classes are
checked against ``inputs/engine.py`` by a test, so a class added there needs a row (or an explicit
``None``) here.

Where the numbers come from. AWS's own pricing pages (``AURORA_PRICING``, ``CLOUDWATCH_PRICING``)
load their price tables with JavaScript, and the stored copies read for this table hold only their
prose (the rules: I/O is charged on Aurora Standard only, backup storage up to the cluster's size
is free, Performance Insights keeps 7 days free). The numbers are AWS's static us-east-1 table in
``aws/agent-toolkit-for-aws`` (``AWS_TOOLKIT``), last updated 2026-03-28; the alarm price is a
third party's reading of the CloudWatch pricing page (``ALARM_SOURCE``). Check them against the
pricing pages before relying on them; update ``AS_OF`` and the sources with the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

REGION = "us-east-1"
HOURS_PER_MONTH = 730  # AWS's own monthly figure (8,760 hours / 12)
AS_OF = "2026-03-28"  # when the source last updated the numbers below
COLLECTED = "2026-11-30"  # when this table was written from it

AURORA_PRICING = "https://aws.amazon.com/rds/aurora/pricing/"
CLOUDWATCH_PRICING = "https://aws.amazon.com/cloudwatch/pricing/"
_TOOLKIT_COMMIT = "d6ad2e44d5e3077b85b63f322e007c84f94f3a6c"
_TOOLKIT_DIR = (f"https://github.com/aws/agent-toolkit-for-aws/blob/{_TOOLKIT_COMMIT}/"
                "skills/specialized-skills/database-skills/amazon-aurora-postgresql")
# Instance classes, ACU, storage and the I/O-Optimized premium: the script's static table
# (_STATIC_INSTANCE_SPECS, _STATIC_ACU_PRICE_*, _STATIC_STORAGE_*; _STATIC_LAST_UPDATED = "2026-03-28").
AWS_TOOLKIT = f"{_TOOLKIT_DIR}/scripts/acu_calculator.py"
# I/O per million requests and backup storage per GiB-month ("after 1x cluster size free").
AWS_TOOLKIT_TABLES = f"{_TOOLKIT_DIR}/references/serverless-advisory-formulas-and-examples.md"
ALARM_SOURCE = "https://c3x.dev/resources/aws/aws_cloudwatch_metric_alarm"
PERFORMANCE_INSIGHTS = "https://aws.amazon.com/rds/performance-insights/pricing/"


@dataclass(frozen=True)
class Price:
    """One price: US dollars per ``unit``, or ``None`` when the sources do not give it."""

    usd: float | None
    unit: str
    source: str
    note: str = ""

    @property
    def known(self) -> bool:
        return self.usd is not None


# Per instance-hour, Aurora PostgreSQL, Aurora Standard. I/O-Optimized instances cost
# IO_OPTIMIZED_COMPUTE times these (the same factor applies to ACU-hours).
_R6G = {"large": 0.260, "xlarge": 0.519, "2xlarge": 1.038, "4xlarge": 2.076, "8xlarge": 4.152,
        "12xlarge": 6.228, "16xlarge": 8.304}
_R7G = {"large": 0.276, "xlarge": 0.553, "2xlarge": 1.106, "4xlarge": 2.211, "8xlarge": 4.422,
        "12xlarge": 6.633, "16xlarge": 8.844}
_R8G = {"large": 0.276, "xlarge": 0.552, "2xlarge": 1.104, "4xlarge": 2.208, "8xlarge": 4.416,
        "12xlarge": 6.624, "16xlarge": 8.832, "24xlarge": 13.248, "48xlarge": 26.496}
_X2G_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge")

INSTANCE_HOURLY: dict[str, float | None] = {
    "db.t4g.medium": 0.073,
    "db.t4g.large": 0.146,
    **{f"db.r6g.{size}": usd for size, usd in _R6G.items()},
    **{f"db.r7g.{size}": usd for size, usd in _R7G.items()},
    **{f"db.r8g.{size}": usd for size, usd in _R8G.items()},
    # Not in the source's table, nor in any stored page read for this table: unknown, not guessed.
    **{f"db.x2g.{size}": None for size in _X2G_SIZES},
}
INSTANCE_SOURCE = AWS_TOOLKIT


def instance_hour(instance_class: str) -> Price:
    return Price(INSTANCE_HOURLY.get(instance_class), "instance-hour (Aurora Standard)", INSTANCE_SOURCE,
                 "" if INSTANCE_HOURLY.get(instance_class) is not None else f"no price for {instance_class} was found")


IO_OPTIMIZED_COMPUTE = Price(1.30, "× the Aurora Standard instance-hour or ACU-hour price", AWS_TOOLKIT,
                             "I/O-Optimized compute costs 30% more; its I/O is free")
ACU_HOUR = Price(0.12, "ACU-hour (Aurora Standard)", AWS_TOOLKIT)
ACU_HOUR_IO_OPTIMIZED = Price(0.156, "ACU-hour (I/O-Optimized)", AWS_TOOLKIT)
STORAGE = Price(0.10, "GiB-month (Aurora Standard)", AWS_TOOLKIT)
STORAGE_IO_OPTIMIZED = Price(0.225, "GiB-month (I/O-Optimized)", AWS_TOOLKIT)
IO_REQUESTS = Price(0.20, "million I/O requests (Aurora Standard only)", AWS_TOOLKIT_TABLES)
BACKUP_STORAGE = Price(0.021, "GiB-month beyond the free allowance", AWS_TOOLKIT_TABLES,
                       "backup storage up to the cluster volume's size, and backups kept one day, are free")
# Performance Insights keeps 7 days free; longer retention is priced per vCPU-month (per ACU-month
# for Serverless v2), a first-month rate and a rate per further month. Neither us-east-1 rate was
# found in the stored material (the pricing page's tables are not in its stored copy).
PERFORMANCE_INSIGHTS_FREE_DAYS = 7
PERFORMANCE_INSIGHTS_VCPU_MONTH = Price(None, "vCPU-month of retention beyond 7 days", PERFORMANCE_INSIGHTS,
                                        "the us-east-1 rate was not found in the stored material")
PERFORMANCE_INSIGHTS_ACU_MONTH = Price(None, "ACU-month of retention beyond 7 days", PERFORMANCE_INSIGHTS,
                                       "the us-east-1 rate was not found in the stored material")
# Per standard-resolution metric alarm a month. CloudWatch's 10 free alarm metrics are per
# account, shared with everything else there, so the estimate does not count them.
ALARM_MONTH = Price(0.10, "standard-resolution alarm-month", ALARM_SOURCE)

# RDS Extended Support: billed from the day after the major's end of Aurora standard support, per vCPU-hour
# of provisioned instances and per ACU-hour of Serverless v2, a rate for its first two years and a higher
# one from its third (AWS, Aurora User Guide, "Amazon RDS Extended Support charges"; the amounts are on
# the Aurora pricing page, whose stored copy holds no table). The amounts are third parties' readings of
# AWS's us-east-1 rates, the only ones found in the stored material: per vCPU-hour, usage.ai's "RDS
# Extended Support Pricing" (published 2026-05-06: "$0.100 per vCPU-hour in US East for the first two
# years. In year 3, it doubles to $0.200"); per ACU-hour, CloudYali's "RDS Extended Support cost" (2026-05,
# read through its Hacker News mirror: "$0.085 in years one and two and $0.17 in year three (us-east-1 and
# us-east-2)"). Check them against the pricing page.
EXTENDED_SUPPORT_CHARGES = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/extended-support-charges.html"
EXTENDED_SUPPORT_VCPU_SOURCE = "https://www.usage.ai/blogs/aws/reserved-instances/rds/extended-support/"
EXTENDED_SUPPORT_ACU_SOURCE = "https://hackernews-dynamic.seasondane.workers.dev/news/48297210"
EXTENDED_SUPPORT_AS_OF = "2026-05-06"
EXTENDED_SUPPORT_VCPU_HOUR = (Price(0.100, "vCPU-hour, RDS Extended Support years 1-2", EXTENDED_SUPPORT_VCPU_SOURCE),
                              Price(0.200, "vCPU-hour, RDS Extended Support year 3", EXTENDED_SUPPORT_VCPU_SOURCE))
EXTENDED_SUPPORT_ACU_HOUR = (Price(0.085, "ACU-hour, RDS Extended Support years 1-2", EXTENDED_SUPPORT_ACU_SOURCE),
                             Price(0.170, "ACU-hour, RDS Extended Support year 3", EXTENDED_SUPPORT_ACU_SOURCE))

SOURCES: tuple[str, ...] = (AURORA_PRICING, AWS_TOOLKIT, AWS_TOOLKIT_TABLES, CLOUDWATCH_PRICING, ALARM_SOURCE,
                            EXTENDED_SUPPORT_VCPU_SOURCE, EXTENDED_SUPPORT_ACU_SOURCE)
