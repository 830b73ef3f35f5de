"""Trading-activity classes (004:L1031–1041) as an Ibis expression.

The text's broker sorts customers by how much they trade: high-frequency (under
5 % of customers), active (about 10 %), trading (25 %), inactive (30 %) and
silent (over 30 %: once traded, now almost never). The measure here is
``recent_purchases``: distinct purchase days in the ``window_days`` days up to
and including the as-of day. Every customer with a purchase at or before
``as_of`` is classed; rows after ``as_of`` are ignored.

``transactions`` may also be a purchase-day table from
:func:`idic.differentiate.purchase_days.daily_purchases` (shared between several
day-based computations of one run); ``as_of`` must then be a date.

Two modes, both rules as data:

- ``by="share"`` (:data:`DEFAULT_ACTIVITY_SHARES`): customers are ranked by
  ``recent_purchases``, most first. With N customers and cumulative shares C_j,
  a customer is in the first class j such that the customers at least as active
  as them (themselves included) are no more than C_j % of N. So a class never
  holds more than its share; a block of equally active customers that would
  overflow a class drops whole into the next one (ties never split). Customers
  without a purchase in the window are always in the last class.
- ``by="threshold"`` (:data:`DEFAULT_ACTIVITY_THRESHOLDS`): the first class whose
  ``min_purchases`` the customer reaches; the last class must accept 0.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import cutoff
from idic.differentiate.purchase_days import days_up_to
from idic.differentiate.pyramid import Grade, cumulative_hundredths


@dataclass(frozen=True)
class ActivityThreshold:
    """A class reached with at least ``min_purchases`` purchase days in the window."""

    name: str
    min_purchases: int


DEFAULT_ACTIVITY_SHARES: tuple[Grade, ...] = (
    Grade("high-frequency", 5),
    Grade("active", 10),
    Grade("trading", 25),
    Grade("inactive", 30),
    Grade("silent", 30),
)
DEFAULT_ACTIVITY_THRESHOLDS: tuple[ActivityThreshold, ...] = (
    ActivityThreshold("high-frequency", 24),
    ActivityThreshold("active", 12),
    ActivityThreshold("trading", 4),
    ActivityThreshold("inactive", 1),
    ActivityThreshold("silent", 0),
)


def validate_thresholds(thresholds: Sequence[ActivityThreshold]) -> None:
    """Names distinct, minimums strictly decreasing, the last class accepting 0."""
    if not thresholds:
        raise ValueError("at least one activity class is needed")
    names = [t.name for t in thresholds]
    if len(set(names)) != len(names) or not all(names):
        raise ValueError(f"activity class names must be non-empty and distinct, got {names}")
    mins = [t.min_purchases for t in thresholds]
    if any(isinstance(m, bool) or not isinstance(m, int) for m in mins):
        raise ValueError(f"min_purchases must be whole numbers, got {mins}")
    if any(a <= b for a, b in itertools.pairwise(mins)) or mins[-1] != 0:
        raise ValueError(
            f"min_purchases must fall strictly from class to class and end at 0, got {mins}"
        )


def _recent(transactions: ir.Table, as_of: dt.date, window_days: int) -> ir.Table:
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 1:
        raise ValueError(
            f"window_days must be a whole number of days, at least 1, not {window_days!r}"
        )
    _, day = cutoff(as_of)
    daily = days_up_to(transactions, as_of)
    in_window = daily.day >= ibis.literal(day - dt.timedelta(days=window_days - 1), type="date")
    return daily.group_by("customer_id").aggregate(
        recent_purchases=daily.count(where=in_window).cast("int64")
    )


def activity_classes(
    transactions: ir.Table,
    *,
    as_of: dt.date,
    window_days: int = 90,
    by: Literal["share", "threshold"] = "share",
    shares: Sequence[Grade] = DEFAULT_ACTIVITY_SHARES,
    thresholds: Sequence[ActivityThreshold] = DEFAULT_ACTIVITY_THRESHOLDS,
) -> ir.Table:
    """Each customer's trading-activity class.

    Returns ``customer_id, recent_purchases, activity_class, activity_rank``
    (``activity_rank`` 1 = the most active class).
    """
    if by == "share":
        cumulative = cumulative_hundredths(shares)
        names: list[str] = [g.name for g in shares]
    elif by == "threshold":
        validate_thresholds(thresholds)
        names = [t.name for t in thresholds]
    else:
        raise ValueError(f"by must be 'share' or 'threshold', not {by!r}")
    per = _recent(transactions, as_of, window_days)
    count = per.recent_purchases
    if by == "share":
        n = per.customer_id.count().over()
        at_least = n - ibis.rank().over(order_by=count.asc())  # customers with >= my count
        tests = [(count > 0) & (at_least * 10_000 <= n * c) for c in cumulative[:-1]]
    else:
        tests = [count >= t.min_purchases for t in thresholds[:-1]]
    last = len(names)
    if not tests:  # a single class takes everyone
        return per.mutate(
            activity_class=ibis.literal(names[0]), activity_rank=ibis.literal(1, type="int64")
        )
    return per.mutate(
        activity_class=ibis.cases(
            *[(test, ibis.literal(name)) for test, name in zip(tests, names, strict=False)],
            else_=ibis.literal(names[-1]),
        ),
        activity_rank=ibis.cases(
            *[(test, ibis.literal(k, type="int64")) for k, test in enumerate(tests, start=1)],
            else_=ibis.literal(last, type="int64"),
        ),
    )
