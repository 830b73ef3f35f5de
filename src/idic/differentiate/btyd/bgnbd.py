"""BG/NBD model (Fader, Hardie & Lee 2005): fit, expected future purchases, probability alive.

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after each
purchase they drop out with probability p ~ Beta(a, b). Time is in whatever unit the summary
uses (weeks for CDNOW).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, digamma, expit, gammaln

from . import _checks
from ._checks import FloatArray
from ._hypergeometric import hyp2f1
from ._optimise import maximise

# Distance from a removable singularity (a = 1, or a + b + x - 1 = 0) below which the
# closed form is interpolated between values this far either side.
_NEAR_SINGULAR = 1e-4
# Below this max(r+x, 1) * t/(alpha+T), expected purchases come from a short power series.
_SHORT_HORIZON = 0.05
_SHORT_TERMS = 16


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters with fit diagnostics."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")
    n_customers: int = 0
    converged: bool = True
    seconds: float = 0.0


def log_likelihood(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer BG/NBD log-likelihood, as in Fader, Hardie & Lee (2005)."""
    x, tx, age = _checks.rfm(frequency, recency, T)
    return _log_likelihood(params.r, params.alpha, params.a, params.b, x, tx, age)


def _log_likelihood(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: FloatArray,
    tx: FloatArray,
    age: FloatArray,
    levels: tuple[FloatArray, NDArray[np.intp]] | None = None,
) -> FloatArray:
    """Vectorised log-likelihood; the two terms are combined with logaddexp.

    ``levels`` (the distinct frequencies and each customer's index into them) lets the fit
    evaluate the gamma and beta functions once per distinct frequency.
    """
    counts, index = levels if levels is not None else (x, None)
    per_count = gammaln(r + counts) + betaln(a, b + counts)
    shared = (per_count if index is None else per_count[index]) + (
        r * np.log(alpha) - gammaln(r) - betaln(a, b)
    )
    still_alive = -(r + x) * np.log(alpha + age)
    repeat = x > 0
    # B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1); only customers with repeat purchases have the
    # "dropped out just after the last purchase" term.
    safe_x = np.where(repeat, x, 1.0)
    dropped = np.where(
        repeat,
        np.log(a) - np.log(b + safe_x - 1) - (r + safe_x) * np.log(alpha + tx),
        -np.inf,
    )
    return np.asarray(shared + np.logaddexp(still_alive, dropped), dtype=np.float64)


def _gradient(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: FloatArray,
    tx: FloatArray,
    age: FloatArray,
    weights: FloatArray,
) -> FloatArray:
    """Gradient of the weighted total log-likelihood with respect to (r, alpha, a, b)."""
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    still_alive = -(r + x) * np.log(alpha + age)
    dropped = np.where(
        repeat,
        np.log(a) - np.log(b + safe_x - 1) - (r + safe_x) * np.log(alpha + tx),
        -np.inf,
    )
    # Share of each customer's likelihood in the "dropped out" term.
    share = np.where(repeat, expit(dropped - still_alive), 0.0)
    keep = 1.0 - share
    d_r = (
        digamma(r + x)
        - digamma(r)
        + np.log(alpha)
        - keep * np.log(alpha + age)
        - share * np.log(alpha + tx)
    )
    d_alpha = r / alpha - keep * (r + x) / (alpha + age) - share * (r + x) / (alpha + tx)
    d_a = digamma(a + b) - digamma(a + b + x) + share / a
    d_b = (
        digamma(b + x) - digamma(a + b + x) - digamma(b) + digamma(a + b) - share / (b + safe_x - 1)
    )
    return np.array([weights @ d_r, weights @ d_alpha, weights @ d_a, weights @ d_b])


def fit_bgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    initial: tuple[float, float, float, float] | None = None,
    max_iterations: int = 2000,
    raise_on_failure: bool = True,
) -> BGNBDParams:
    """Fit the BG/NBD model by maximum likelihood.

    Args:
        frequency: Repeat purchase counts per customer.
        recency: Time of last purchase minus time of first purchase.
        T: Time from first purchase to the end of the calibration period.
        initial: Starting ``(r, alpha, a, b)``; defaults to ``(1, mean T, 1, 1)``.
        max_iterations: Optimiser iteration budget.
        raise_on_failure: Raise ``ValueError`` if the fit does not converge; when false, the
            best point found is returned with ``converged=False``.
    """
    x, tx, age = _checks.rfm(frequency, recency, T)
    rows, counts = np.unique(np.column_stack([x, tx, age]), axis=0, return_counts=True)
    ux, utx, uage = rows[:, 0], rows[:, 1], rows[:, 2]
    weights = counts.astype(np.float64)
    levels = np.unique(ux, return_inverse=True)

    def total(params: FloatArray) -> float:
        r, alpha, a, b = params
        return float(weights @ _log_likelihood(r, alpha, a, b, ux, utx, uage, levels))

    def gradient(params: FloatArray) -> FloatArray:
        r, alpha, a, b = params
        return _gradient(r, alpha, a, b, ux, utx, uage, weights)

    start = np.array(initial if initial is not None else (1.0, max(age.mean(), 1.0), 1.0, 1.0))
    best = maximise(
        total,
        start,
        gradient=gradient,
        model="BG/NBD",
        max_iterations=max_iterations,
        raise_on_failure=raise_on_failure,
    )
    r, alpha, a, b = (float(v) for v in best.params)
    return BGNBDParams(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        log_likelihood=best.log_likelihood,
        n_customers=int(x.size),
        converged=best.converged,
        seconds=best.seconds,
    )


