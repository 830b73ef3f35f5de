"""Customer value in money: historical value (profit to date) and lifetime value by NPV.

Input: ``transactions(customer_id int64, ts timestamp, amount float64, cost float64
nullable)`` (see :mod:`idic.differentiate.grading_input`). Rows after ``as_of``
are ignored, as in :mod:`idic.differentiate.rfm`; the rows up to ``as_of`` must be
non-empty, null-free in ``customer_id``/``ts``/``amount``, with ``amount >= 0``
and ``cost >= 0`` where a cost is known (otherwise ValueError).

**Line profit** (the course's "贡献", Q): ``amount - cost``. When ``cost`` is
null (or NaN), or the table has no ``cost`` column, the line is assumed to earn
``default_margin`` of its amount: profit ``amount * default_margin`` (0.25 = a
25 % gross margin). A cost above the amount is allowed: that line loses money,
and a customer whose lines lose money in total has a negative historical value
(a below-zero customer of :mod:`idic.differentiate.value_matrix`).

**Historical value** (历史价值, 001 ch. 4 §1.3): the sum of line profits up to
``as_of``. Amounts and costs (known or estimated) are rounded half up to the cent
line by line and summed as whole cents, so the sums are exact and every engine
returns the same figures.

**Lifetime value by NPV** (实际价值, 001 ch. 4 §1.5.2): ``V = sum_{t=0..T}
(Q_t - C_t) / (1 + i)^t`` with horizon ``T`` periods and discount rate ``i`` per
period, evaluated by :func:`npv`. The texts leave Q_t to a forecast that
"assumes the customer's current buying pattern continues"; the projection rule
used by :func:`npv_value` is:

- ``Q_t`` (every t = 0..T, so T + 1 flows; t = 0 is the period that starts at
  ``as_of`` and is not discounted, exactly as the course's formula reads) = the
  customer's average profit per period over their recent history: profit in the
  last ``lookback_periods`` periods up to ``as_of``, divided by the observed part
  of that window in periods. The observed part starts at the customer's first
  purchase and counts at least one period, so a customer who first bought last
  week is not extrapolated from a few days to a whole period.
- ``C_t`` = ``serving_cost`` per period (the course's "投入": what we spend on
  keeping the customer beyond the cost of goods), 0 by default.

So ``V = (margin_per_period - serving_cost) * sum_{t=0..T} (1 + i)^-t``: a
customer who stopped buying more than ``lookback_periods`` ago projects nothing.
"""

from __future__ import annotations

import datetime as dt
import math

import ibis
import ibis.expr.types as ir
import numpy as np
from numpy.typing import ArrayLike, NDArray

from idic.differentiate.grading_input import (
    check_columns,
    checked_transactions,
    cutoff,
    money_units,
    up_to,
)

DEFAULT_MARGIN = 0.25


def _check_share(value: float, what: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1):
        raise ValueError(f"{what} must be a share between 0 and 1 (0.25 for 25 %), got {value!r}")


def _check_rate(rate: float) -> None:
    if not (isinstance(rate, int | float) and math.isfinite(rate) and rate >= 0):
        raise ValueError(
            f"discount rate must be a finite rate per period of at least 0 (0.08 for 8 %), "
            f"got {rate!r}"
        )


def npv(cashflows: ArrayLike, rate: float) -> float | NDArray[np.float64]:
    """Net present value ``sum_t cashflows[t] / (1 + rate)^t`` for t = 0, 1, ...

    ``cashflows`` is one series (returns a float) or a 2-D array with one series
    per row (returns one value per row). The first flow (t = 0) is not discounted.
    """
    flows = np.asarray(cashflows, dtype=np.float64)
    if flows.ndim not in (1, 2) or flows.shape[-1] == 0:
        raise ValueError(
            f"cashflows must be a non-empty series (or one series per row), got shape {flows.shape}"
        )
    if not np.all(np.isfinite(flows)):
        raise ValueError("cashflows must be finite numbers; replace missing flows by 0")
    _check_rate(rate)
    factors = (1.0 + float(rate)) ** -np.arange(flows.shape[-1], dtype=np.float64)
    out = flows @ factors
    return float(out) if flows.ndim == 1 else np.asarray(out, dtype=np.float64)


def annuity_factor(horizon: int, rate: float) -> float:
    """``sum_{t=0..horizon} (1 + rate)^-t``: the NPV of 1 per period for T + 1 periods."""
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 0:
        raise ValueError(f"horizon must be a whole number of periods, at least 0, got {horizon!r}")
    return float(npv(np.ones(horizon + 1), rate))


