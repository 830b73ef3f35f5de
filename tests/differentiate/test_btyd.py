"""BTYD models against the published CDNOW figures, and summarise on hand-made logs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from idic.differentiate.btyd import (
    customer_lifetime_value,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    probability_alive,
    summarise,
)

from .cdnow import sample_path, transactions, weekly_summary


def _published_summary() -> np.ndarray:
    """Fader & Hardie's CDNOW summary (ID, x, t_x, T, zbar) shipped with lifetimes."""
    path = sample_path().parent / "cdnow_customers_summary_with_transactions.csv"
    return np.loadtxt(path, delimiter=",", skiprows=1)


@pytest.fixture(scope="module")
def cdnow():
    return weekly_summary()


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return fit_bgnbd(cdnow.frequency, cdnow.recency, cdnow.T)


@pytest.fixture(scope="module")
def gamma_gamma(cdnow):
    return fit_gamma_gamma(cdnow.frequency, cdnow.monetary)


@pytest.fixture(scope="module")
def pareto_nbd(cdnow):
    return fit_pareto_nbd(cdnow.frequency, cdnow.recency, cdnow.T)


# --- the CDNOW sample --------------------------------------------------------------------------


def test_cdnow_sample_is_the_2357_customer_cohort():
    # given the file shipped with lifetimes
    data = transactions()

    # when it is counted
    n_transactions, n_customers = data.amounts.size, np.unique(data.customer_ids).size

    # then it is the FHL 2005 cohort: 6,919 transactions by 2,357 customers in 1997-98
    assert n_transactions == 6919
    assert n_customers == 2357
    assert data.dates.min() == np.datetime64("1997-01-01")
    assert data.dates.max() == np.datetime64("1998-06-30")


def test_weekly_summary_matches_the_published_summary(cdnow):
    # given Fader & Hardie's own summary of the same cohort (two decimals)
    published = _published_summary()

    # when our summary is lined up by customer id
    order = np.argsort(published[:, 0])

    # then every customer's x, t_x, T and mean repeat spend agree
    assert np.array_equal(cdnow.ids, published[order, 0].astype(np.int64))
    assert np.array_equal(cdnow.frequency, published[order, 1])
    assert np.abs(cdnow.recency - published[order, 2]).max() < 0.005 + 1e-9
    assert np.abs(cdnow.T - published[order, 3]).max() < 0.005 + 1e-9
    assert np.abs(cdnow.monetary - published[order, 4]).max() < 0.005 + 1e-9
    assert int((cdnow.frequency > 0).sum()) == 946


# --- BG/NBD --------------------------------------------------------------------------------------


def test_bgnbd_reproduces_fader_hardie_lee_2005(bgnbd):
    # given the fit on the weekly CDNOW summary (fixture)
    # when its parameters are read
    fitted = (bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b)

    # then they match the paper to 3 decimals, as does the log-likelihood
    assert np.abs(np.array(fitted) - [0.243, 4.414, 0.793, 2.426]).max() <= 5e-4
    assert bgnbd.log_likelihood == pytest.approx(-9582.4, abs=0.05)
    assert bgnbd.n_customers == 2357
    assert bgnbd.converged
    assert 0 < bgnbd.seconds < 30


def test_bgnbd_conditional_expectation_matches_the_paper_example(bgnbd):
    # given FHL 2005's worked example: x = 2, t_x = 30.43, T = 38.86 weeks
    # when the next 39 weeks are predicted
    expected = expected_purchases(bgnbd, 39, [2], [30.43], [38.86])

    # then the expectation is the paper's 1.226
    assert expected[0] == pytest.approx(1.226, abs=5e-4)


def test_bgnbd_fit_does_not_depend_on_the_starting_point(cdnow, bgnbd):
    # given a start far from the optimum
    start = (3.0, 30.0, 3.0, 30.0)

    # when the model is refitted from there
    again = fit_bgnbd(cdnow.frequency, cdnow.recency, cdnow.T, initial=start)

    # then it lands on the same parameters
    assert again.r == pytest.approx(bgnbd.r, rel=1e-5)
    assert again.alpha == pytest.approx(bgnbd.alpha, rel=1e-5)
    assert again.a == pytest.approx(bgnbd.a, rel=1e-5)
    assert again.b == pytest.approx(bgnbd.b, rel=1e-5)


