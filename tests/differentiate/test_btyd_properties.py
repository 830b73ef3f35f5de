"""Hypothesis property tests for the BTYD functions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.differentiate.btyd import (
    BGNBDParams,
    GammaGammaParams,
    ParetoNBDParams,
    customer_lifetime_value,
    expected_average_spend,
    expected_purchases,
    probability_alive,
    summarise,
)

positive = st.floats(min_value=0.02, max_value=30.0, allow_nan=False, allow_infinity=False)
share = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)
ages = st.floats(min_value=0.0, max_value=300.0, allow_nan=False, allow_infinity=False)
counts = st.integers(min_value=0, max_value=5000)


@st.composite
def customers(draw: st.DrawFn) -> tuple[float, float, float]:
    """One (frequency, recency, T) triple that a real summary could produce."""
    age = draw(ages)
    frequency = draw(counts)
    recency = draw(share) * age if frequency > 0 else 0.0
    return float(frequency), recency, age


bgnbd_params = st.builds(BGNBDParams, r=positive, alpha=positive, a=positive, b=positive)
pareto_params = st.builds(ParetoNBDParams, r=positive, alpha=positive, s=positive, beta=positive)


@settings(deadline=None)
@given(params=bgnbd_params, customer=customers())
def test_bgnbd_probability_alive_is_a_probability(params, customer):
    # given any parameters and any customer
    frequency, recency, age = customer

    # when P(alive) is computed
    alive = probability_alive(params, [frequency], [recency], [age])[0]

    # then it is in [0, 1], and exactly 1 for someone who never bought again
    assert 0.0 <= alive <= 1.0
    if frequency == 0:
        assert alive == 1.0


@settings(deadline=None)
@given(params=pareto_params, customer=customers())
def test_pareto_nbd_probability_alive_is_a_finite_probability(params, customer):
    # given any parameters and any customer, including very heavy buyers
    frequency, recency, age = customer

    # when P(alive) is computed
    alive = probability_alive(params, [frequency], [recency], [age])[0]

    # then it is a finite number in [0, 1], and 1 when the last purchase is at T
    assert np.isfinite(alive)
    assert 0.0 <= alive <= 1.0
    if recency == age:
        assert alive == pytest.approx(1.0)


@settings(deadline=None)
@given(
    params=bgnbd_params,
    customer=customers(),
    t=st.floats(min_value=0.0, max_value=500.0),
    extra=st.floats(min_value=0.5, max_value=500.0),
)
def test_expected_purchases_are_non_negative_and_grow_with_the_horizon(params, customer, t, extra):
    # given any parameters, any customer and two horizons, the second longer
    frequency, recency, age = customer

    # when the expected purchases over both horizons are computed
    shorter = expected_purchases(params, t, [frequency], [recency], [age])[0]
    longer = expected_purchases(params, t + extra, [frequency], [recency], [age])[0]

    # then both are finite and non-negative and the longer horizon expects no fewer
    assert np.isfinite(shorter) and np.isfinite(longer)
    assert shorter >= 0.0
    assert longer >= shorter * (1 - 1e-9)
    if t == 0:
        assert shorter == 0.0


@settings(deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=5),
            st.integers(min_value=0, max_value=60),
            st.floats(min_value=0.0, max_value=1000.0, allow_nan=False),
        ),
        min_size=1,
        max_size=60,
    ),
    end=st.integers(min_value=0, max_value=60),
    unit_days=st.sampled_from([1, 7, 30]),
)
def test_summarise_is_consistent_with_the_transactions(rows, end, unit_days):
    # given a random transaction log over 60 days
    ids = np.array([row[0] for row in rows])
    dates = np.datetime64("2020-01-01") + np.array([row[1] for row in rows])
    amounts = np.array([row[2] for row in rows])
    # (never before the first purchase: an empty calibration period is an error case)
    calibration_end = max(np.datetime64("2020-01-01") + end, dates.min())

    # when it is summarised
    summary = summarise(ids, dates, amounts, calibration_end=calibration_end, unit_days=unit_days)

    # then per customer: frequency < distinct purchase days, recency <= T, and spend adds up
    kept = dates <= calibration_end
    for i, customer in enumerate(summary.ids):
        mine = kept & (ids == customer)
        days = np.unique(dates[mine])
        first_day_total = amounts[mine & (dates == days[0])].sum()
        assert summary.frequency[i] <= days.size - 1
        assert summary.frequency[i] == days.size - 1
        assert 0 <= summary.recency[i] <= summary.T[i]
        repeat_total = summary.monetary[i] * summary.frequency[i]
        assert repeat_total == pytest.approx(amounts[mine].sum() - first_day_total, abs=1e-6)
    assert set(summary.ids.tolist()) == set(ids[kept].tolist())


@settings(deadline=None)
@given(
    params=bgnbd_params,
    customer=customers(),
    spend=st.floats(min_value=0.0, max_value=1e4),
    rate=st.floats(min_value=0.0, max_value=0.5),
    periods=st.integers(min_value=1, max_value=24),
)
def test_clv_is_zero_without_margin_and_falls_with_the_discount_rate(
    params, customer, spend, rate, periods
):
    # given any parameters, customer, spend, discount rate and horizon
    frequency, recency, age = customer
    common = {
        "frequency": [frequency],
        "recency": [recency],
        "T": [age],
        "spend": [spend],
        "periods": periods,
        "period_length": 4.0,
    }

    # when CLV is computed with no margin, and with a margin at two discount rates
    none = customer_lifetime_value(params, margin=0.0, discount_rate=rate, **common)[0]
    low = customer_lifetime_value(params, margin=0.5, discount_rate=rate, **common)[0]
    high = customer_lifetime_value(params, margin=0.5, discount_rate=rate + 0.1, **common)[0]

    # then no margin means no value, and a higher rate never raises a non-negative value
    assert none == 0.0
    assert low >= 0.0
    assert high <= low * (1 + 1e-9) + 1e-12


@settings(deadline=None)
@given(
    p=positive,
    q=st.floats(min_value=1.01, max_value=30.0),
    gamma=positive,
    frequency=st.integers(min_value=0, max_value=1000),
    monetary=st.floats(min_value=0.01, max_value=1e5),
)
def test_expected_spend_lies_between_own_and_population_mean(p, q, gamma, frequency, monetary):
    # given any Gamma-Gamma parameters and a customer's mean repeat spend
    params = GammaGammaParams(p=p, q=q, gamma=gamma)
    population = p * gamma / (q - 1)

    # when their expected average spend is computed
    spend = expected_average_spend(params, [frequency], [monetary])[0]

    # then it is a weighted average of the population mean and their own mean
    own = monetary if frequency > 0 else population
    low, high = min(own, population), max(own, population)
    assert low * (1 - 1e-12) <= spend <= high * (1 + 1e-12)
