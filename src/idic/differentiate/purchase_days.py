"""Transactions collapsed to purchase days: one row per customer and calendar day.

Several receipts on one day are one purchase (as in :mod:`idic.differentiate.rfm`
and the BTYD literature). The day-based classifications (lifecycle, activity,
loyalty, churn features and labels) work on this grain. Each accepts either the
transactions table or a purchase-day table from :func:`daily_purchases`: a
scoring run that calls several of them can aggregate (and cache) the days once
and pass the result to all, instead of each grouping tens of millions of
transactions again. Purchase-day tables can only be cut at whole days, so
``as_of`` must then be a date.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import checked_transactions, money_units, up_to

DAY_COLUMNS = ("customer_id", "day", "spend", "units")


def aggregate_days(transactions: ir.Table, *, precision: int = 2) -> ir.Table:
    """``customer_id, day, spend, units`` of already-checked transactions.

    ``units`` is the day's spend in integer money units (cents by default), summed
    line by line so that every engine gets the same integers.
    """
    day = transactions.ts.date()
    return transactions.group_by(["customer_id", day.name("day")]).aggregate(
        spend=transactions.amount.sum().cast("float64"),
        units=money_units(transactions.amount, precision).sum().cast("int64"),
    )


def daily_purchases(transactions: ir.Table) -> ir.Table:
    """Check the whole transactions table and return its purchase days (see module docs)."""
    return aggregate_days(checked_transactions(transactions))


def is_daily(table: ir.Table) -> bool:
    """Whether ``table`` is a purchase-day table rather than transactions."""
    schema = table.schema()
    return all(c in schema for c in DAY_COLUMNS) and "ts" not in schema


def days_up_to(source: ir.Table, as_of: dt.date, *, what: str = "as_of") -> ir.Table:
    """Purchase days at or before ``as_of`` from transactions or a purchase-day table.

    Transactions are checked as in :func:`~idic.differentiate.grading_input.
    checked_transactions` (rows after ``as_of`` ignored); a purchase-day table
    must hold at least one day at or before ``as_of``, which must be a date.
    """
    if not is_daily(source):
        t = checked_transactions(
            source,
            scope=lambda table: up_to(table, as_of),
            scope_text=f"at or before {what} {as_of}",
        )
        return aggregate_days(t)
    if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
        raise ValueError(
            f"{what} {as_of!r} must be a date with a purchase-day table; pass the "
            "transactions table to cut within a day"
        )
    scoped = source.filter(source.day <= ibis.literal(as_of, type="date"))
    if not scoped.count().to_pyarrow().as_py():
        raise ValueError(
            f"no purchase day at or before {what} {as_of}; choose a date within the data"
        )
    return scoped
