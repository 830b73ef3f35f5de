"""Steps that value and classify customers: historical and NPV value, the value matrix
(MVC / MGC / BZ / migrator), loyalty class, trading-activity class, lifecycle stage."""

from __future__ import annotations

import ibis.expr.types as ir

from idic.differentiate.activity import activity_classes
from idic.differentiate.lifecycle import lifecycle_stages
from idic.differentiate.loyalty import loyalty_classes
from idic.differentiate.scoring.context import Context, purchase_days
from idic.differentiate.value import historical_value, npv_value
from idic.differentiate.value_matrix import segment_potential, value_matrix


def value_step(ctx: Context) -> ir.Table:
    """Historical value (profit to date) and lifetime value by NPV."""
    t, p = ctx.tables["transactions"], ctx.params
    hist = ctx.keep(
        "historical_value",
        historical_value(t, as_of=ctx.as_of, default_margin=p.default_margin).select(
            "customer_id", "historical_value"
        ),
    )
    npv = npv_value(
        t,
        as_of=ctx.as_of,
        horizon=p.npv_horizon,
        rate=p.npv_rate,
        period_days=p.npv_period_days,
        lookback_periods=p.npv_lookback_periods,
        serving_cost=p.npv_serving_cost,
        default_margin=p.default_margin,
    )
    joined = hist.left_join(npv, "customer_id")
    return joined.select("customer_id", "historical_value", "npv_value")


def value_matrix_step(ctx: Context) -> ir.Table | None:
    """Value class: actual value = NPV; potential = what the top quarter of the customer's
    peer segment (``value_potential_segment`` of the customers table) reach; migrators
    measured against the previous snapshot's NPV."""
    values = ctx.results.get("value")
    if values is None:
        return None
    segment = ctx.params.value_potential_segment
    customers = ctx.tables["customers"].select("customer_id", segment)
    actual = values.filter(values.npv_value.notnull()).select("customer_id", "npv_value")
    with_segment = actual.left_join(customers, "customer_id")
    with_segment = with_segment.select(
        "customer_id", "npv_value", **{segment: with_segment[segment].fill_null("")}
    )
    potential = segment_potential(
        with_segment, value_column="npv_value", segment_column=segment, top_pct=25.0
    )
    previous = ctx.tables.get("previous")
    if previous is not None:
        previous = previous.filter(previous.npv_value.notnull()).select("customer_id", "npv_value")
    matrix = value_matrix(
        potential.select("customer_id", "npv_value", "potential_value"),
        actual="npv_value",
        potential="potential_value",
        previous=previous,
    )
    return matrix.select("customer_id", "value_class")


def loyalty_step(ctx: Context) -> ir.Table:
    """Loyalty class: potential (never bought), new, old, loyal."""
    t = loyalty_classes(purchase_days(ctx), as_of=ctx.as_of, customers=ctx.tables["customers"])
    return t.select("customer_id", "loyalty_class")


def activity_step(ctx: Context) -> ir.Table:
    """Trading-activity class (high-frequency … silent) by purchase days in a recent window."""
    t = activity_classes(
        purchase_days(ctx),
        as_of=ctx.as_of,
        window_days=ctx.params.activity_window_days,
        by=ctx.params.activity_by,
    )
    return t.select("customer_id", "activity_class")


def lifecycle_step(ctx: Context) -> ir.Table:
    """Lifecycle stage from the customer's own trajectory (exploration … termination)."""
    t = lifecycle_stages(purchase_days(ctx), as_of=ctx.as_of)
    return t.select("customer_id", "lifecycle_stage")
