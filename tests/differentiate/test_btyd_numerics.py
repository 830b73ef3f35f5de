"""Closed forms checked against direct numerical integration, including extreme customers."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import betaln, gammaln

from idic.differentiate.btyd import (
    BGNBDParams,
    ParetoNBDParams,
    bgnbd,
    expected_purchases,
    gamma_gamma,
    pareto_nbd,
    probability_alive,
)
from idic.differentiate.btyd._hypergeometric import hyp2f1
from idic.differentiate.btyd.bgnbd import log_likelihood as bgnbd_log_likelihood
from idic.differentiate.btyd.pareto_nbd import log_likelihood as pareto_log_likelihood


def _quad(function, low: float, high: float, **options) -> float:
    """Adaptive quadrature, failing the test if scipy reports trouble."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", integrate.IntegrationWarning)
        value, _ = integrate.quad(function, low, high, limit=500, **({"epsabs": 0} | options))
    return float(value)


def _rough(function, low: float, high: float) -> float:
    """Quick adaptive quadrature whose only job is to set an absolute tolerance."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return abs(float(integrate.quad(function, low, high, limit=200)[0]))


def _pareto_by_quadrature(params: ParetoNBDParams, x: float, tx: float, T: float):
    """Pareto/NBD log-likelihood and P(alive) from the integral over the death time."""
    r, alpha, s, beta = params.r, params.alpha, params.s, params.beta
    k = r + x
    # Substituting alpha + tau = (alpha + tx) e^(v/k) turns (alpha + tau)^-k into e^-v times
    # its value at tx, so the integrand is smooth and no sharper than e^-v however large x is.
    v_end = min(k * np.log((alpha + T) / (alpha + tx)), 2000.0)

    def integrand(v: float) -> float:
        tau = (alpha + tx) * np.exp(v / k) - alpha
        return np.exp(-v + v / k - (s + 1) * np.log(beta + tau))

    area = _quad(integrand, 0.0, v_end, epsrel=1e-12, points=[p for p in (1, 10, 50) if p < v_end])
    died = np.log(s) + np.log(area) + np.log((alpha + tx) / k) - k * np.log(alpha + tx)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    shared = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return shared + np.logaddexp(alive, died), np.exp(alive - np.logaddexp(alive, died))


def _bgnbd_given_alive_by_quadrature(params: BGNBDParams, t: float, x: float, T: float) -> float:
    """E[purchases in (T, T+t] | alive] as an integral over the dropout probability p."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b + x
    k, u = r + x, t / (alpha + T)

    def mean_given_p(p: float) -> float:
        return -np.expm1(-k * np.log1p(p * u)) / p if p > 0 else k * u

    def weighted(p: float) -> float:
        return np.exp((a - 1) * np.log(p) + (b - 1) * np.log1p(-p)) * mean_given_p(p)

    # p ~ Beta(a, b), split at 1/2. An endpoint where the weight is infinite (a < 1 at 0,
    # b < 1 at 1) is removed by substituting p = w^(1/a) or 1 - p = v^(1/b).
    def lower(w: float) -> float:
        p = w ** (1 / a)
        return np.exp((b - 1) * np.log1p(-p)) * mean_given_p(p) / a

    def upper(v: float) -> float:
        q = v ** (1 / b)
        return np.exp((a - 1) * np.log1p(-q)) * mean_given_p(1 - q) / b

    # mean_given_p falls from k u to about 1/p around p = 1/(k u): tell quad where.
    bends = [c / (k * u) for c in (0.1, 1.0, 10.0) if c / (k * u) < 0.5]
    pieces: list[tuple[Callable[[float], float], float, float, list[float]]] = [
        (lower, 0, 0.5**a, [bend**a for bend in bends]) if a < 1 else (weighted, 0, 0.5, bends),
        (upper, 0, 0.5**b, []) if b < 1 else (weighted, 0.5, 1, []),
    ]
    scale = sum(_rough(f, low, high) for f, low, high, _ in pieces)
    area = sum(
        _quad(f, low, high, points=points or None, epsrel=1e-10, epsabs=1e-12 * scale)
        for f, low, high, points in pieces
    )
    return area * np.exp(-betaln(a, b))


