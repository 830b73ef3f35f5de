"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): fit and probability alive.

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); their
lifetime is exponential with rate mu ~ Gamma(s, beta). The likelihood follows Fader & Hardie's
2005 note "A Note on Deriving the Pareto/NBD Model and Related Expressions".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import gammaln

from . import _checks
from ._checks import FloatArray
from ._hypergeometric import hyp2f1
from ._optimise import maximise


@dataclass(frozen=True)
class ParetoNBDParams:
    """Fitted Pareto/NBD parameters with fit diagnostics."""

    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float = float("nan")
    n_customers: int = 0
    converged: bool = True
    seconds: float = 0.0
    s_at_bound: bool = False


# above this many customers, J is evaluated once per distinct (x, y) pair
_DISTINCT_FROM = 20_000


def _log_tail(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, y: FloatArray
) -> FloatArray:
    """log J(y) per customer (see :func:`_log_tail_of`); many customers share their
    (x, y) pair (whole days, few purchases), so a large population is evaluated once per
    distinct pair: the hypergeometric function is by far the costliest part."""
    if x.size < _DISTINCT_FROM:
        return _log_tail_of(r, alpha, s, beta, x, y)
    pairs, back = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    values = _log_tail_of(r, alpha, s, beta, pairs[:, 0], pairs[:, 1])
    return np.asarray(values[back.ravel()], dtype=np.float64)


def _log_tail_of(
    r: float, alpha: float, s: float, beta: float, x: FloatArray, y: FloatArray
) -> FloatArray:
    """log J(y), J(y) = integral from y to infinity of (alpha+u)^-(r+x) (beta+u)^-(s+1) du.

    With k = r + s + x the integral is ``(w+y)^-k 2F1(k, n; k+1; z) / k`` for the larger of
    alpha and beta as ``w``; Euler's transformation turns it into
    ``(alpha+y)^-(r+x) (beta+y)^-s 2F1(1, r+x; k+1; z) / k`` (alpha >= beta) or
    ``(alpha+y)^(1-r-x) (beta+y)^-(s+1) 2F1(1, s+1; k+1; z) / k`` (beta > alpha), where the
    2F1 lies between 1 and 1/(1-z). Nothing overflows however many purchases a customer has,
    so heavy buyers get finite likelihoods.
    """
    k = r + s + x
    log_alpha, log_beta = np.log(alpha + y), np.log(beta + y)
    # The 2F1 is evaluated by ._hypergeometric.hyp2f1, which falls back to the series where
    # scipy overflows (large r + x with z near 1).
    if alpha >= beta:
        z = (alpha - beta) / (alpha + y)
        power = -(r + x) * log_alpha - s * log_beta
        series = hyp2f1(1.0, r + x, k + 1, z)
    else:
        z = (beta - alpha) / (beta + y)
        power = (1 - r - x) * log_alpha - (s + 1) * log_beta
        series = hyp2f1(1.0, s + 1, k + 1, z)
    return np.asarray(power + np.log(series) - np.log(k), dtype=np.float64)


def _terms(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: FloatArray,
    tx: FloatArray,
    age: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Log of the "alive at T" and "died between tx and T" terms, without shared factors."""
    alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    near, far = _log_tail(r, alpha, s, beta, x, tx), _log_tail(r, alpha, s, beta, x, age)
    # log(s (J(tx) - J(T))) with J decreasing; zero when tx == T.
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.minimum(far - near, 0.0)
        died = np.where(tx < age, np.log(s) + near + np.log(-np.expm1(gap)), -np.inf)
    return alive, died


def _log_likelihood(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: FloatArray,
    tx: FloatArray,
    age: FloatArray,
) -> FloatArray:
    """Per-customer Pareto/NBD log-likelihood."""
    alive, died = _terms(r, alpha, s, beta, x, tx, age)
    shared = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    with np.errstate(invalid="ignore"):
        return np.asarray(shared + np.logaddexp(alive, died), dtype=np.float64)


def log_likelihood(
    params: ParetoNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer Pareto/NBD log-likelihood (Fader & Hardie 2005 note)."""
    x, tx, age = _checks.rfm(frequency, recency, T)
    return _log_likelihood(params.r, params.alpha, params.s, params.beta, x, tx, age)


def fit_pareto_nbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    initial: tuple[float, float, float, float] | None = None,
    max_iterations: int = 2000,
    raise_on_failure: bool = True,
    polish: bool = True,
    max_s: float | None = None,
) -> ParetoNBDParams:
    """Fit the Pareto/NBD model by maximum likelihood.

    The search runs over r, alpha, s and the mean dropout rate s/beta, which the data pin
    down well even where s itself is barely identified. When every customer's lifetime has
    about the same rate, the likelihood keeps rising as s grows with s/beta fixed (the
    Gamma mixing of the dropout rate collapses to one rate), and each evaluation of the
    hypergeometric function gets slower the larger s is. ``max_s`` bounds s: the fit then
    is the maximum with s at most that value, and ``s_at_bound`` says when s ends on it,
    which reads "dropout rates hardly differ between customers" (Gamma(s) with s = 50 has
    a coefficient of variation of 14 %); the other parameters are then estimated as well
    as in an interior fit.

    Args:
        frequency: Repeat purchase counts per customer.
        recency: Time of last purchase minus time of first purchase.
        T: Time from first purchase to the end of the calibration period.
        initial: Starting ``(r, alpha, s, beta)``; defaults to ``(1, mean T, 1, mean T)``.
        max_iterations: Optimiser iteration budget.
        raise_on_failure: Raise ``ValueError`` if the fit does not converge; when false, the
            best point found is returned with ``converged=False``.
        polish: Polish with Nelder-Mead when the gradient search stops short of a stationary
            point (see ``_optimise.maximise``); false bounds the work to ``max_iterations``
            gradient steps.
        max_s: Upper bound of s (None: unbounded).
    """
    if max_s is not None and not (np.isfinite(max_s) and max_s > 0):
        raise ValueError(f"max_s must be a positive number, not {max_s!r}")
    x, tx, age = _checks.rfm(frequency, recency, T)
    rows, counts = np.unique(np.column_stack([x, tx, age]), axis=0, return_counts=True)
    ux, utx, uage = rows[:, 0], rows[:, 1], rows[:, 2]
    weights = counts.astype(np.float64)

    def total(params: FloatArray) -> float:
        r, alpha, s, rate = params
        return float(weights @ _log_likelihood(r, alpha, s, s / rate, ux, utx, uage))

    scale = max(float(age.mean()), 1.0)
    r0, alpha0, s0, beta0 = initial if initial is not None else (1.0, scale, 1.0, scale)
    if max_s is not None and not s0 <= max_s:
        raise ValueError(f"the starting s {s0} must not exceed max_s {max_s}")
    best = maximise(
        total,
        np.array([r0, alpha0, s0, s0 / beta0 if beta0 > 0 else -1.0]),
        model="Pareto/NBD",
        max_iterations=max_iterations,
        raise_on_failure=raise_on_failure,
        polish=polish,
        upper=None if max_s is None else (None, None, max_s, None),
    )
    r, alpha, s, rate = (float(v) for v in best.params)
    return ParetoNBDParams(
        r=r,
        alpha=alpha,
        s=s,
        beta=s / rate,
        log_likelihood=best.log_likelihood,
        n_customers=int(x.size),
        converged=best.converged,
        seconds=best.seconds,
        s_at_bound=best.at_bound[2],
    )


