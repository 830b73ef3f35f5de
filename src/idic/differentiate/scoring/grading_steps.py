"""Steps that grade customers by their purchases: RFM, deciles, pyramid tier, ABC class."""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from idic.differentiate.customer_grades import customer_grades
from idic.differentiate.purchase_days import days_up_to
from idic.differentiate.pyramid import abc_classes
from idic.differentiate.rfm import purchase_rate_scores
from idic.differentiate.scoring.context import Context


def grades_step(ctx: Context) -> None:
    """RFM, decile and pyramid tier of every customer in one engine query, kept as
    ``ctx.tables["grades"]`` (see :func:`ensure_grades`)."""
    ensure_grades(ctx)


def ensure_grades(ctx: Context) -> ir.Table:
    """The grades table (:mod:`idic.differentiate.customer_grades`), built on first use.

    On DuckDB it reads the transactions and counts purchase days as bits, without
    grouping by day. Other engines count the purchase-day table, which is then built
    first (see :func:`ensure_days`), its time counted with the grades.
    """
    if "grades" in ctx.tables:
        return ctx.tables["grades"]
    bitmap = ctx.session.engine == "duckdb"
    source = ctx.tables["transactions"] if bitmap else ensure_days(ctx)
    g = customer_grades(
        source,
        as_of=ctx.as_of,
        start=ctx.start,
        monetary=ctx.params.rfm_monetary,
        tiers=ctx.params.pyramid,
        day_count="bitmap" if bitmap else "group",
    )
    ctx.tables["grades"] = ctx.keep("grades", g.mutate(rfm_segment=g.segment, pyramid_tier=g.tier))
    return ctx.tables["grades"]


def ensure_days(ctx: Context) -> ir.Table:
    """The run's purchase-day table (one row per customer and day up to as_of), built on
    first use as ``ctx.tables["days"]``: RFM (off DuckDB), BTYD, loyalty, activity and
    lifecycle all count purchase days, and grouping tens of millions of receipts by
    customer and day is the largest part of each of them."""
    if "days" not in ctx.tables:
        ctx.tables["days"] = ctx.keep("days", days_up_to(ctx.tables["transactions"], ctx.as_of))
    return ctx.tables["days"]


def days_step(ctx: Context) -> None:
    """Build the purchase-day table for the steps after it (if not built yet)."""
    ensure_days(ctx)


def rfm_step(ctx: Context) -> ir.Table:
    """Recency, frequency (purchase days), monetary, their quintile scores and segment.

    The result (the grades table) also holds first and last purchase day and total
    spend, which the BTYD and purchase-rate steps reuse.
    """
    return ensure_grades(ctx)


def spend_step(ctx: Context) -> None:
    """Spend per customer in the value window, for every grading by spend.

    ABC and the reports depend on each customer's total only, so they are given
    ``ctx.tables["spend_rows"]``: one row per customer, dated on the as-of day, whose
    amount is that total — the same grades as from every transaction, without reading
    every transaction again.
    """
    g = ensure_grades(ctx)
    bought = g.filter(g.window_spend.notnull())
    kept = ctx.keep("spend", bought.select("customer_id", spend=bought.window_spend))
    ctx.tables["spend"] = kept
    ctx.tables["spend_rows"] = kept.select(
        "customer_id",
        ts=_midnight(ctx.as_of),
        amount=kept.spend.cast("float64"),
        cost=ibis.null("float64"),
    )


def decile_step(ctx: Context) -> ir.Table:
    """Decile by spend in the value window (1 = the most valuable tenth)."""
    return ensure_grades(ctx)


def pyramid_step(ctx: Context) -> ir.Table:
    """Pyramid tier by spend in the value window."""
    return ensure_grades(ctx)


def rate_step(ctx: Context) -> ir.Table:
    """The purchase-rate-adjusted recency score ``r_rate`` (002:L109): recency judged
    against the customer's own mean gap between purchase days."""
    rated = purchase_rate_scores(ensure_grades(ctx))
    return rated.select("customer_id", "r_rate")


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
