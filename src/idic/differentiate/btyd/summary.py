"""Per-customer frequency / recency / T / monetary summary of a transaction log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _checks
from ._checks import FloatArray


@dataclass(frozen=True)
class CustomerSummary:
    """One entry per customer, ordered by id; times are in units of ``unit_days``."""

    ids: NDArray[Any]
    frequency: FloatArray
    recency: FloatArray
    T: FloatArray
    monetary: FloatArray

    def __len__(self) -> int:
        """Number of customers."""
        return int(self.ids.size)


def summarise(
    customer_ids: ArrayLike,
    dates: ArrayLike | Sequence[dt.date],
    amounts: ArrayLike,
    *,
    calibration_end: dt.date | np.datetime64 | str,
    unit_days: float = 7,
) -> CustomerSummary:
    """Summarise transactions into the BTYD inputs, one row per customer.

    Purchases are grouped by calendar day: several transactions on one day count as one
    purchase whose amount is their total. Transactions after ``calibration_end`` (inclusive
    date) are ignored, as are customers whose first purchase comes after it.

    Args:
        customer_ids: Customer of each transaction (any sortable values).
        dates: Date of each transaction (``datetime64``, ``date``/naive ``datetime`` or ISO
            strings); times of day are dropped. Time-zone-aware values are refused.
        amounts: Spend of each transaction; must not be negative.
        calibration_end: Last day of the calibration period.
        unit_days: Length of the time unit in days (7 gives weeks).

    Returns:
        ``frequency``: repeat purchase days (distinct purchase days minus one);
        ``recency``: last purchase day minus first, in units; ``T``: ``calibration_end`` minus
        first purchase day, in units; ``monetary``: mean daily total over the repeat purchase
        days (the first day excluded), 0 when ``frequency`` is 0.
    """
    ids = np.asarray(customer_ids)
    if ids.ndim != 1:
        raise ValueError(f"customer_ids must be one-dimensional, got shape {ids.shape}")
    if ids.size == 0:
        raise ValueError("customer_ids is empty; pass at least one transaction")
    days = _as_days("dates", dates)
    spend = _checks.float_vector("amounts", amounts)
    _checks.same_length(customer_ids=ids, dates=days, amounts=spend)
    if ids.dtype.kind == "f" and np.isnan(ids).any():
        raise ValueError("customer_ids contains NaN; drop transactions without a customer")
    if (spend < 0).any():
        where = int(np.flatnonzero(spend < 0)[0])
        raise ValueError(
            f"amounts must not be negative (found {spend[where]!r} at position {where}); "
            "net returns against their purchases before summarising"
        )
    if not unit_days > 0 or not np.isfinite(unit_days):
        raise ValueError(f"unit_days must be a positive number of days, got {unit_days!r}")
    end = _as_days("calibration_end", np.asarray([calibration_end]))[0]

    kept = days <= end
    if not kept.any():
        raise ValueError(
            f"no transaction falls on or before calibration_end {end}; choose a later date"
        )
    ids, days, spend = ids[kept], days[kept].astype(np.int64), spend[kept]

    customers, customer = np.unique(ids, return_inverse=True)
    customer = customer.reshape(-1)
    # One row per (customer, day), ordered by customer then day, with the day's total spend.
    order = np.lexsort((days, customer))
    customer, days, spend = customer[order], days[order], spend[order]
    new_day = np.ones(customer.size, dtype=bool)
    new_day[1:] = (customer[1:] != customer[:-1]) | (days[1:] != days[:-1])
    starts = np.flatnonzero(new_day)
    day_customer = customer[starts]
    day_date = days[starts]
    day_total = np.add.reduceat(spend, starts)

    n_days = np.bincount(day_customer, minlength=customers.size)
    first_row = np.concatenate(([0], np.cumsum(n_days)[:-1]))
    last_row = first_row + n_days - 1
    first_day = day_date[first_row]
    frequency = (n_days - 1).astype(np.float64)
    repeat_day = np.ones(day_customer.size, dtype=bool)
    repeat_day[first_row] = False
    repeat_spend = np.bincount(
        day_customer[repeat_day], weights=day_total[repeat_day], minlength=customers.size
    )
    monetary = np.divide(repeat_spend, frequency, out=np.zeros(customers.size), where=frequency > 0)
    return CustomerSummary(
        ids=customers,
        frequency=frequency,
        recency=(day_date[last_row] - first_day) / float(unit_days),
        T=(end.astype(np.int64) - first_day) / float(unit_days),
        monetary=monetary,
    )


def _as_days(name: str, values: Any) -> NDArray[np.datetime64]:
    """Convert dates to ``datetime64[D]``, rejecting missing or unparseable values."""
    raw = np.asarray(values)
    if raw.dtype == object and any(getattr(v, "tzinfo", None) is not None for v in raw.flat):
        raise ValueError(
            f"{name} carry time zones; convert them to local calendar dates first "
            "(for example with .date() on each value) so purchases fall on the right day"
        )
    try:
        days = raw.astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must hold dates (datetime64, date/datetime or ISO 'YYYY-MM-DD' strings): {exc}"
        ) from exc
    if days.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {days.shape}")
    if np.isnat(days).any():
        where = int(np.flatnonzero(np.isnat(days))[0])
        raise ValueError(f"{name} has a missing date at position {where}; drop or repair it")
    return days
