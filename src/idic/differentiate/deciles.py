"""Decile analysis (十分制分析, 001 ch. 4 §1.1) as Ibis expressions.

Input: ``transactions(customer_id int64, ts timestamp, amount float64, cost float64
nullable)`` (see :mod:`idic.differentiate.grading_input`); only rows with
``start <= ts < end`` count, so a one-year window gives the course's "average
annual spend". Customers without a purchase in the window are not graded.

Customers are ranked by spend, highest first (spend rounded half up to
``precision`` decimals; equal spends ordered by ``customer_id`` ascending), and
cut into ten equal groups: the customer at 0-based position p of N falls in
decile ``1 + floor(10 * p / N)``. Decile 1 holds the most valuable customers;
group sizes differ by at most one (with N < 10 some deciles are empty and have
no row in the table).
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from idic.differentiate.grading_input import by_value_rank, customer_spend


def decile_assignments(
    transactions: ir.Table,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    precision: int = 2,
) -> ir.Table:
    """Each customer's decile.

    Returns ``customer_id, spend, transactions, value_rank, decile`` where
    ``value_rank`` is 1 for the most valuable customer and ``decile`` is 1..10.
    """
    ranked = by_value_rank(
        customer_spend(transactions, start=start, end=end), "spend", precision=precision
    )
    return ranked.select(
        "customer_id",
        "spend",
        "transactions",
        value_rank=(ranked.position + 1).cast("int64"),
        decile=(1 + (ranked.position * 10) // ranked.customers).cast("int64"),
    )


def decile_table(
    transactions: ir.Table,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    precision: int = 2,
) -> ir.Table:
    """The course's decile table, one row per non-empty decile.

    Columns: ``decile``; ``customers``; ``min_spend`` and ``max_spend`` (the
    spend range of the group); ``avg_spend``; ``avg_transactions`` (transaction
    rows per customer); ``spend`` (group total); ``spend_share_pct`` (share of
    all spend, %); ``cumulative_share_pct`` (deciles 1..this one, %).
    """
    a = decile_assignments(transactions, start=start, end=end, precision=precision)
    g = a.group_by("decile").aggregate(
        customers=a.count(),
        min_spend=a.spend.min(),
        max_spend=a.spend.max(),
        avg_spend=a.spend.mean(),
        avg_transactions=a.transactions.mean().cast("float64"),
        spend=a.spend.sum(),
    )
    total = g.spend.sum().over().nullif(0.0)
    return g.mutate(
        spend_share_pct=100.0 * g.spend / total,
        cumulative_share_pct=100.0 * g.spend.cumsum(order_by=g.decile) / total,
    ).order_by("decile")
