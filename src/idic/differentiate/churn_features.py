"""Churn features and labels at a cut-off date, as Ibis expressions.

Input: ``transactions`` as in :mod:`idic.differentiate.grading_input`. A customer
is described at a cut-off by what they did up to it (features) and labelled by
what they did in the following window (label); rows after the cut-off never
reach the features. Both use calendar days; several receipts on one day are one
purchase, as in :mod:`idic.differentiate.rfm`.

Features per customer with a purchase at or before ``cutoff``:

- ``recency_days``: days from the last purchase day to the cut-off day;
- ``frequency``: purchase days; ``monetary``: total spend;
- ``tenure_days``: days from the first purchase day to the cut-off day;
- ``mean_gap_days``: (last - first purchase day) / (frequency - 1), null for one
  purchase day; ``recency_gap_ratio``: recency_days / mean_gap_days (null likewise);
- ``spend_last_window`` / ``spend_previous_window``: spend in the last
  ``window_days`` days up to the cut-off and in the ``window_days`` before those;
  ``trend``: their ratio, null when the previous window is empty.

Label (:func:`churn_labels`): ``churned`` = no purchase in the ``window_days``
days after the cut-off day, i.e. in (cutoff, cutoff + window_days].

Both accept the transactions table or a purchase-day table from
:func:`idic.differentiate.purchase_days.daily_purchases` (then the cut-off must
be a date).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import cutoff
from idic.differentiate.purchase_days import days_up_to, is_daily


def check_window_days(window_days: int) -> None:
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(
            f"window_days must be a whole number of days, at least 1, not {window_days!r}"
        )


def _midnight(day: dt.date) -> ir.TimestampValue:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")


def churn_features(
    transactions: ir.Table,
    *,
    cutoff_date: dt.date,
    window_days: int = 90,
    active_within_days: int | None = None,
) -> ir.Table:
    """Features of every customer at ``cutoff_date`` (a date: its purchases count).

    With ``active_within_days`` only customers whose recency is at most that many
    days are described (the population still worth predicting for).

    Returns ``customer_id, recency_days, frequency, monetary, tenure_days,
    mean_gap_days, recency_gap_ratio, spend_last_window, spend_previous_window,
    trend``.
    """
    check_window_days(window_days)
    if active_within_days is not None and (
        isinstance(active_within_days, bool)
        or not isinstance(active_within_days, int)
        or active_within_days < 0
    ):
        raise ValueError(
            f"active_within_days must be a whole number >= 0, not {active_within_days!r}"
        )
    _, day = cutoff(cutoff_date)
    daily = days_up_to(transactions, cutoff_date, what="the cut-off")
    last_start = ibis.literal(day - dt.timedelta(days=window_days - 1), type="date")
    previous_start = ibis.literal(day - dt.timedelta(days=2 * window_days - 1), type="date")
    in_last = daily.day >= last_start
    in_previous = (daily.day >= previous_start) & (daily.day < last_start)
    per = daily.group_by("customer_id").aggregate(
        first_day=daily.day.min(),
        last_day=daily.day.max(),
        frequency=daily.count().cast("int64"),
        monetary=daily.spend.sum().cast("float64"),
        spend_last_window=daily.spend.sum(where=in_last).fill_null(0.0).cast("float64"),
        spend_previous_window=daily.spend.sum(where=in_previous).fill_null(0.0).cast("float64"),
    )
    as_of_day = ibis.literal(day, type="date")
    recency = as_of_day.delta(per.last_day, unit="day").cast("int64")
    span = per.last_day.delta(per.first_day, unit="day").cast("float64")
    gaps = (per.frequency - 1).cast("float64").nullif(0.0)
    out = per.select(
        "customer_id",
        recency_days=recency,
        frequency=per.frequency,
        monetary=per.monetary,
        tenure_days=as_of_day.delta(per.first_day, unit="day").cast("int64"),
        mean_gap_days=span / gaps,
        # recency * (n - 1) / span: one quotient, so every engine rounds it alike
        recency_gap_ratio=recency.cast("float64") * gaps / span.nullif(0.0),
        spend_last_window=per.spend_last_window,
        spend_previous_window=per.spend_previous_window,
        trend=per.spend_last_window / per.spend_previous_window.nullif(0.0),
    )
    if active_within_days is not None:
        out = out.filter(out.recency_days <= active_within_days)
    return out


def churn_labels(
    transactions: ir.Table, *, cutoff_date: dt.date, window_days: int = 90
) -> ir.Table:
    """``customer_id, churned`` for every customer with a purchase at or before the cut-off.

    ``churned`` is true when the customer made no purchase in (cutoff, cutoff +
    window_days]. The data must run past the cut-off (ValueError otherwise); the
    caller vouches that the whole label window has been observed.
    """
    check_window_days(window_days)
    if isinstance(cutoff_date, dt.datetime) or not isinstance(cutoff_date, dt.date):
        raise ValueError(f"cutoff_date must be a date, not {cutoff_date!r}")
    known = days_up_to(transactions, cutoff_date, what="the cut-off").select("customer_id")
    known = known.distinct()
    whole = transactions
    first_day = cutoff_date + dt.timedelta(days=1)
    last_day = cutoff_date + dt.timedelta(days=window_days)
    if is_daily(whole):
        after = whole.day >= ibis.literal(first_day, type="date")
        inside = after & (whole.day <= ibis.literal(last_day, type="date"))
    else:
        after = whole.ts >= _midnight(first_day)
        inside = after & (whole.ts < _midnight(last_day + dt.timedelta(days=1)))
    later = whole.aggregate(n=whole.count(where=after)).to_pyarrow().to_pylist()[0]
    if not later["n"]:
        raise ValueError(
            f"no transaction after the cut-off {cutoff_date}: the label window "
            f"({cutoff_date}, {last_day}] is not observed; choose an earlier cut-off"
        )
    future = whole.filter(inside)
    buyers = future.select(_buyer=future.customer_id).distinct()
    joined = known.left_join(buyers, known.customer_id == buyers._buyer)
    return joined.select("customer_id", churned=joined._buyer.isnull())