# --- Pareto/NBD ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "x", "tx", "T"),
    [
        (ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669), 2, 30.43, 38.86),
        (ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669), 0, 0.0, 38.86),
        (ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669), 500, 38.0, 39.0),
        # heavy buyers for which lifetimes 0.11.3 returns NaN
        (ParetoNBDParams(r=3.955, alpha=1.2987, s=13.5545, beta=6.6354), 10_000, 1.3247, 1.545),
        (ParetoNBDParams(r=0.3085, alpha=0.0213, s=14.712, beta=0.5998), 10_000, 4.3032, 95.609),
        (ParetoNBDParams(r=1.0, alpha=1.0, s=1.0, beta=0.0625), 169, 0.5, 1.0),
    ],
)
def test_pareto_nbd_matches_quadrature(params, x, tx, T):
    # given a customer and parameters, some with thousands of purchases
    expected_ll, expected_alive = _pareto_by_quadrature(params, x, tx, T)

    # when the closed-form log-likelihood and P(alive) are computed
    ll = pareto_log_likelihood(params, [x], [tx], [T])[0]
    alive = probability_alive(params, [x], [tx], [T])[0]

    # then they are finite and agree with the integral
    assert np.isfinite(ll)
    assert ll == pytest.approx(expected_ll, rel=1e-9)
    assert alive == pytest.approx(expected_alive, rel=1e-7, abs=1e-300)


@settings(deadline=None, max_examples=60)
@given(
    r=st.floats(0.05, 20),
    alpha=st.floats(0.05, 50),
    s=st.floats(0.05, 20),
    beta=st.floats(0.05, 50),
    x=st.sampled_from([1, 3, 30, 300, 3000]),
    share=st.floats(0.0, 0.999),
    T=st.floats(0.5, 200),
)
def test_pareto_nbd_likelihood_matches_quadrature_anywhere(r, alpha, s, beta, x, share, T):
    # given any parameters and a repeat buyer
    params = ParetoNBDParams(r=r, alpha=alpha, s=s, beta=beta)
    tx = share * T

    # when the closed form and the integral are computed
    ll = pareto_log_likelihood(params, [x], [tx], [T])[0]
    expected_ll, _ = _pareto_by_quadrature(params, x, tx, T)

    # then they agree
    assert ll == pytest.approx(expected_ll, rel=1e-8, abs=1e-8)


# --- BG/NBD --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "x", "T", "t"),
    [
        (BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426), 0, 38.86, 39.0),
        (BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426), 2, 38.86, 39.0),
        (BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426), 300, 39.0, 520.0),
        # the removable singularities a = 1 and a + b + x = 1
        (BGNBDParams(r=0.5, alpha=3.0, a=1.0, b=2.0), 4, 20.0, 10.0),
        (BGNBDParams(r=0.5, alpha=3.0, a=0.4, b=0.6), 0, 20.0, 10.0),
        (BGNBDParams(r=0.5, alpha=3.0, a=0.4, b=0.60003), 0, 20.0, 10.0),
        # scipy's hyp2f1(1, 1, 101, 10/11) overflows here
        (BGNBDParams(r=1.0, alpha=1.0, a=2.0, b=1.0), 99, 0.0, 10.0),
        # short horizons, either side of the switch to the power series
        (BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426), 2, 38.86, 0.01),
        (BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426), 300, 39.0, 0.0072),
        (BGNBDParams(r=0.243, alpha=4.414, a=0.793, b=2.426), 300, 39.0, 0.0074),
        (BGNBDParams(r=4.0, alpha=1.0, a=1.0, b=1.0), 0, 0.0, 1e-9),
        # r - a an integer (c - a - b integer in the 2F1), alone and with a + b = 1
        (BGNBDParams(r=0.125, alpha=0.125, a=0.125, b=7.49524977848007), 1, 0.0, 102.0),
        (BGNBDParams(r=0.5, alpha=1.0, a=0.5, b=0.5), 0, 0.0, 1.0),
        (BGNBDParams(r=0.5, alpha=1.0, a=0.5, b=0.502), 0, 0.0, 1.0),
    ],
)
def test_bgnbd_expectation_matches_quadrature(params, x, T, t):
    # given a customer whose last purchase is at T, so P(alive) = 1 / (1 + [x > 0] a/(b+x-1))
    alive = 1 / (1 + params.a / (params.b + x - 1)) if x > 0 else 1.0
    expected = alive * _bgnbd_given_alive_by_quadrature(params, t, x, T)

    # when the closed-form expectation is computed
    value = expected_purchases(params, t, [x], [T], [T])[0]

    # then it agrees with the integral over the dropout probability
    assert value == pytest.approx(expected, rel=1e-7)


