"""Bad input to the BTYD functions raises ValueError naming the problem and the fix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from idic.differentiate.btyd import (
    BGNBDParams,
    GammaGammaParams,
    customer_lifetime_value,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    probability_alive,
    summarise,
)

from .cdnow import weekly_summary

PARAMS = BGNBDParams(r=0.24, alpha=4.4, a=0.79, b=2.4)

BAD_SUMMARIES = {
    "empty": (([], [], []), "frequency is empty"),
    "negative frequency": (([-1], [0], [5]), "frequency must not be negative"),
    "negative recency": (([1], [-0.5], [5]), "recency must not be negative"),
    "negative T": (([0], [0], [-2]), "T must not be negative"),
    "recency after T": (([2], [6], [5]), "recency must not exceed T"),
    "fractional frequency": (([1.5], [2], [5]), "whole numbers"),
    "NaN": (([1], [np.nan], [5]), "recency contains NaN"),
    "infinite": (([1], [2], [np.inf]), "T contains an infinite value"),
    "mismatched lengths": (([1, 2], [1, 2], [5]), "mismatched lengths"),
    "text": ((["a"], [1], [5]), "frequency must be numeric"),
}

MODEL_FUNCTIONS = {
    "fit_bgnbd": fit_bgnbd,
    "fit_pareto_nbd": fit_pareto_nbd,
    "probability_alive": lambda f, r, t: probability_alive(PARAMS, f, r, t),
    "expected_purchases": lambda f, r, t: expected_purchases(PARAMS, 10, f, r, t),
    "customer_lifetime_value": lambda f, r, t: customer_lifetime_value(
        PARAMS,
        frequency=f,
        recency=r,
        T=t,
        spend=[10.0] * len(f),
        margin=0.3,
        discount_rate=0.01,
        periods=3,
        period_length=4.0,
    ),
}


@pytest.mark.parametrize("function", MODEL_FUNCTIONS.values(), ids=MODEL_FUNCTIONS.keys())
@pytest.mark.parametrize("case", BAD_SUMMARIES.values(), ids=BAD_SUMMARIES.keys())
def test_model_functions_reject_bad_summaries(function, case):
    # given a frequency / recency / T summary with one problem
    (frequency, recency, T), message = case

    # when a model function is called with it
    # then it raises ValueError naming the problem
    with pytest.raises(ValueError, match=message):
        function(frequency, recency, T)


def test_gamma_gamma_needs_a_repeat_buyer():
    # given customers none of whom came back
    frequency, monetary = [0, 0, 0], [0.0, 0.0, 0.0]

    # when Gamma-Gamma is fitted
    # then it says nobody repeated and suggests a fix
    with pytest.raises(ValueError, match=r"nobody has a repeat purchase.*longer calibration"):
        fit_gamma_gamma(frequency, monetary)


@pytest.mark.parametrize(
    ("frequency", "monetary", "message"),
    [
        ([], [], "frequency is empty"),
        ([1, 2], [10.0], "mismatched lengths"),
        ([1], [np.nan], "monetary contains NaN"),
        ([1], [-3.0], "monetary must not be negative"),
        ([1.2], [3.0], "whole numbers"),
        ([2, 1], [5.0, 0.0], "monetary must be positive for repeat buyers"),
    ],
)
def test_gamma_gamma_rejects_bad_spend(frequency, monetary, message):
    # given spend data with one problem
    # when Gamma-Gamma is fitted
    # then it raises ValueError naming the problem
    with pytest.raises(ValueError, match=message):
        fit_gamma_gamma(frequency, monetary)


def test_expected_spend_needs_q_above_one():
    # given Gamma-Gamma parameters with an infinite population mean
    params = GammaGammaParams(p=2.0, q=0.8, gamma=10.0)

    # when expected spend is asked for
    # then it explains that q must exceed 1
    with pytest.raises(ValueError, match="q must exceed 1"):
        expected_average_spend(params, [1], [20.0])


@pytest.mark.parametrize("fit", [fit_bgnbd, fit_pareto_nbd])
def test_a_fit_that_does_not_converge_is_reported(fit):
    # given the CDNOW summary and an iteration budget far too small
    cdnow = weekly_summary()

    # when the model is fitted
    # then it raises, naming the failure and what to try
    with pytest.raises(ValueError, match=r"did not converge.*max_iterations"):
        fit(cdnow.frequency, cdnow.recency, cdnow.T, max_iterations=1)


def test_a_fit_that_does_not_converge_can_be_returned_flagged():
    # given the CDNOW summary and an iteration budget far too small
    cdnow = weekly_summary()

    # when the model is fitted without raising
    params = fit_bgnbd(
        cdnow.frequency, cdnow.recency, cdnow.T, max_iterations=1, raise_on_failure=False
    )

    # then the result says it did not converge
    assert params.converged is False
    assert np.isfinite(params.log_likelihood)


def test_a_likelihood_that_cannot_be_evaluated_is_reported():
    # given one-off buyers and a starting alpha so large that alpha + T overflows
    start = (1.0, 1.7e308, 1.0, 1.0)

    # when the model is fitted from there
    # then it says the likelihood is not finite at the start
    with pytest.raises(ValueError, match="not finite at the starting values"):
        fit_bgnbd([0, 0], [0.0, 0.0], [1e308, 1e308], initial=start)


@pytest.mark.parametrize("start", [(0.0, 1.0, 1.0, 1.0), (1.0, -2.0, 1.0, 1.0)])
def test_starting_values_must_be_positive(start):
    # given a starting value that is zero or negative
    # when the model is fitted from there
    # then it asks for positive starting values
    with pytest.raises(ValueError, match="must all be positive"):
        fit_bgnbd([1, 2], [1.0, 2.0], [3.0, 3.0], initial=start)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"margin": 1.5}, "margin must be a share between 0 and 1"),
        ({"margin": -0.1}, "margin must be a share between 0 and 1"),
        ({"discount_rate": -0.2}, "discount_rate must be a finite rate"),
        ({"discount_rate": np.nan}, "discount_rate must be a finite rate"),
        ({"periods": 0}, "periods must be a whole number"),
        ({"periods": 2.5}, "periods must be a whole number"),
        ({"period_length": 0.0}, "period_length must be a positive length"),
        ({"spend": [-5.0]}, "spend must not be negative"),
        ({"spend": [1.0, 2.0]}, "mismatched lengths"),
    ],
)
def test_clv_rejects_bad_settings(change, message):
    # given otherwise valid CLV arguments with one bad setting
    arguments = {
        "frequency": [2],
        "recency": [10.0],
        "T": [20.0],
        "spend": [30.0],
        "margin": 0.3,
        "discount_rate": 0.01,
        "periods": 12,
        "period_length": 4.0,
    } | change

    # when CLV is computed
    # then it raises ValueError naming the setting
    with pytest.raises(ValueError, match=message):
        customer_lifetime_value(PARAMS, **arguments)


def test_expected_purchases_rejects_a_negative_horizon():
    # given a negative horizon
    # when expected purchases are asked for
    # then it raises ValueError naming t
    with pytest.raises(ValueError, match="t must not be negative"):
        expected_purchases(PARAMS, -1.0, [1], [2.0], [3.0])


def test_probability_alive_rejects_parameters_of_another_model():
    # given Gamma-Gamma parameters by mistake
    params = GammaGammaParams(p=6.0, q=3.7, gamma=15.0)

    # when P(alive) is asked for
    # then it says which parameters it needs
    with pytest.raises(ValueError, match="needs BGNBDParams or ParetoNBDParams"):
        probability_alive(params, [1], [2.0], [3.0])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ids", "dates", "amounts", "message"),
    [
        ([], [], [], "customer_ids is empty"),
        ([1, 2], ["2024-01-01"], [1.0, 2.0], "mismatched lengths"),
        ([1], ["2024-01-01"], [-5.0], r"amounts must not be negative.*net returns"),
        ([1], ["2024-01-01"], [np.nan], "amounts contains NaN"),
        ([1], ["not a date"], [1.0], "dates must hold dates"),
        ([1], [np.datetime64("NaT")], [1.0], "missing date"),
        ([1], ["2024-06-01"], [1.0], "no transaction falls on or before calibration_end"),
        ([np.nan], ["2024-01-01"], [1.0], "customer_ids contains NaN"),
    ],
)
def test_summarise_rejects_bad_transactions(ids, dates, amounts, message):
    # given a transaction log with one problem
    # when it is summarised
    # then it raises ValueError naming the problem
    with pytest.raises(ValueError, match=message):
        summarise(ids, dates, amounts, calibration_end="2024-03-01")


def test_summarise_rejects_time_zone_aware_dates():
    # given a purchase stamped in UTC
    stamp = dt.datetime(2024, 1, 1, 23, 30, tzinfo=dt.UTC)

    # when it is summarised
    # then it asks for local calendar dates
    with pytest.raises(ValueError, match="time zones"):
        summarise([1], [stamp], [1.0], calibration_end="2024-03-01")


def test_summarise_rejects_a_non_positive_unit():
    # given a valid log but a zero-day time unit
    # when it is summarised
    # then it raises ValueError naming unit_days
    with pytest.raises(ValueError, match="unit_days must be a positive number"):
        summarise([1], ["2024-01-01"], [1.0], calibration_end="2024-03-01", unit_days=0)
