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


def _log_tail(
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
) -> ParetoNBDParams:
    """Fit the Pareto/NBD model by maximum likelihood.

    Args:
        frequency: Repeat purchase counts per customer.
        recency: Time of last purchase minus time of first purchase.
        T: Time from first purchase to the end of the calibration period.
        initial: Starting ``(r, alpha, s, beta)``; defaults to ``(1, mean T, 1, mean T)``.
        max_iterations: Optimiser iteration budget.
        raise_on_failure: Raise ``ValueError`` if the fit does not converge; when false, the
            best point found is returned with ``converged=False``.
    """
    x, tx, age = _checks.rfm(frequency, recency, T)
    rows, counts = np.unique(np.column_stack([x, tx, age]), axis=0, return_counts=True)
    ux, utx, uage = rows[:, 0], rows[:, 1], rows[:, 2]
    weights = counts.astype(np.float64)

    def total(params: FloatArray) -> float:
        r, alpha, s, beta = params
        return float(weights @ _log_likelihood(r, alpha, s, beta, ux, utx, uage))

    scale = max(float(age.mean()), 1.0)
    start = np.array(initial if initial is not None else (1.0, scale, 1.0, scale))
    best = maximise(
        total,
        start,
        model="Pareto/NBD",
        max_iterations=max_iterations,
        raise_on_failure=raise_on_failure,
    )
    r, alpha, s, beta = (float(v) for v in best.params)
    return ParetoNBDParams(
        r=r,
        alpha=alpha,
        s=s,
        beta=beta,
        log_likelihood=best.log_likelihood,
        n_customers=int(x.size),
        converged=best.converged,
        seconds=best.seconds,
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


def _raise_if_unevaluable(values: FloatArray, params: ParetoNBDParams) -> None:
    """Raise rather than return NaN where the hypergeometric series could not be summed."""
    if np.isnan(values).any():
        where = int(np.flatnonzero(np.isnan(values))[0])
        raise ValueError(
            f"Pareto/NBD could not be evaluated for the customer at position {where} with "
            f"{params}: the parameters are too extreme (alpha and beta many orders of "
            "magnitude apart); rescale the time unit or refit"
        )
