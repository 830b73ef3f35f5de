"""Concentration of value: top-share (Pareto) table, Lorenz curve and Gini coefficient.

Input: any per-customer table ``(customer_id int64, <column> numeric)``, one row
per customer, e.g. :func:`idic.differentiate.grading_input.customer_spend`
(``column="spend"``). Values must be >= 0 for the Lorenz curve and the Gini
coefficient to mean anything (margins of loss-making customers do not).

Ordering is the one of :func:`~idic.differentiate.grading_input.by_value_rank`:
value rounded to ``precision`` decimals, highest first, ties by ``customer_id``.
"The top p %" are the customers at 0-based position ``q < p * N / 100``, i.e.
``ceil(p * N / 100)`` customers (at least one when p > 0). Percentages carry at
most two decimals.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import by_value_rank, percent_hundredths


def top_shares(
    values: ir.Table,
    *,
    column: str = "spend",
    percents: Sequence[float] = (1, 5, 20),
    precision: int = 2,
) -> ir.Table:
    """Share of total value held by the top ``p`` % of customers, one row per ``p``.

    Columns: ``top_pct`` (p), ``customers`` (how many that is), ``value_share_pct``.
    The Pareto rule of the course reads as the row ``top_pct = 20``.
    """
    if not percents:
        raise ValueError("percents must name at least one top share, e.g. (1, 5, 20)")
    ranked = by_value_rank(values, column, precision=precision)
    value = ranked[column]
    total = value.sum().nullif(0.0)
    parts = []
    for pct in percents:
        top = ranked.position * 10_000 < percent_hundredths(pct, "top share") * ranked.customers
        parts.append(
            ranked.aggregate(
                top_pct=ibis.literal(float(pct), type="float64"),
                customers=ranked.count(where=top),
                value_share_pct=(100.0 * value.sum(where=top).fill_null(0.0) / total).cast(
                    "float64"
                ),
            )
        )
    return ibis.union(*parts).order_by("top_pct")


def lorenz_curve(
    values: ir.Table, *, column: str = "spend", points: int | None = 100, precision: int = 2
) -> ir.Table:
    """Lorenz curve: cumulative value share against cumulative customer share.

    Customers are taken poorest first (the exact reverse of the value ranking).
    With ``points = P`` the curve keeps the customers j (1-based) at which
    ``floor(j * P / N)`` steps up, so about P points ending at (1, 1); ``None``
    keeps every customer. The origin (0, 0) is implied and not returned.

    Columns: ``point`` (j), ``customer_share``, ``value_share`` (both 0..1).
    """
    if points is not None and points < 1:
        raise ValueError(f"points must be a positive number of curve points, not {points}")
    ranked = by_value_rank(values, column, precision=precision)
    n = ranked.customers
    j = n - ranked.position  # 1 = poorest customer
    curve = ranked.mutate(
        point=j.cast("int64"),
        cumulative=ranked[column].cumsum(order_by=ranked.position.desc()),
        total=ranked[column].sum().over(),
    )
    if points is not None:
        curve = curve.filter((curve.point * points) // n != ((curve.point - 1) * points) // n)
    return curve.select(
        "point",
        customer_share=curve.point.cast("float64") / curve.customers.cast("float64"),
        value_share=(curve.cumulative / curve.total.nullif(0.0)).cast("float64"),
    ).order_by("point")


def gini(values: ir.Table, *, column: str = "spend", precision: int = 2) -> ir.Table:
    """Gini coefficient of ``column`` over customers, as a one-row table.

    ``G = sum_j (2j - N - 1) x_j / (N * sum x)`` with x sorted ascending (j = 1..N):
    0 when everyone is worth the same, (N - 1) / N when one customer holds all.
    Rounding noise below zero is clipped to 0; null when the total is 0.

    Columns: ``customers``, ``total``, ``gini``.
    """
    ranked = by_value_rank(values, column, precision=precision)
    n = ranked.customers.cast("float64")
    j = n - ranked.position.cast("float64")
    weighted = ((2.0 * j - n - 1.0) * ranked[column]).sum()
    total = ranked[column].sum()
    count = ranked.count()
    g = weighted / (count.cast("float64") * total.nullif(0.0))
    return ranked.aggregate(
        customers=count,
        total=total.cast("float64"),
        gini=ibis.ifelse(g < 0.0, 0.0, g).cast("float64"),
    )