def probability_alive(
    params: ParetoNBDParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """P(customer still alive at T | frequency, recency, T) under Pareto/NBD.

    The share of the likelihood contributed by the "still alive at T" term, computed in log
    space so it stays finite (and in [0, 1]) for heavy buyers.
    """
    x, tx, age = _checks.rfm(frequency, recency, T)
    alive, died = _terms(params.r, params.alpha, params.s, params.beta, x, tx, age)
    with np.errstate(invalid="ignore"):
        share = np.exp(alive - np.logaddexp(alive, died))
    _raise_if_unevaluable(share, params)
    return np.asarray(share, dtype=np.float64)


def expected_purchases(
    params: ParetoNBDParams,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """Expected purchases in the next ``t`` time units given each customer's history.

    Alive at T, a customer's purchase rate and dropout rate have the posteriors
    lambda ~ Gamma(r+x, alpha+T) and mu ~ Gamma(s, beta+T), and a customer with rates
    (lambda, mu) makes ``lambda/mu * (1 - exp(-mu t))`` purchases in t on average. So
    (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005 note)
    ``E[Y(t)] = P(alive) * (r+x)/(alpha+T) * (beta+T)/(s-1) * [1 - ((beta+T)/(beta+T+t))^(s-1)]``,
    whose s -> 1 limit is ``... * (beta+T) * ln((beta+T+t)/(beta+T))``. It is computed
    with ``expm1``/``log1p``, so it is exact near s = 1 and for short horizons.

    Args:
        params: Fitted Pareto/NBD parameters.
        t: Horizon, in the summary's time unit (scalar or one per customer).
        frequency: Repeat purchase counts.
        recency: Time of last purchase minus first purchase.
        T: Time from first purchase to the end of calibration.
    """
    return alive_and_expected(params, t, frequency, recency, T)[1]


def alive_and_expected(
    params: ParetoNBDParams,
    t: ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """:func:`probability_alive` and :func:`expected_purchases` at once (the second
    needs the first)."""
    x, tx, age, horizon = _checks.history_and_horizon(t, frequency, recency, T)
    alive = probability_alive(params, x, tx, age)
    s = params.s
    scale = params.beta + age
    log_growth = np.log1p(horizon / scale)  # ln((beta+T+t)/(beta+T))
    if abs(s - 1.0) < 1e-12:
        per_mu = scale * log_growth
    else:
        per_mu = scale * -np.expm1(-(s - 1.0) * log_growth) / (s - 1.0)
    expected = alive * (params.r + x) / (params.alpha + age) * per_mu
    return alive, _checks.finite_expectation("Pareto/NBD", expected, params)


def _raise_if_unevaluable(values: FloatArray, params: ParetoNBDParams) -> None:
    """Raise rather than return NaN where the hypergeometric series could not be summed."""
    if np.isnan(values).any():
        where = int(np.flatnonzero(np.isnan(values))[0])
        raise ValueError(
            f"Pareto/NBD could not be evaluated for the customer at position {where} with "
            f"{params}: the parameters are too extreme (alpha and beta many orders of "
            "magnitude apart); rescale the time unit or refit"
        )
