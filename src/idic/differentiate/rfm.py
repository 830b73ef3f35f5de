"""RFM scoring (recency, frequency, monetary) and named RFM segments, as Ibis expressions.

Input: ``transactions(customer_id int64, ts timestamp, amount float64, cost float64
nullable)`` as described in :mod:`idic.differentiate.grading_input`. Rows after
``as_of`` are ignored; the remaining rows must be non-empty, null-free and have
``amount >= 0`` (otherwise ValueError). ``transactions`` may also be a purchase-day
table from :func:`idic.differentiate.purchase_days.daily_purchases` (shared by the
day-based computations of a scoring run); ``as_of`` must then be a date.

Measures per customer (only customers with a purchase at or before ``as_of``):

- ``recency_days``: whole calendar days from the day of the last purchase to the
  day of ``as_of`` (0 = bought on the as-of day).
- ``frequency``: distinct purchase days; several receipts on one day are one purchase.
- ``monetary``: total spend (``monetary="total"``) or spend per purchase day
  (``monetary="average"``, total / frequency).

Scores ``r``, ``f``, ``m`` in 1..5, 5 best (most recent, most frequent, highest
spend). **Tie rule**: with N scored customers and k = the number of customers
whose value is strictly worse, ``score = 1 + floor(5 * k / N)``. Equal values
have equal k and therefore always share a score; without ties each score holds
N/5 customers (±1). Read it as: score s means the customer beats at least
20·(s-1) % and less than 20·s % of customers. A block of tied customers lands
wholly in the bucket of its first member, so the worst value always scores 1,
the buckets just above a large tie block hold fewer customers (or none), and if
everyone is equal everyone scores 1. Monetary values are compared after rounding half up to
``precision`` decimals (cents by default), so engines whose float sums differ in
the last bit still agree.

Segments: ``fm = floor((f + m) / 2)`` (the mean of f and m rounded down, so a
customer needs both to earn a high FM); the one rule whose ``r`` and ``fm``
ranges contain the customer's scores names the segment.
The rules are data (:data:`DEFAULT_SEGMENT_RULES`) and must tile the 5 × 5 grid
of (r, fm) exactly once; :func:`validate_segment_rules` checks that::

    r \\ fm  1               2                   3                   4          5
    5        new             potential loyalist  potential loyalist  champions  champions
    4        promising       potential loyalist  potential loyalist  loyal      loyal
    3        about to sleep  about to sleep      need attention      loyal      loyal
    2        hibernating     hibernating         at risk             at risk    can't lose
    1        lost            hibernating         at risk             at risk    can't lose

Purchase-rate adjustment (plain RFM misleads when customers buy at different
rates, 002:L109): :func:`rfm_purchase_rate` judges recency against each
customer's own mean gap between purchase days, ``recency_ratio = recency_days /
mean_gap_days`` with ``mean_gap_days = (last day - first day) / (frequency - 1)``.
Customers with a single purchase day have no gap, so their ratio is null and
their adjusted score ``r_rate`` keeps their plain ``r``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import cutoff, money_units
from idic.differentiate.purchase_days import days_up_to

SCORES = range(1, 6)


@dataclass(frozen=True)
class SegmentRule:
    """One rectangle of the (r, fm) grid: inclusive score ranges and the segment name."""

    name: str
    r: tuple[int, int]
    fm: tuple[int, int]

    def covers(self, r: int, fm: int) -> bool:
        return self.r[0] <= r <= self.r[1] and self.fm[0] <= fm <= self.fm[1]


DEFAULT_SEGMENT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("champions", r=(5, 5), fm=(4, 5)),
    SegmentRule("loyal", r=(3, 4), fm=(4, 5)),
    SegmentRule("potential loyalist", r=(4, 5), fm=(2, 3)),
    SegmentRule("new", r=(5, 5), fm=(1, 1)),
    SegmentRule("promising", r=(4, 4), fm=(1, 1)),
    SegmentRule("need attention", r=(3, 3), fm=(3, 3)),
    SegmentRule("about to sleep", r=(3, 3), fm=(1, 2)),
    SegmentRule("at risk", r=(1, 2), fm=(3, 4)),
    SegmentRule("can't lose", r=(1, 2), fm=(5, 5)),
    SegmentRule("hibernating", r=(2, 2), fm=(1, 2)),
    SegmentRule("hibernating", r=(1, 1), fm=(2, 2)),
    SegmentRule("lost", r=(1, 1), fm=(1, 1)),
)


def validate_segment_rules(rules: Sequence[SegmentRule]) -> dict[tuple[int, int], str]:
    """Check that ``rules`` name every (r, fm) cell exactly once; return the grid."""
    for rule in rules:
        for lo, hi in (rule.r, rule.fm):
            if not (1 <= lo <= hi <= 5):
                raise ValueError(f"segment {rule.name!r} has range ({lo}, {hi}) outside 1..5")
        if not rule.name:
            raise ValueError("segment rules need a non-empty name")
    grid: dict[tuple[int, int], str] = {}
    for r in SCORES:
        for fm in SCORES:
            names = [rule.name for rule in rules if rule.covers(r, fm)]
            if len(names) != 1:
                raise ValueError(
                    f"cell r={r}, fm={fm} is matched by {len(names)} segment rules "
                    f"({', '.join(map(repr, names)) or 'none'}); each cell needs exactly one"
                )
            grid[(r, fm)] = names[0]
    return grid


def segment_of(
    r: ir.IntegerValue, fm: ir.IntegerValue, rules: Sequence[SegmentRule]
) -> ir.StringValue:
    """Ibis expression naming the segment of scores ``(r, fm)`` under ``rules``."""
    validate_segment_rules(rules)
    branches = [
        (r.between(*rule.r) & fm.between(*rule.fm), ibis.literal(rule.name)) for rule in rules
    ]
    return ibis.cases(*branches, else_=ibis.null("string"))


def quintile_score(
    key: ir.Column, *, higher_is_better: bool, partition: ir.Value | None = None
) -> ir.IntegerValue:
    """Score 1..5 by the tie rule of this module: ``1 + floor(5 * k / N)``.

    ``k`` = number of rows (in the same ``partition``) with a strictly worse
    ``key``; ``N`` = rows in the partition. Rows whose key is null get a
    meaningless score; callers partition them away.
    """
    group_by = [] if partition is None else [partition]
    order = key.asc() if higher_is_better else key.desc()
    worse = ibis.rank().over(group_by=group_by, order_by=order)
    n = key.isnull().count().over(group_by=group_by)  # all rows, null keys included
    return (1 + (worse * 5) // n).cast("int64")


def _measures(
    transactions: ir.Table, as_of: dt.date, monetary: Literal["total", "average"]
) -> ir.Table:
    if monetary not in ("total", "average"):
        raise ValueError(f"monetary must be 'total' or 'average', not {monetary!r}")
    _, as_of_day = cutoff(as_of)
    # purchase days first, then customers: the same as counting distinct days per
    # customer, and a purchase-day table passed in skips the first (largest) step
    days = days_up_to(transactions, as_of)
    per = days.group_by("customer_id").aggregate(
        first_purchase=days.day.min(),
        last_purchase=days.day.max(),
        frequency=days.count().cast("int64"),
        spend=days.spend.sum().cast("float64"),
    )
    as_of_lit = ibis.literal(as_of_day, type="date")
    per = per.mutate(
        recency_days=as_of_lit.delta(per.last_purchase, unit="day").cast("int64"),
        span_days=per.last_purchase.delta(per.first_purchase, unit="day").cast("int64"),
    )
    value = per.spend if monetary == "total" else per.spend / per.frequency
    return per.mutate(monetary=value.cast("float64"))


def rfm(
    transactions: ir.Table,
    *,
    as_of: dt.date,
    monetary: Literal["total", "average"] = "total",
    precision: int = 2,
    rules: Sequence[SegmentRule] = DEFAULT_SEGMENT_RULES,
) -> ir.Table:
    """RFM measures, scores and segment per customer as of ``as_of``.

    Args:
        transactions: the transactions table (see module docstring).
        as_of: a date (its purchases count) or a naive datetime (cut-off instant).
        monetary: ``"total"`` spend or ``"average"`` spend per purchase day.
        precision: decimals of the monetary value that count when ranking.
        rules: segment rules tiling the (r, fm) grid.

    Returns:
        ``customer_id, first_purchase, last_purchase, recency_days, frequency,
        monetary, r, f, m, fm, rfm_code, segment`` where ``rfm_code = 100r+10f+m``.
    """
    validate_segment_rules(rules)
    per = _measures(transactions, as_of, monetary)
    per = per.mutate(money_key=money_units(per.monetary, precision))
    scored = per.mutate(
        r=quintile_score(per.recency_days, higher_is_better=False),
        f=quintile_score(per.frequency, higher_is_better=True),
        m=quintile_score(per.money_key, higher_is_better=True),
    )
    scored = scored.mutate(fm=((scored.f + scored.m) // 2).cast("int64"))
    scored = scored.mutate(
        rfm_code=(scored.r * 100 + scored.f * 10 + scored.m).cast("int64"),
        segment=segment_of(scored.r, scored.fm, rules),
    )
    return scored.select(
        "customer_id",
        "first_purchase",
        "last_purchase",
        "recency_days",
        "frequency",
        "monetary",
        "r",
        "f",
        "m",
        "fm",
        "rfm_code",
        "segment",
    )


def rfm_purchase_rate(
    transactions: ir.Table,
    *,
    as_of: dt.date,
    monetary: Literal["total", "average"] = "total",
    precision: int = 2,
    rules: Sequence[SegmentRule] = DEFAULT_SEGMENT_RULES,
) -> ir.Table:
    """RFM with recency judged against each customer's own purchase rate.

    Adds to :func:`rfm`'s columns:

    - ``mean_gap_days`` = (last - first purchase day) / (frequency - 1); null when
      the customer bought on one day only;
    - ``recency_ratio`` = recency_days / mean_gap_days (1.0 = exactly one usual gap
      since the last purchase); null with the gap;
    - ``r_rate``: the tie-rule quintile of ``recency_ratio`` among customers with a
      ratio (lower is better); single-day customers keep their plain ``r``;
    - ``segment_rate``: the segment of ``(r_rate, fm)`` (for single-day customers
      the same as ``segment``).
    """
    plain = rfm(transactions, as_of=as_of, monetary=monetary, precision=precision, rules=rules)
    return purchase_rate_scores(plain, rules=rules)


def purchase_rate_scores(
    plain: ir.Table, *, rules: Sequence[SegmentRule] = DEFAULT_SEGMENT_RULES
) -> ir.Table:
    """Add :func:`rfm_purchase_rate`'s columns to a table of plain RFM results
    (``first_purchase, last_purchase, recency_days, frequency, r, fm`` per customer,
    as :func:`rfm` or :func:`idic.differentiate.customer_grades.customer_grades` give)."""
    span = plain.last_purchase.delta(plain.first_purchase, unit="day").cast("float64").nullif(0.0)
    # recency * (n - 1) / span: a quotient of two integers, so every engine rounds it alike
    ratio = (plain.recency_days * (plain.frequency - 1)).cast("float64") / span
    gap = span / (plain.frequency - 1).cast("float64")
    out = plain.mutate(mean_gap_days=gap, recency_ratio=ratio)
    ranked = quintile_score(out.recency_ratio, higher_is_better=False, partition=out.frequency > 1)
    out = out.mutate(r_rate=ibis.ifelse(out.frequency > 1, ranked, out.r).cast("int64"))
    return out.mutate(segment_rate=segment_of(out.r_rate, out.fm, rules))