def test_bgnbd_recovers_parameters_of_simulated_customers():
    # given 20,000 customers simulated from a BG/NBD with known parameters over 52 weeks:
    # Poisson purchases at rate lambda, dropping out after the J-th repeat purchase,
    # J ~ Geometric(p); the last of f purchases among N uniform arrivals is horizon * Beta(f, N+1-f)
    rng = np.random.default_rng(7)
    r, alpha, a, b = 0.5, 6.0, 0.9, 3.0
    n, horizon = 20_000, 52.0
    arrivals = rng.poisson(rng.gamma(r, 1 / alpha, n) * horizon)
    frequency = np.minimum(arrivals, rng.geometric(rng.beta(a, b, n))).astype(float)
    bought = frequency > 0
    recency = np.zeros(n)
    recency[bought] = horizon * rng.beta(
        frequency[bought], arrivals[bought] + 1 - frequency[bought]
    )

    # when the model is fitted
    fitted = fit_bgnbd(frequency, recency, np.full(n, horizon))

    # then the estimates are close to the truth
    assert fitted.r == pytest.approx(r, rel=0.1)
    assert fitted.alpha == pytest.approx(alpha, rel=0.15)
    assert fitted.a == pytest.approx(a, rel=0.2)
    assert fitted.b == pytest.approx(b, rel=0.25)


def test_bgnbd_probability_alive_ranks_recent_buyers_higher(bgnbd):
    # given two customers with 5 repeat purchases, one recent and one long ago
    # when their probability of being alive at week 39 is computed
    recent, lapsed = probability_alive(bgnbd, [5, 5], [38.0, 10.0], [39.0, 39.0])

    # then the recent buyer is more likely alive
    assert 0 < lapsed < recent <= 1


# --- Gamma-Gamma ---------------------------------------------------------------------------------


def test_gamma_gamma_reproduces_fader_hardie(gamma_gamma):
    # given the fit on the 946 CDNOW repeat buyers (fixture)
    # when its parameters are read
    fitted = (gamma_gamma.p, gamma_gamma.q, gamma_gamma.gamma)

    # then they match Fader & Hardie's note to 2 decimals
    assert np.abs(np.array(fitted) - [6.25, 3.74, 15.44]).max() <= 5e-3
    assert gamma_gamma.n_customers == 946
    assert gamma_gamma.converged


def test_expected_spend_shrinks_towards_the_population_mean(gamma_gamma):
    # given a one-off big spender, a frequent big spender and a non-repeat customer
    population = gamma_gamma.p * gamma_gamma.gamma / (gamma_gamma.q - 1)

    # when their expected average spend is computed
    once, often, never = expected_average_spend(gamma_gamma, [1, 20, 0], [200.0, 200.0, 0.0])

    # then it lies between the population mean and their own mean, closer for more purchases
    assert population < once < often < 200
    assert never == pytest.approx(population)


# --- Pareto/NBD ----------------------------------------------------------------------------------


def test_pareto_nbd_reproduces_the_published_fit(pareto_nbd):
    # given the fit on the weekly CDNOW summary (fixture)
    # when its parameters are read
    fitted = (pareto_nbd.r, pareto_nbd.alpha, pareto_nbd.s, pareto_nbd.beta)

    # then they match r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 to 3 decimals
    assert np.abs(np.array(fitted) - [0.553, 10.578, 0.606, 11.669]).max() <= 5e-4
    assert pareto_nbd.log_likelihood == pytest.approx(-9595.0, abs=0.05)
    assert pareto_nbd.converged


def test_pareto_nbd_probability_alive_is_finite_for_every_cdnow_customer(cdnow, pareto_nbd):
    # given every CDNOW customer
    # when P(alive) is computed
    alive = probability_alive(pareto_nbd, cdnow.frequency, cdnow.recency, cdnow.T)

    # then it is a probability; unlike BG/NBD, customers who never came back may have died too
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(alive[cdnow.frequency == 0] < 1)
    assert alive.mean() == pytest.approx(0.5, abs=0.3)


