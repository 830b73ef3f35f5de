"""Gamma-Gamma spend model (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value").

Each transaction's value is Gamma(p, nu) with nu ~ Gamma(q, gamma) across customers, so a
customer's mean spend over x transactions, m, has a closed-form marginal density.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from . import _checks
from ._checks import FloatArray
from ._optimise import maximise


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma parameters with fit diagnostics."""

    p: float
    q: float
    gamma: float
    log_likelihood: float = float("nan")
    n_customers: int = 0
    converged: bool = True
    seconds: float = 0.0


def _spend_inputs(frequency: ArrayLike, monetary: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Check frequency and monetary value arrays."""
    x = _checks.float_vector("frequency", frequency)
    m = _checks.float_vector("monetary", monetary)
    _checks.same_length(frequency=x, monetary=m)
    _checks.non_negative("frequency", x)
    _checks.non_negative("monetary", m)
    _checks.whole_numbers("frequency", x)
    return x, m


def _log_likelihood(p: float, q: float, gamma: float, x: FloatArray, m: FloatArray) -> FloatArray:
    """Log density of the mean spend ``m`` over ``x`` transactions (x > 0, m > 0)."""
    px = p * x
    return np.asarray(
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(gamma + m * x),
        dtype=np.float64,
    )


def _gradient(p: float, q: float, gamma: float, x: FloatArray, m: FloatArray) -> FloatArray:
    """Gradient of the total log-likelihood with respect to (p, q, gamma)."""
    px, log_total = p * x, np.log(gamma + m * x)
    both = digamma(px + q)
    d_p = x * (both - digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = both - digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return np.array([d_p.sum(), d_q.sum(), d_gamma.sum()])


def fit_gamma_gamma(
    frequency: ArrayLike,
    monetary: ArrayLike,
    *,
    initial: tuple[float, float, float] | None = None,
    max_iterations: int = 2000,
    raise_on_failure: bool = True,
) -> GammaGammaParams:
    """Fit the Gamma-Gamma model by maximum likelihood on customers with frequency > 0.

    Args:
        frequency: Repeat purchase counts; customers with 0 are left out of the fit.
        monetary: Mean spend per repeat purchase; must be positive where frequency > 0.
        initial: Starting ``(p, q, gamma)``; defaults to ``(1, 1, mean spend)``.
        max_iterations: Optimiser iteration budget.
        raise_on_failure: Raise ``ValueError`` if the fit does not converge; when false, the
            best point found is returned with ``converged=False``.
    """
    x, m = _spend_inputs(frequency, monetary)
    repeat = x > 0
    if not repeat.any():
        raise ValueError(
            "nobody has a repeat purchase (all frequency == 0), so Gamma-Gamma has nothing to "
            "fit; use a longer calibration period or more customers"
        )
    x, m = x[repeat], m[repeat]
    if (m <= 0).any():
        where = int(np.flatnonzero(m <= 0)[0])
        raise ValueError(
            f"monetary must be positive for repeat buyers (found {m[where]!r} for the repeat "
            f"buyer at position {where}); drop customers whose repeat purchases were free"
        )

    def total(params: FloatArray) -> float:
        p, q, gamma = params
        return float(_log_likelihood(p, q, gamma, x, m).sum())

    def gradient(params: FloatArray) -> FloatArray:
        p, q, gamma = params
        return _gradient(p, q, gamma, x, m)

    start = np.array(initial if initial is not None else (1.0, 1.0, float(m.mean())))
    best = maximise(
        total,
        start,
        gradient=gradient,
        model="Gamma-Gamma",
        max_iterations=max_iterations,
        raise_on_failure=raise_on_failure,
    )
    p, q, gamma = (float(v) for v in best.params)
    return GammaGammaParams(
        p=p,
        q=q,
        gamma=gamma,
        log_likelihood=best.log_likelihood,
        n_customers=int(x.size),
        converged=best.converged,
        seconds=best.seconds,
    )


def expected_average_spend(
    params: GammaGammaParams, frequency: ArrayLike, monetary: ArrayLike
) -> FloatArray:
    """Expected mean spend per future transaction given each customer's history.

    ``E[M | x, m] = (gamma + x m) p / (p x + q - 1)``: a weighted average of the population
    mean ``p gamma / (q - 1)`` and the customer's own mean ``m``. Customers with no repeat
    purchase get the population mean.

    Raises:
        ValueError: if ``q <= 1`` (the population mean spend is then infinite).
    """
    x, m = _spend_inputs(frequency, monetary)
    p, q, gamma = params.p, params.q, params.gamma
    if q <= 1:
        raise ValueError(
            f"Gamma-Gamma q must exceed 1 for a finite expected spend (got q={q}); the spend "
            "data are too heavy-tailed: trim outliers or cap monetary values before fitting"
        )
    m = np.where(x > 0, m, 0.0)
    return np.asarray((gamma + x * m) * p / (p * x + q - 1), dtype=np.float64)