@settings(deadline=None, max_examples=60)
@given(
    r=st.floats(0.05, 20),
    alpha=st.floats(0.05, 50),
    a=st.floats(0.05, 20),
    b=st.floats(0.05, 20),
    x=st.sampled_from([0, 1, 5, 30]),
    T=st.floats(0.0, 200),
    t=st.floats(0.01, 500),
)
def test_bgnbd_expectation_matches_quadrature_anywhere(r, alpha, a, b, x, T, t):
    # given any parameters and a customer whose last purchase is at T
    params = BGNBDParams(r=r, alpha=alpha, a=a, b=b)
    alive = 1 / (1 + a / (b + x - 1)) if x > 0 else 1.0

    # when the closed form and the integral are computed
    value = expected_purchases(params, t, [x], [T], [T])[0]
    expected = alive * _bgnbd_given_alive_by_quadrature(params, t, x, T)

    # then they agree
    assert value == pytest.approx(expected, rel=1e-6)


def test_bgnbd_log_likelihood_of_the_paper_example():
    # given the published parameters and the paper's example customer
    params = BGNBDParams(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)

    # when the log-likelihood is computed, and rebuilt from its two terms by hand
    ll = bgnbd_log_likelihood(params, [2], [30.43], [38.86])[0]
    r, alpha, a, b, x = 0.2426, 4.4135, 0.7929, 2.4258, 2
    scale = np.exp(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b))
    by_hand = scale * (
        np.exp(betaln(a, b + x)) / (alpha + 38.86) ** (r + x)
        + np.exp(betaln(a + 1, b + x - 1)) / (alpha + 30.43) ** (r + x)
    )

    # then the two agree
    assert ll == pytest.approx(np.log(by_hand), rel=1e-12)


# --- the hypergeometric guard --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [
        # scipy.special.hyp2f1 returns inf or nan here
        (1.0, 1.0, 101.0, 0.95),
        (1.0, 2.0, 1000.0, 0.999),
        (1.0, 354.6, 355.7, 0.9985),
        # c - a - b is an integer: scipy is finite but off by about 1e-6 and 1e-5
        (1.0, 0.3, 3.3, 0.999),
        (7.49524977848007, -0.875, 7.62024977848007, 0.9987760097919217),
        # c - a - b within 1e-9 and 1e-5 of an integer
        (1.0, 0.3, 3.3 + 1e-9, 0.999),
        (1.0, 0.3, 3.3 - 1e-5, 0.999),
    ],
)
def test_hyp2f1_matches_the_power_series_where_scipy_struggles(a, b, c, z):
    # given parameters where scipy.special.hyp2f1 fails or loses accuracy
    # when the guarded function is used
    value = hyp2f1(a, b, c, z)

    # then it equals the power series summed directly
    n = np.arange(4_000_000, dtype=np.float64)
    terms = np.concatenate(([1.0], np.cumprod((a + n) * (b + n) / ((c + n) * (n + 1)) * z)))
    assert np.isfinite(value)
    assert value == pytest.approx(terms.sum(), rel=1e-9)


# --- analytic gradients used by the fits ---------------------------------------------------------


def _central_difference(function, point: np.ndarray) -> np.ndarray:
    """Central-difference gradient with relative steps."""
    slope = np.empty_like(point)
    for i in range(point.size):
        step = 1e-6 * point[i]
        up, down = point.copy(), point.copy()
        up[i] += step
        down[i] -= step
        slope[i] = (function(up) - function(down)) / (2 * step)
    return slope


def test_bgnbd_gradient_matches_finite_differences():
    # given a mixed set of customers and a point away from the optimum
    x = np.array([0.0, 0.0, 1.0, 2.0, 7.0, 30.0])
    tx = np.array([0.0, 0.0, 3.0, 30.4, 20.0, 38.0])
    age = np.array([10.0, 38.9, 20.0, 38.9, 38.9, 39.0])
    weights = np.array([3.0, 1.0, 2.0, 1.0, 1.0, 1.0])
    point = np.array([0.4, 3.0, 1.3, 2.1])

    # when the analytic gradient and a central difference are computed
    analytic = bgnbd._gradient(point[0], point[1], point[2], point[3], x, tx, age, weights)
    numeric = _central_difference(
        lambda p: weights @ bgnbd._log_likelihood(p[0], p[1], p[2], p[3], x, tx, age), point
    )

    # then they agree
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6)