def probability_alive(
    params: BGNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(customer still alive at T | frequency, recency, T) under BG/NBD."""
    x, tx, age = _checks.rfm(frequency, recency, T)
    return _probability_alive(params.r, params.alpha, params.a, params.b, x, tx, age)


def _probability_alive(
    r: float, alpha: float, a: float, b: float, x: FloatArray, tx: FloatArray, age: FloatArray
) -> FloatArray:
    """1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x)), in log space."""
    repeat = x > 0
    safe_x = np.where(repeat, x, 1.0)
    log_odds_dead = (
        np.log(a)
        - np.log(b + safe_x - 1)
        + (r + safe_x) * (np.log(alpha + age) - np.log(alpha + tx))
    )
    return np.asarray(np.where(repeat, expit(-log_odds_dead), 1.0), dtype=np.float64)


def expected_purchases(
    params: BGNBDParams,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """Expected purchases in the next ``t`` time units given each customer's history.

    The conditional expectation of Fader, Hardie & Lee (2005):
    ``E[Y(t)] = P(alive) * (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]``.
    The hypergeometric term is evaluated after Euler's transformation,
    ``(1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)``, whose first two
    parameters do not grow with ``x``, so heavy buyers stay accurate. The closed form has
    removable singularities at ``a = 1`` and ``a + b + x = 1``; within 1e-4 of them it is
    interpolated linearly between values 1e-4 either side. For very short horizons, where
    ``1 - (...)`` cancels, a power series in ``t/(alpha+T)`` is used instead.

    Args:
        params: Fitted BG/NBD parameters.
        t: Horizon, in the summary's time unit (scalar or one per customer).
        frequency: Repeat purchase counts.
        recency: Time of last purchase minus first purchase.
        T: Time from first purchase to the end of calibration.
    """
    x, tx, age, horizon = _checks.history_and_horizon(t, frequency, recency, T)
    alive = _probability_alive(params.r, params.alpha, params.a, params.b, x, tx, age)
    expected = alive * _conditional_given_alive(params, horizon, x, age)
    return _checks.finite_expectation("BG/NBD", expected, params)


def _conditional_given_alive(
    params: BGNBDParams, t: FloatArray, x: FloatArray, age: FloatArray
) -> FloatArray:
    """Expected purchases in (T, T+t] for a customer known to be alive at T."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t = np.broadcast_to(t, x.shape)
    short = np.maximum(r + x, 1.0) * t / (alpha + age) < _SHORT_HORIZON
    value = np.empty(x.shape)
    value[short] = _short_horizon(params, t[short], x[short], age[short])
    long = ~short
    if not long.any():
        return value
    t, x, age = t[long], x[long], age[long]
    if abs(a - 1.0) < _NEAR_SINGULAR:
        # Linear interpolation between a = 1 - h and a = 1 + h (error O(h^2)).
        weight = (a - (1.0 - _NEAR_SINGULAR)) / (2 * _NEAR_SINGULAR)
        below = _away_from_c_zero(r, alpha, 1.0 - _NEAR_SINGULAR, b, t, x, age)
        above = _away_from_c_zero(r, alpha, 1.0 + _NEAR_SINGULAR, b, t, x, age)
        value[long] = below + weight * (above - below)
    else:
        value[long] = _away_from_c_zero(r, alpha, a, b, t, x, age)
    return value


def _short_horizon(
    params: BGNBDParams, t: FloatArray, x: FloatArray, age: FloatArray
) -> FloatArray:
    """Power series in u = t/(alpha+T) for short horizons, where the closed form cancels.

    Given alive, E[Y | p] = (1 - (1 + p u)^-(r+x)) / p with p ~ Beta(a, b+x), so
    E[Y] = sum_j (-1)^(j-1) (r+x)_j / j! u^j E[p^(j-1)], E[p^m] = (a)_m / (a+b+x)_m. Used only
    when max(r+x, 1) u < 0.05, so successive terms shrink at least 20-fold.
    """
    k = params.r + x
    u = t / (params.alpha + age)
    term = k * u
    total = term.copy()
    for j in range(1, _SHORT_TERMS):
        term = (
            term * -(k + j) * u / (j + 1) * (params.a + j - 1) / (params.a + params.b + x + j - 1)
        )
        total += term
    return total


def _away_from_c_zero(
    r: float, alpha: float, a: float, b: float, t: FloatArray, x: FloatArray, age: FloatArray
) -> FloatArray:
    """The closed form, interpolated in ``b`` where ``c = a + b + x - 1`` is close to 0."""
    c = a + b + x - 1
    near = np.abs(c) < _NEAR_SINGULAR
    value = _closed_form(r, alpha, a, np.full(x.shape, b), t, x, age)
    if near.any():
        # Only possible for x = 0 with a + b close to 1.
        weight = (c[near] + _NEAR_SINGULAR) / (2 * _NEAR_SINGULAR)
        b_below = b - c[near] - _NEAR_SINGULAR
        b_above = b - c[near] + _NEAR_SINGULAR
        args = (t[near], x[near], age[near])
        below = _closed_form(r, alpha, a, b_below, *args)
        above = _closed_form(r, alpha, a, b_above, *args)
        value[near] = below + weight * (above - below)
    return value


def _closed_form(
    r: float,
    alpha: float,
    a: float,
    b: FloatArray,
    t: FloatArray,
    x: FloatArray,
    age: FloatArray,
) -> FloatArray:
    """The Euler-transformed FHL conditional expectation without the P(alive) factor."""
    c = a + b + x - 1
    kept_share = (alpha + age) / (alpha + age + t)  # 1 - z
    z = t / (alpha + age + t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        kept = np.power(kept_share, a - 1) * hyp2f1(a + b - 1 - r, a - 1, c, z)
        value = c / (a - 1) * (1.0 - kept)
    return np.asarray(np.where(t > 0, value, 0.0), dtype=np.float64)
