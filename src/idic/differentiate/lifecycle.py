"""Lifecycle stage of each customer from their own transaction trajectory, as Ibis expressions.

The course's four stages (考察 exploration, 形成 formation, 稳定 stability, 退化
decline; 004:L713–721, 001 ch. 4 §1.2) plus termination (终止, 000 §3.1.2).
Decline is "the customer's volume with us falls" (000 §3.1.2); the text asks to
notice a move as it starts (004:L1459), so decline is judged against the
customer's *own* earlier volume while they still buy, before they are lost.

Input: ``transactions`` as in :mod:`idic.differentiate.grading_input`; rows after
``as_of`` are ignored. Volume is spend (``measure="spend"``, compared in cents,
exact on every engine) or purchase days (``measure="purchases"``).

Windows: W0 is the last ``window_days`` days up to and including the as-of day;
W1..WK (K = ``baseline_windows``) are the windows of the same length before it.
The **baseline** is the customer's mean volume per window over the W1..WK that
end on or after their first purchase day. The rule (:class:`LifecycleRules`,
thresholds as data), first match wins:

============  ===========================================================================
stage         when
============  ===========================================================================
termination   recency > ``max_silence_days``, or (bought on 2+ days and) recency >
              max(``gap_multiple`` × own mean gap between purchase days,
              ``min_silence_days``)
exploration   bought on one day only, or first purchase < ``exploration_days`` ago
decline       regular buyer, baseline > 0 and W0 volume <= ``decline_ratio`` × baseline
formation     the customer's history does not yet cover all K baseline windows (still
              forming), or regular buyer and W0 volume >= ``growth_ratio`` × baseline
stability     otherwise (steady volume, or too sparse a buyer to compare windows)
============  ===========================================================================

A *regular buyer* bought on at least ``min_baseline_purchases`` days per baseline
window on average: for sparser customers one window's volume is noise (a customer
who buys every four months has empty 90-day windows by nature), so only
termination can catch them.

``transactions`` may also be a purchase-day table from
:func:`idic.differentiate.purchase_days.daily_purchases` (shared between several
day-based computations of one run); ``as_of`` must then be a date.

:func:`stage_transitions` compares two stage tables (two snapshots) and returns
the customers whose stage changed: the transition events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import check_columns, cutoff
from idic.differentiate.purchase_days import days_up_to

STAGES = ("exploration", "formation", "stability", "decline", "termination")
_RATIO_UNITS = 10_000  # ratios are compared in ten-thousandths, as integers


@dataclass(frozen=True)
class LifecycleRules:
    """Thresholds of the lifecycle stages (see the module docstring)."""

    window_days: int = 90
    baseline_windows: int = 3
    exploration_days: int = 90
    decline_ratio: float = 0.5
    growth_ratio: float = 1.5
    gap_multiple: float = 3.0
    min_baseline_purchases: float = 2.0
    min_silence_days: int = 60
    max_silence_days: int = 365
    measure: Literal["spend", "purchases"] = "spend"

    def validate(self) -> None:
        for name in (
            "window_days",
            "baseline_windows",
            "exploration_days",
            "min_silence_days",
            "max_silence_days",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number, at least 1, not {value!r}")
        if not 0 < self.decline_ratio < 1:
            raise ValueError(f"decline_ratio must be between 0 and 1, not {self.decline_ratio!r}")
        if not 1 < self.growth_ratio <= 100:
            raise ValueError(f"growth_ratio must be above 1, not {self.growth_ratio!r}")
        if not 1 <= self.gap_multiple <= 1000:
            raise ValueError(f"gap_multiple must be at least 1, not {self.gap_multiple!r}")
        if not 0 <= self.min_baseline_purchases <= 1000:
            raise ValueError(
                f"min_baseline_purchases must be >= 0, not {self.min_baseline_purchases!r}"
            )
        if self.min_silence_days > self.max_silence_days:
            raise ValueError(
                f"min_silence_days ({self.min_silence_days}) must not exceed "
                f"max_silence_days ({self.max_silence_days})"
            )
        if self.measure not in ("spend", "purchases"):
            raise ValueError(f"measure must be 'spend' or 'purchases', not {self.measure!r}")


DEFAULT_LIFECYCLE_RULES = LifecycleRules()


def lifecycle_stages(
    transactions: ir.Table,
    *,
    as_of: dt.date,
    rules: LifecycleRules = DEFAULT_LIFECYCLE_RULES,
) -> ir.Table:
    """Each customer's lifecycle stage at ``as_of``.

    Returns ``customer_id, tenure_days, recency_days, purchase_days,
    mean_gap_days, window_volume, baseline_volume, lifecycle_stage``
    (``window_volume``: W0; ``baseline_volume``: mean per baseline window, null
    when no baseline window is in the customer's history; spend in money).
    """
    rules.validate()
    _, day = cutoff(as_of)
    w, k = rules.window_days, rules.baseline_windows
    daily = days_up_to(transactions, as_of)
    # window j holds the days (day - (j+1)w, day - jw]: days_ago // w == j
    as_of_day = ibis.literal(day, type="date")
    daily = daily.mutate(_window=as_of_day.delta(daily.day, unit="day") // w)

    def days(j: int) -> ir.IntegerValue:
        return daily.count(where=daily._window == j).cast("int64")

    def volume(j: int) -> ir.IntegerValue:
        if rules.measure == "spend":
            return daily.units.sum(where=daily._window == j).fill_null(0).cast("int64")
        return days(j)

    per = daily.group_by("customer_id").aggregate(
        first_day=daily.day.min(),
        last_day=daily.day.max(),
        purchase_days=daily.count().cast("int64"),
        **{f"_v{j}": volume(j) for j in range(k + 1)},
        **{f"_d{j}": days(j) for j in range(1, k + 1)},
    )
    tenure = as_of_day.delta(per.first_day, unit="day").cast("int64")
    recency = as_of_day.delta(per.last_day, unit="day").cast("int64")
    span = per.last_day.delta(per.first_day, unit="day").cast("int64")
    counted = [
        per.first_day <= ibis.literal(day - dt.timedelta(days=j * w)) for j in range(1, k + 1)
    ]
    base_sum = sum(
        (ibis.ifelse(c, per[f"_v{j}"], 0) for j, c in enumerate(counted, start=1)),
        ibis.literal(0, type="int64"),
    )
    base_days = sum(
        (ibis.ifelse(c, per[f"_d{j}"], 0) for j, c in enumerate(counted, start=1)),
        ibis.literal(0, type="int64"),
    )
    base_n = sum((ibis.ifelse(c, 1, 0) for c in counted), ibis.literal(0, type="int64"))
    per = per.mutate(
        tenure_days=tenure,
        recency_days=recency,
        _span=span,
        _base_sum=base_sum.cast("int64"),
        _base_days=base_days.cast("int64"),
        _base_n=base_n.cast("int64"),
    )
    last = per._v0
    decline_units = round(rules.decline_ratio * _RATIO_UNITS)
    growth_units = round(rules.growth_ratio * _RATIO_UNITS)
    gap_units = round(rules.gap_multiple * _RATIO_UNITS)
    # recency > gap_multiple * span / (n - 1)  <=>  recency * (n - 1) > gap_multiple * span
    overdue = (
        per.recency_days * (per.purchase_days - 1) * _RATIO_UNITS > per._span * gap_units
    ) & (per.recency_days > rules.min_silence_days)
    terminated = (per.recency_days > rules.max_silence_days) | ((per.purchase_days > 1) & overdue)
    exploring = (per.purchase_days == 1) | (per.tenure_days < rules.exploration_days)
    regular = (per._base_n > 0) & (
        per._base_days * 100 >= per._base_n * round(rules.min_baseline_purchases * 100)
    )
    declining = (
        regular
        & (per._base_sum > 0)
        & (last * per._base_n * _RATIO_UNITS <= per._base_sum * decline_units)
    )
    rising = regular & (last * per._base_n * _RATIO_UNITS >= per._base_sum * growth_units)
    young = per.first_day > ibis.literal(day + dt.timedelta(days=1 - (k + 1) * w))
    stage = ibis.cases(
        (terminated, "termination"),
        (exploring, "exploration"),
        (declining, "decline"),
        (young | rising, "formation"),
        else_="stability",
    )
    scale = 100.0 if rules.measure == "spend" else 1.0
    return per.select(
        "customer_id",
        "tenure_days",
        "recency_days",
        "purchase_days",
        mean_gap_days=(
            per._span.cast("float64") / (per.purchase_days - 1).cast("float64").nullif(0.0)
        ),
        window_volume=(last.cast("float64") / scale),
        baseline_volume=(
            per._base_sum.cast("float64") / per._base_n.cast("float64").nullif(0.0) / scale
        ),
        lifecycle_stage=stage,
    )


def stage_transitions(
    previous: ir.Table,
    current: ir.Table,
    *,
    stage_column: str = "lifecycle_stage",
    include_new: bool = True,
) -> ir.Table:
    """The customers whose stage differs between two snapshots.

    ``previous`` and ``current`` are ``(customer_id, <stage_column>)`` tables.
    Returns ``customer_id, from_stage, to_stage``; a customer absent from
    ``previous`` appears with a null ``from_stage`` when ``include_new``.
    Customers absent from ``current`` are not reported.
    """
    for table, name in ((previous, "previous"), (current, "current")):
        check_columns(table, {"customer_id": "integer"}, name=name)
        if stage_column not in table.schema():
            raise ValueError(f"{name} stage table lacks the column {stage_column!r}")
    prev = previous.select(_pid=previous.customer_id, from_stage=previous[stage_column])
    cur = current.select("customer_id", to_stage=current[stage_column])
    joined = cur.left_join(prev, cur.customer_id == prev._pid)
    changed = joined.from_stage != joined.to_stage
    if include_new:
        changed = changed | joined._pid.isnull()
    return joined.filter(changed.fill_null(False)).select("customer_id", "from_stage", "to_stage")
