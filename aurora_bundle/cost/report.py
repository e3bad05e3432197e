"""The estimate as people read it: the terminal's line items (``make cost``) and the README's words."""

from __future__ import annotations

from aurora_bundle.cost import prices
from aurora_bundle.cost.estimate import LEAVES_OUT, Assumptions, Estimate, Line

NOT_PRICED = "not priced"


def usd(value: float, *, whole: bool = False) -> str:
    return f"${value:,.0f}" if whole else f"${value:,.2f}"


def span(low: float, high: float, *, whole: bool = False) -> str:
    """"$84" or "$638 – $1,243"."""
    first, last = usd(low, whole=whole), usd(high, whole=whole)
    return first if first == last else f"{first} – {last}"


def amount(line: Line, *, whole: bool = False) -> str:
    if line.low is None or line.high is None:
        return NOT_PRICED
    return span(line.low, line.high, whole=whole)


def summary(estimate: Estimate) -> str:
    """The README's cell: the total in whole dollars, and what it does not include for want of a price."""
    total = span(estimate.low, estimate.high, whole=True)
    missing = estimate.unpriced
    return total + (f" + {', '.join(missing)} ({NOT_PRICED})" if missing else "")


def text(estimate: Estimate, source: str) -> str:
    """``make cost``'s report for one params file."""
    width = max(len(line.item) for line in estimate.lines)
    amounts = [amount(line) for line in estimate.lines]
    total = span(estimate.low, estimate.high)
    column = max(len(a) for a in [*amounts, total])
    out = [f"{source}: {total} a month ({estimate.region} On-Demand, prices as of {estimate.prices_as_of}, "
           f"{estimate.hours_per_month} hours)"]
    for line, shown in zip(estimate.lines, amounts, strict=True):
        out.append(f"  {line.item:<{width}}  {shown:>{column}}  {line.detail}")
    without = f"  without: {', '.join(estimate.unpriced)} ({NOT_PRICED})" if estimate.unpriced else ""
    out.append(f"  {'total':<{width}}  {total:>{column}}{without}")
    out.append(f"  assumed: {estimate.assumptions.describe()}.")
    out += [f"  price source: {source_}" for source_ in estimate.sources]
    out.append(f"  {estimate.leaves_out}")
    return "\n".join(out)


def readme_note(assumptions: Assumptions) -> str:
    """The paragraph under the README's presets table: the prices' date and source, the assumptions, what is left out."""
    unknown = sorted({name.split(".")[1] for name, usd_ in prices.INSTANCE_HOURLY.items() if usd_ is None})
    classes = ", ".join(f"db.{family}" for family in unknown)
    return (
        f"The monthly estimate is On-Demand in {prices.REGION} for {prices.HOURS_PER_MONTH} hours, from the price "
        f"table in `aurora_bundle/cost/prices.py`: prices as of {prices.AS_OF}, from AWS's static {prices.REGION} "
        f"table in [aws/agent-toolkit-for-aws]({prices.AWS_TOOLKIT}) ([I/O and backup]({prices.AWS_TOOLKIT_TABLES})) "
        f"and, for alarms, [c3x.dev]({prices.ALARM_SOURCE}); check them against [Amazon Aurora pricing]"
        f"({prices.AURORA_PRICING}). It assumes {assumptions.describe()}. A range runs from the fewest instances "
        f"(autoscaling at its minimum, Serverless v2 at its minimum ACUs; 0 is paused all month) to the most. "
        f"Not priced, for want of a {prices.REGION} rate in the material the table was built from: Performance "
        f"Insights retention beyond 7 days, and the {classes} classes. RDS Extended Support is priced when the "
        f"major is past its [end of standard support]({prices.EXTENDED_SUPPORT_CHARGES}) on the estimate's date "
        f"and `database.extended_support` enrolls the cluster, per vCPU-hour (provisioned) or ACU-hour "
        f"(Serverless v2), years 1–2 and year 3, at third parties' readings of AWS's rates "
        f"([per vCPU]({prices.EXTENDED_SUPPORT_VCPU_SOURCE}), [per ACU]({prices.EXTENDED_SUPPORT_ACU_SOURCE}); "
        f"{prices.EXTENDED_SUPPORT_AS_OF}). {LEAVES_OUT} "
        f"`make cost PARAMS=path` prints the line items for any params file."
    )