def test_gamma_gamma_gradient_matches_finite_differences():
    # given repeat buyers' counts and mean spends and a point away from the optimum
    x = np.array([1.0, 2.0, 5.0, 12.0])
    m = np.array([10.0, 35.5, 22.0, 80.0])
    point = np.array([3.0, 2.5, 20.0])

    # when the analytic gradient and a central difference are computed
    analytic = gamma_gamma._gradient(point[0], point[1], point[2], x, m)
    numeric = _central_difference(
        lambda p: gamma_gamma._log_likelihood(p[0], p[1], p[2], x, m).sum(), point
    )

    # then they agree
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6)


# --- Pareto/NBD expected purchases ---------------------------------------------------------------


def _pareto_expected_by_quadrature(params: ParetoNBDParams, t: float, x: float, T: float):
    """E[purchases in (T, T+t] | alive]: lambda ~ Gamma(r+x, alpha+T) has mean
    (r+x)/(alpha+T); the mean of (1 - e^(-mu t))/mu over mu ~ Gamma(s, beta+T) is
    integrated numerically."""
    shape, rate = params.s, params.beta + T

    def weighted(mu: float) -> float:
        density = np.exp(
            shape * np.log(rate) - gammaln(shape) + (shape - 1) * np.log(mu) - rate * mu
        )
        return density * -np.expm1(-mu * t) / mu

    scale = shape / rate
    per_mu = _quad(weighted, 0.0, np.inf, epsrel=1e-11, epsabs=1e-14 * t) if scale else 0.0
    return (params.r + x) / (params.alpha + T) * per_mu


@pytest.mark.parametrize(
    ("params", "x", "tx", "T", "t"),
    [
        (ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669), 2, 30.43, 38.86, 39.0),
        (ParetoNBDParams(r=0.553, alpha=10.578, s=0.606, beta=11.669), 0, 0.0, 38.86, 52.0),
        (ParetoNBDParams(r=0.553, alpha=10.578, s=1.0, beta=11.669), 5, 20.0, 38.86, 52.0),
        (ParetoNBDParams(r=0.553, alpha=10.578, s=1.0 + 1e-9, beta=11.669), 5, 20.0, 38.86, 52.0),
        (ParetoNBDParams(r=2.0, alpha=3.0, s=7.5, beta=40.0), 40, 70.0, 78.0, 0.5),
        (ParetoNBDParams(r=0.87, alpha=2.57, s=49.9, beta=5000.0), 12, 90.0, 150.0, 52.0),
    ],
)
def test_pareto_nbd_expected_purchases_match_quadrature(params, x, tx, T, t):
    # given a customer, a horizon and parameters (s = 1 and next to it included)
    alive = probability_alive(params, [x], [tx], [T])[0]
    expected = alive * _pareto_expected_by_quadrature(params, t, x, T)
    # when the closed form is evaluated
    got = pareto_nbd.expected_purchases(params, t, [x], [tx], [T])[0]
    # then it is the posterior mean: P(alive) times the expectation given alive
    assert got == pytest.approx(expected, rel=1e-8)


def test_pareto_nbd_alive_and_expected_agree_with_the_single_functions():
    # given many customers, so the distinct (x, y) pairs are evaluated once each
    rng = np.random.default_rng(5)
    n = 30_000
    x = rng.integers(0, 20, n).astype(float)
    T = rng.integers(1, 200, n) / 7.0
    tx = np.where(x > 0, np.floor(rng.random(n) * T * 7) / 7.0, 0.0)
    params = ParetoNBDParams(r=0.8, alpha=2.5, s=0.9, beta=12.0)
    # when computed together and one customer at a time for a few of them
    alive, expected = pareto_nbd.alive_and_expected(params, 52.0, x, tx, T)
    picks = rng.choice(n, 25, replace=False)
    one_by_one = [probability_alive(params, [x[i]], [tx[i]], [T[i]])[0] for i in picks]
    # then the shared evaluation changes nothing
    assert alive[picks] == pytest.approx(one_by_one, rel=1e-12)
    assert (expected >= 0).all() and np.isfinite(expected).all()