# --- CLV -----------------------------------------------------------------------------------------


def test_clv_is_the_discounted_sum_of_period_margins(cdnow, bgnbd, gamma_gamma):
    # given a year of months for the first CDNOW customer
    x, tx, age = cdnow.frequency[:1], cdnow.recency[:1], cdnow.T[:1]
    spend = expected_average_spend(gamma_gamma, x, cdnow.monetary[:1])
    month = 365.25 / 12 / 7

    # when CLV is computed, and separately summed period by period
    clv = customer_lifetime_value(
        bgnbd,
        frequency=x,
        recency=tx,
        T=age,
        spend=spend,
        margin=0.3,
        discount_rate=0.01,
        periods=12,
        period_length=month,
    )
    cumulative = [expected_purchases(bgnbd, k * month, x, tx, age)[0] for k in range(13)]
    by_hand = sum(
        (cumulative[k] - cumulative[k - 1]) * spend[0] * 0.3 / 1.01**k for k in range(1, 13)
    )

    # then the two agree, and without discounting CLV is purchases x spend x margin
    assert clv[0] == pytest.approx(by_hand, rel=1e-12)
    undiscounted = customer_lifetime_value(
        bgnbd,
        frequency=x,
        recency=tx,
        T=age,
        spend=spend,
        margin=0.3,
        discount_rate=0.0,
        periods=12,
        period_length=month,
    )
    assert undiscounted[0] == pytest.approx(cumulative[12] * spend[0] * 0.3, rel=1e-12)
    assert clv[0] < undiscounted[0]


# --- summarise -----------------------------------------------------------------------------------


def test_summarise_counts_purchase_days_not_transactions():
    # given customer A buying twice on 1 Jan, once on 8 Jan and twice on 15 Jan
    ids = ["A", "A", "A", "A", "A"]
    dates = ["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-15", "2024-01-15"]
    amounts = [10.0, 5.0, 20.0, 7.0, 3.0]

    # when summarised in weeks to 29 Jan
    summary = summarise(ids, dates, amounts, calibration_end=dt.date(2024, 1, 29))

    # then 2 repeat days, last 2 weeks after the first, 4 weeks old, mean of 20 and 10
    assert summary.ids.tolist() == ["A"]
    assert summary.frequency.tolist() == [2.0]
    assert summary.recency.tolist() == [2.0]
    assert summary.T.tolist() == [4.0]
    assert summary.monetary.tolist() == [15.0]


def test_summarise_ignores_transactions_after_calibration_end():
    # given B buying before and after the end, and C buying only after it
    ids = np.array([2, 2, 2, 3])
    dates = np.array(["2024-03-01", "2024-03-03", "2024-03-20", "2024-03-21"], "datetime64[D]")
    amounts = np.array([1.0, 2.0, 100.0, 50.0])

    # when summarised in days to 10 March
    summary = summarise(ids, dates, amounts, calibration_end="2024-03-10", unit_days=1)

    # then only B is present, with its calibration-period purchases only
    assert summary.ids.tolist() == [2]
    assert summary.frequency.tolist() == [1.0]
    assert summary.recency.tolist() == [2.0]
    assert summary.T.tolist() == [9.0]
    assert summary.monetary.tolist() == [2.0]
    assert len(summary) == 1


def test_summarise_gives_one_off_buyers_zero_frequency_recency_and_monetary():
    # given D buying once, at the calibration end, with a time of day
    when = [dt.datetime(2024, 5, 31, 18, 30)]  # noqa: DTZ001 - a naive wall-clock time

    # when summarised
    summary = summarise(["D"], when, [42.0], calibration_end=np.datetime64("2024-05-31"))

    # then the repeat-purchase figures are all zero
    assert summary.frequency.tolist() == [0.0]
    assert summary.recency.tolist() == [0.0]
    assert summary.T.tolist() == [0.0]
    assert summary.monetary.tolist() == [0.0]