def _in_scope(transactions: ir.Table, as_of: dt.date, default_margin: float) -> ir.Table:
    """Checked rows up to ``as_of`` with line amount, cost and profit in whole cents."""
    _check_share(default_margin, "default_margin")
    t = checked_transactions(
        transactions,
        scope=lambda table: up_to(table, as_of),
        scope_text=f"at or before as_of {as_of}",
    )
    if "cost" in t.schema():
        check_columns(t, {"cost": "numeric"}, name="transactions")
        negative = t.aggregate(n=t.count(where=t.cost < 0)).to_pyarrow().to_pylist()[0]["n"]
        if negative:
            raise ValueError(
                f"{negative} transaction(s) at or before as_of {as_of} have a negative cost; "
                "a cost is what the line cost us, >= 0 (leave it empty when unknown)"
            )
        cost = t.cost.cast("float64")
        estimated = cost.isnull() | cost.isnan()  # NaN from an Arrow float column: unknown too
    else:
        cost = ibis.null("float64")
        estimated = ibis.literal(True)
    line_cost = ibis.ifelse(estimated, t.amount * (1.0 - default_margin), cost)
    amount_cents = money_units(t.amount, 2)
    cost_cents = money_units(line_cost, 2)
    return t.mutate(
        amount_cents=amount_cents,
        cost_cents=cost_cents,
        profit_cents=(amount_cents - cost_cents).cast("int64"),
        estimated=estimated,
    )


def historical_value(
    transactions: ir.Table, *, as_of: dt.date, default_margin: float = DEFAULT_MARGIN
) -> ir.Table:
    """Profit to date per customer.

    Returns ``customer_id, revenue, cost, historical_value, estimated_lines`` where
    ``cost`` includes the estimated cost of lines without one and ``estimated_lines``
    counts those lines.
    """
    t = _in_scope(transactions, as_of, default_margin)
    return t.group_by("customer_id").aggregate(
        revenue=(t.amount_cents.sum() / 100.0).cast("float64"),
        cost=(t.cost_cents.sum() / 100.0).cast("float64"),
        historical_value=(t.profit_cents.sum() / 100.0).cast("float64"),
        estimated_lines=t.count(where=t.estimated),
    )


def npv_value(
    transactions: ir.Table,
    *,
    as_of: dt.date,
    horizon: int = 5,
    rate: float = 0.08,
    period_days: int = 365,
    lookback_periods: int = 3,
    serving_cost: float = 0.0,
    default_margin: float = DEFAULT_MARGIN,
) -> ir.Table:
    """Lifetime value by the course's NPV formula under the projection rule of this module.

    Args:
        transactions: the transactions table.
        as_of: a date (its purchases count) or a naive datetime.
        horizon: T, the last period of the sum (T + 1 flows, t = 0..T).
        rate: i, the discount rate per period (0.08 = 8 % a year with yearly periods).
        period_days: length of one period in days (365 = years).
        lookback_periods: how many periods of recent history set the projected margin.
        serving_cost: C_t, the cost of serving the customer per period, >= 0.
        default_margin: margin assumed for lines without a cost.

    Returns:
        ``customer_id, margin_per_period, npv_value`` for every customer with a
        purchase at or before ``as_of``.
    """
    factor = annuity_factor(horizon, rate)
    for value, what in ((period_days, "period_days"), (lookback_periods, "lookback_periods")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be a whole number, at least 1, got {value!r}")
    if not (isinstance(serving_cost, int | float) and math.isfinite(serving_cost)):
        raise ValueError(f"serving_cost must be a finite amount per period, got {serving_cost!r}")
    if serving_cost < 0:
        raise ValueError(f"serving_cost must be >= 0 (a cost per period), got {serving_cost!r}")
    t = _in_scope(transactions, as_of, default_margin)
    _, day = cutoff(as_of)
    window_days = lookback_periods * period_days
    window_start = dt.datetime.combine(day + dt.timedelta(days=1 - window_days), dt.time())
    recent = t.ts >= ibis.literal(window_start, type="timestamp")
    per = t.group_by("customer_id").aggregate(
        first_day=t.ts.date().min(),
        recent_profit=(t.profit_cents.sum(where=recent).fill_null(0) / 100.0).cast("float64"),
    )
    tenure = ibis.literal(day, type="date").delta(per.first_day, unit="day") + 1
    observed = ibis.greatest(ibis.least(tenure, window_days), period_days).cast("float64")
    per_period = per.recent_profit * float(period_days) / observed
    return per.select(
        "customer_id",
        margin_per_period=per_period.cast("float64"),
        npv_value=((per_period - float(serving_cost)) * factor).cast("float64"),
    )
