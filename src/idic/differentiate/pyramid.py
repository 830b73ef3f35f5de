"""Customer pyramid (platinum / gold / iron / lead) and ABC classes, as Ibis expressions.

Inputs (see :mod:`idic.differentiate.grading_input`):

- ``transactions(customer_id int64, ts timestamp, amount float64, cost float64
  nullable)``; only rows with ``start <= ts < end`` count;
- optionally ``effort(customer_id int64, minutes float64)``: staff minutes spent
  on each customer (e.g. summed from interactions), several rows per customer
  allowed. Customers with effort but no purchase in the window join the ABC
  grading with zero revenue (they land in the last class): they cost staff time.

Customers are ranked by spend, highest first (rounded to ``precision`` decimals,
ties by ``customer_id``), as in :mod:`idic.differentiate.deciles`.

**Pyramid** (004:L985–998): tiers take consecutive slices of the ranking by
*customer share*, default platinum 1 %, gold 4 %, iron 15 %, lead 80 %. With
cumulative share C_k % the customer at 0-based position q is in the first tier
with ``q < C_k * N / 100``, so tier k holds ``ceil(C_k N/100) - ceil(C_{k-1} N/100)``
customers, within one of its share.

**ABC** (004:L1006–1013, table 2-2): by default classes are cut by *cumulative
revenue share* 70 / 20 / 10 (``basis="revenue"``): a customer is in the first
class whose cumulative share C_k exceeds the revenue share of everyone ranked
above them, so the customer who crosses the 70 % line is still A. With
``basis="customers"`` the shares are customer shares, exactly as the pyramid
(the text's A 1 % / B 19 % / C 80 % of customers is ``shares (1, 19, 80)``).
Revenue comparisons use integer money units, so they are exact on every engine.

Shares are percentages with at most two decimals, each > 0, summing to 100.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import (
    by_value_rank,
    checked_effort,
    customer_spend,
    money_units,
    percent_hundredths,
)


@dataclass(frozen=True)
class Grade:
    """A named grade and the share (in %) of customers or revenue it takes."""

    name: str
    share_pct: float


DEFAULT_PYRAMID: tuple[Grade, ...] = (
    Grade("platinum", 1),
    Grade("gold", 4),
    Grade("iron", 15),
    Grade("lead", 80),
)
DEFAULT_ABC: tuple[Grade, ...] = (Grade("A", 70), Grade("B", 20), Grade("C", 10))


def cumulative_hundredths(grades: Sequence[Grade]) -> list[int]:
    """Validate ``grades`` and return their cumulative shares in hundredths of a percent."""
    if not grades:
        raise ValueError("at least one grade is needed")
    names = [g.name for g in grades]
    if len(set(names)) != len(names) or not all(names):
        raise ValueError(f"grade names must be non-empty and distinct, got {names}")
    cumulative, running = [], 0
    for grade in grades:
        running += percent_hundredths(grade.share_pct, f"share of {grade.name!r}")
        cumulative.append(running)
    if running != 10_000:
        raise ValueError(
            f"grade shares must sum to 100, got {running / 100:g} "
            f"({', '.join(f'{g.name} {g.share_pct:g}' for g in grades)})"
        )
    return cumulative


def share_grade(
    grades: Sequence[Grade], above: ir.IntegerValue, whole: ir.IntegerValue
) -> tuple[ir.StringValue, ir.IntegerValue]:
    """Name and 1-based rank of the first grade k with ``above < C_k * whole / 100``."""
    cumulative = cumulative_hundredths(grades)
    name_branches, rank_branches = [], []
    for k, (grade, c) in enumerate(zip(grades[:-1], cumulative[:-1], strict=True), start=1):
        inside = above * 10_000 < whole * c
        name_branches.append((inside, ibis.literal(grade.name)))
        rank_branches.append((inside, ibis.literal(k, type="int64")))
    if not name_branches:  # a single grade takes everyone
        return ibis.literal(grades[0].name), ibis.literal(1, type="int64")
    last = ibis.literal(grades[-1].name)
    return (
        ibis.cases(*name_branches, else_=last),
        ibis.cases(*rank_branches, else_=ibis.literal(len(grades), type="int64")),
    )


def pyramid_tiers(
    transactions: ir.Table,
    *,
    tiers: Sequence[Grade] = DEFAULT_PYRAMID,
    start: dt.date | None = None,
    end: dt.date | None = None,
    precision: int = 2,
) -> ir.Table:
    """Each customer's pyramid tier.

    Returns ``customer_id, spend, transactions, value_rank, tier, tier_rank``
    (``tier_rank`` 1 = top tier).
    """
    cumulative_hundredths(tiers)
    ranked = by_value_rank(
        customer_spend(transactions, start=start, end=end), "spend", precision=precision
    )
    tier, tier_rank = share_grade(tiers, ranked.position, ranked.customers)
    return ranked.select(
        "customer_id",
        "spend",
        "transactions",
        value_rank=(ranked.position + 1).cast("int64"),
        tier=tier,
        tier_rank=tier_rank,
    )


def pyramid_summary(
    transactions: ir.Table,
    *,
    tiers: Sequence[Grade] = DEFAULT_PYRAMID,
    start: dt.date | None = None,
    end: dt.date | None = None,
    precision: int = 2,
) -> ir.Table:
    """One row per non-empty tier: ``tier, tier_rank, customers, customer_share_pct,
    spend, spend_share_pct, min_spend, max_spend``."""
    a = pyramid_tiers(transactions, tiers=tiers, start=start, end=end, precision=precision)
    g = a.group_by(["tier", "tier_rank"]).aggregate(
        customers=a.count(),
        spend=a.spend.sum(),
        min_spend=a.spend.min(),
        max_spend=a.spend.max(),
    )
    return g.mutate(
        customer_share_pct=100.0 * g.customers.cast("float64") / g.customers.sum().over(),
        spend_share_pct=100.0 * g.spend / g.spend.sum().over().nullif(0.0),
    ).order_by("tier_rank")


def _with_effort(spend: ir.Table, effort: ir.Table) -> ir.Table:
    minutes = checked_effort(effort)
    joined = spend.outer_join(minutes, "customer_id")
    return joined.select(
        customer_id=ibis.coalesce(joined.customer_id, joined.customer_id_right),
        spend=joined.spend.fill_null(0.0),
        transactions=joined.transactions.fill_null(0),
        effort_minutes=joined.minutes.fill_null(0.0),
    )


def abc_classes(
    transactions: ir.Table,
    *,
    classes: Sequence[Grade] = DEFAULT_ABC,
    basis: Literal["revenue", "customers"] = "revenue",
    effort: ir.Table | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    precision: int = 2,
) -> ir.Table:
    """Each customer's ABC class.

    Returns ``customer_id, spend, transactions, value_rank, abc_class, class_rank``
    plus ``effort_minutes`` when ``effort`` is given.
    """
    if basis not in ("revenue", "customers"):
        raise ValueError(f"basis must be 'revenue' or 'customers', not {basis!r}")
    cumulative_hundredths(classes)
    spend = customer_spend(transactions, start=start, end=end)
    if effort is not None:
        spend = _with_effort(spend, effort)
    ranked = by_value_rank(spend, "spend", precision=precision)
    if basis == "customers":
        name, rank = share_grade(classes, ranked.position, ranked.customers)
    else:
        ranked = ranked.mutate(units=money_units(ranked.spend, precision))
        ranked = ranked.mutate(
            above=ranked.units.cumsum(order_by=ranked.position) - ranked.units,
            total_units=ranked.units.sum().over(),
        )
        name, rank = share_grade(classes, ranked.above, ranked.total_units)
    extra = ["effort_minutes"] if effort is not None else []
    return ranked.select(
        "customer_id",
        "spend",
        "transactions",
        *extra,
        value_rank=(ranked.position + 1).cast("int64"),
        abc_class=name,
        class_rank=rank,
    )


def abc_table(
    transactions: ir.Table,
    *,
    classes: Sequence[Grade] = DEFAULT_ABC,
    basis: Literal["revenue", "customers"] = "revenue",
    effort: ir.Table | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    precision: int = 2,
) -> ir.Table:
    """The text's table 2-2, one row per non-empty class.

    Columns: ``abc_class, class_rank, revenue, revenue_pct, customers,
    customer_pct`` and, with ``effort``, ``effort_minutes, effort_pct`` (share of
    staff time; null when no minutes were recorded at all).
    """
    a = abc_classes(
        transactions,
        classes=classes,
        basis=basis,
        effort=effort,
        start=start,
        end=end,
        precision=precision,
    )
    metrics = {"customers": a.count(), "revenue": a.spend.sum()}
    if effort is not None:
        metrics["effort_minutes"] = a.effort_minutes.sum()
    g = a.group_by(["abc_class", "class_rank"]).aggregate(**metrics)
    shares = {
        "revenue_pct": 100.0 * g.revenue / g.revenue.sum().over().nullif(0.0),
        "customer_pct": 100.0 * g.customers.cast("float64") / g.customers.sum().over(),
    }
    if effort is not None:
        shares["effort_pct"] = 100.0 * g.effort_minutes / g.effort_minutes.sum().over().nullif(0.0)
    columns = ["abc_class", "class_rank", "revenue", "revenue_pct", "customers", "customer_pct"]
    if effort is not None:
        columns += ["effort_minutes", "effort_pct"]
    return g.mutate(**shares).select(*columns).order_by("class_rank")
