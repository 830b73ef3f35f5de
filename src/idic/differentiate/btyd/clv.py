"""Customer lifetime value: discounted expected margin from BG/NBD purchases and expected spend."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from . import _checks
from ._checks import FloatArray
from .bgnbd import BGNBDParams, expected_purchases


def customer_lifetime_value(
    params: BGNBDParams,
    *,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    spend: ArrayLike,
    margin: float,
    discount_rate: float,
    periods: int,
    period_length: float,
) -> FloatArray:
    """Discounted expected margin per customer over the next ``periods`` periods.

    ``CLV = sum_{k=1..K} (E[X(k d)] - E[X((k-1) d)]) * spend * margin / (1 + i)^k`` where
    ``E[X(t)]`` is the BG/NBD expected number of purchases in the next ``t`` time units given
    the customer's history, ``d`` is ``period_length``, ``K`` is ``periods`` and ``i`` is
    ``discount_rate``. Purchases in period ``k`` are discounted as if made at its end.

    Args:
        params: Fitted BG/NBD parameters.
        frequency: Repeat purchase counts.
        recency: Time of last purchase minus first purchase.
        T: Time from first purchase to the end of calibration.
        spend: Expected spend per purchase, one per customer or a single value (for example
            ``expected_average_spend`` from a Gamma-Gamma fit).
        margin: Share of spend kept as profit, between 0 and 1.
        discount_rate: Discount rate per period (0.01 for 1% a period), at least 0.
        periods: Number of periods in the horizon, at least 1.
        period_length: Length of one period in the summary's time unit (30/7 for months when
            the summary is in weeks).
    """
    x, tx, age = _checks.rfm(frequency, recency, T)
    value = _checks.float_vector("spend", spend)
    _checks.non_negative("spend", value)
    if value.size not in (1, x.size):
        _checks.same_length(spend=value, frequency=x)
    if not 0 <= margin <= 1:
        raise ValueError(f"margin must be a share between 0 and 1 (0.3 for 30%), got {margin!r}")
    if not (np.isfinite(discount_rate) and discount_rate >= 0):
        raise ValueError(
            f"discount_rate must be a finite rate per period of at least 0 (0.01 for 1%), "
            f"got {discount_rate!r}"
        )
    if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods < 1:
        raise ValueError(f"periods must be a whole number of periods, at least 1, got {periods!r}")
    if not (np.isfinite(period_length) and period_length > 0):
        raise ValueError(
            f"period_length must be a positive length in the summary's time unit, "
            f"got {period_length!r}"
        )

    total = np.zeros(x.size)
    previous = np.zeros(x.size)
    for k in range(1, int(periods) + 1):
        cumulative = expected_purchases(params, k * period_length, x, tx, age)
        total += (cumulative - previous) / (1.0 + discount_rate) ** k
        previous = cumulative
    return np.asarray(total * value * margin, dtype=np.float64)
