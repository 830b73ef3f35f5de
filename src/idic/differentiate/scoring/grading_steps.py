"""Steps that grade customers by their purchases: RFM, deciles, pyramid tier, ABC class."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from idic.differentiate.deciles import decile_assignments
from idic.differentiate.grading_input import customer_spend
from idic.differentiate.purchase_days import days_up_to
from idic.differentiate.pyramid import abc_classes, pyramid_tiers
from idic.differentiate.rfm import rfm
from idic.differentiate.scoring.context import Context, purchase_days


def days_step(ctx: Context) -> None:
    """Collapse the transactions up to as_of to purchase days once, as
    ``ctx.tables["days"]``: RFM, BTYD, loyalty, activity and lifecycle all count
    purchase days, and grouping tens of millions of receipts by customer and day is the
    largest part of each of them."""
    ctx.tables["days"] = ctx.keep("days", days_up_to(ctx.tables["transactions"], ctx.as_of))


def rfm_step(ctx: Context) -> ir.Table:
    """Recency, frequency (purchase days), monetary, their quintile scores and segment.

    The result keeps RFM's other columns too (first and last purchase day, and ``spend``
    when monetary is total spend), which the BTYD step reuses.
    """
    t = rfm(purchase_days(ctx), as_of=ctx.as_of, monetary=ctx.params.rfm_monetary)
    return t.mutate(rfm_segment=t.segment)


def spend_step(ctx: Context) -> None:
    """Spend per customer in the value window, computed once for every grading by spend.

    Deciles, pyramid and ABC depend on each customer's total only, so they are given
    ``ctx.tables["spend_rows"]``: one row per customer, dated on the as-of day, whose
    amount is that total — the same grades as from every transaction, without reading
    every transaction again. With the whole history as the window and total monetary,
    the totals are RFM's own.
    """
    rfm_result = ctx.results.get("rfm")
    if ctx.start is None and ctx.params.rfm_monetary == "total" and rfm_result is not None:
        spend = rfm_result.select("customer_id", spend=rfm_result.monetary)
    else:
        totals = customer_spend(ctx.tables["transactions"], start=ctx.start, end=ctx.end)
        spend = totals.select("customer_id", "spend")
    kept = ctx.keep("spend", spend)
    ctx.tables["spend"] = kept
    ctx.tables["spend_rows"] = kept.select(
        "customer_id",
        ts=_midnight(ctx.as_of),
        amount=kept.spend.cast("float64"),
        cost=ibis.null("float64"),
    )


def decile_step(ctx: Context) -> ir.Table:
    """Decile by spend in the value window (1 = the most valuable tenth)."""
    t = decile_assignments(ctx.tables["spend_rows"], start=ctx.start, end=ctx.end)
    return t.select("customer_id", "decile")


def pyramid_step(ctx: Context) -> ir.Table:
    """Pyramid tier by spend in the value window."""
    t = pyramid_tiers(
        ctx.tables["spend_rows"], tiers=ctx.params.pyramid, start=ctx.start, end=ctx.end
    )
    return t.select("customer_id", pyramid_tier=t.tier)


def effort_step(ctx: Context) -> None:
    """Staff minutes per customer from interactions with a duration in the value window,
    as ``ctx.tables["effort"]`` (absent when no interaction has a duration)."""
    ctx.tables.pop("effort", None)
    interactions = ctx.tables.get("interactions")
    if interactions is None:
        return
    i = interactions
    keep = i.duration_seconds.notnull() & (i.ts < _midnight(ctx.end))
    if ctx.start is not None:
        keep = keep & (i.ts >= _midnight(ctx.start))
    timed = i.filter(keep)
    minutes = timed.group_by("customer_id").aggregate(
        minutes=(timed.duration_seconds.cast("float64") / 60.0).sum()
    )
    kept = ctx.keep("effort", minutes)
    if ctx.fetch(kept.aggregate(n=kept.count())).column(0)[0].as_py():
        ctx.tables["effort"] = kept


def _midnight(day: dt.date) -> ir.TimestampValue:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")


def abc_step(ctx: Context) -> ir.Table:
    """ABC class by cumulative revenue (or customer) share in the value window; customers
    who took staff time but bought nothing join with zero revenue."""
    t = abc_classes(
        ctx.tables["spend_rows"],
        classes=ctx.params.abc,
        basis=ctx.params.abc_basis,
        effort=ctx.tables.get("effort"),
        start=ctx.start,
        end=ctx.end,
    )
    return t.select("customer_id", "abc_class")
