"""Maximum likelihood on log-parameters, shared by the BTYD fitters."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from ._checks import FloatArray


@dataclass(frozen=True)
class Optimum:
    """Where the optimiser stopped: natural-scale parameters, log-likelihood and diagnostics."""

    params: FloatArray
    log_likelihood: float
    converged: bool
    message: str
    seconds: float
    at_bound: tuple[bool, ...]  # per parameter: ended on its upper bound


def maximise(
    log_likelihood: Callable[[FloatArray], float],
    start: FloatArray,
    *,
    gradient: Callable[[FloatArray], FloatArray] | None = None,
    model: str,
    max_iterations: int,
    raise_on_failure: bool,
    polish: bool = True,
    upper: Sequence[float | None] | None = None,
) -> Optimum:
    """Maximise ``log_likelihood`` over log-parameters, starting from ``start`` (natural scale).

    With ``upper`` (natural-scale upper bounds, None for none) L-BFGS-B keeps each parameter
    at or below its bound, and a parameter that ends on its bound while the likelihood
    still rises beyond it counts as settled there (the constrained maximum); otherwise
    BFGS does the work, with the analytic ``gradient`` (d log-likelihood / d parameter, natural
    scale) when given and central differences otherwise; a Nelder-Mead pass polishes the
    result if BFGS stops early (it can report "precision loss" right at the optimum) unless
    ``polish`` is false (a flat likelihood can keep Nelder-Mead walking for long). The fit
    counts as converged when the gradient in log-parameters at the final point is negligible.

    Raises:
        ValueError: when the likelihood is not finite at the start, or the fit does not converge
            and ``raise_on_failure`` is true.
    """
    began = time.perf_counter()

    def objective(theta: FloatArray) -> float:
        with np.errstate(all="ignore"):
            value = log_likelihood(np.exp(theta))
        return -value if np.isfinite(value) else np.inf

    ceiling = _log_ceiling(upper, len(start))
    slope: Callable[[FloatArray], FloatArray] | None = None
    if gradient is not None:
        natural_gradient = gradient

        def slope(theta: FloatArray) -> FloatArray:
            params = np.exp(theta)
            with np.errstate(all="ignore"):
                return np.asarray(-natural_gradient(params) * params, dtype=np.float64)

    jac: Callable[[FloatArray], FloatArray] | str = slope if slope is not None else "3-point"

    start = np.asarray(start, dtype=np.float64)
    if not (np.all(np.isfinite(start)) and np.all(start > 0)):
        raise ValueError(
            f"the {model} starting values {start.tolist()} must all be positive and finite; "
            "pass positive `initial` values"
        )
    if ceiling is not None and not np.all(np.log(start) <= ceiling):
        raise ValueError(
            f"the {model} starting values {start.tolist()} must lie within the upper bounds "
            f"{list(upper or [])}"
        )
    theta0 = np.log(start)
    if not np.isfinite(objective(theta0)):
        raise ValueError(
            f"the {model} log-likelihood is not finite at the starting values {start.tolist()}; "
            "check the inputs or pass different `initial` values"
        )
    # Steps into overflowing regions are expected while searching: the objective is +inf there.
    with np.errstate(all="ignore"):
        options: dict[str, float] = {"maxiter": max_iterations, "gtol": 1e-7}
        if ceiling is not None:
            options["ftol"] = 1e-13  # L-BFGS-B otherwise stops on a small relative change
        result = minimize(
            objective,
            theta0,
            method="BFGS" if ceiling is None else "L-BFGS-B",
            jac=jac,
            bounds=None if ceiling is None else _bounds(ceiling),
            options=options,
        )
    theta = np.asarray(result.x, dtype=np.float64)
    if polish and not _stationary(objective, slope, theta, ceiling):
        with np.errstate(all="ignore"):
            polished = minimize(
                objective,
                theta,
                method="Nelder-Mead",
                bounds=None if ceiling is None else _bounds(ceiling),
                options={"maxiter": max_iterations * 20, "xatol": 1e-9, "fatol": 1e-10},
            )
        if polished.fun <= result.fun:
            result, theta = polished, np.asarray(polished.x, dtype=np.float64)
    converged = bool(np.isfinite(result.fun)) and _stationary(objective, slope, theta, ceiling)
    seconds = time.perf_counter() - began
    if not converged and raise_on_failure:
        raise ValueError(
            f"the {model} fit did not converge ({result.message}); check that frequency, "
            "recency and T share one time unit and that the data hold enough repeat buyers, "
            "or raise `max_iterations` / pass other `initial` values"
        )
    return Optimum(
        params=np.exp(theta),
        log_likelihood=-float(result.fun),
        converged=converged,
        message=str(result.message),
        seconds=seconds,
        at_bound=tuple(bool(v) for v in _on_ceiling(theta, ceiling)),
    )


def _log_ceiling(upper: Sequence[float | None] | None, size: int) -> FloatArray | None:
    """Upper bounds in log-parameters (+inf where a parameter has none), or None."""
    if upper is None:
        return None
    if len(upper) != size:
        raise ValueError(f"expected {size} upper bounds, got {len(upper)}")
    bounds = np.array([np.inf if u is None else u for u in upper], dtype=np.float64)
    if not np.all(bounds > 0):
        raise ValueError(f"upper bounds must be positive, not {list(upper)}")
    return np.asarray(np.log(bounds), dtype=np.float64)


def _bounds(ceiling: FloatArray) -> list[tuple[None, float | None]]:
    return [(None, float(c) if np.isfinite(c) else None) for c in ceiling]


def _on_ceiling(theta: FloatArray, ceiling: FloatArray | None) -> NDArray[np.bool_]:
    """Which parameters sit on their upper bound."""
    if ceiling is None:
        return np.zeros(theta.size, dtype=bool)
    return np.asarray(theta >= ceiling - 1e-9, dtype=bool)


def _stationary(
    objective: Callable[[FloatArray], float],
    slope: Callable[[FloatArray], FloatArray] | None,
    theta: FloatArray,
    ceiling: FloatArray | None = None,
) -> bool:
    """Whether the gradient of ``objective`` at ``theta`` is negligible, leaving out a
    parameter on its upper bound whose objective still falls beyond it.

    Uses ``slope`` when given, central differences otherwise.
    """
    base = objective(theta)
    if not np.isfinite(base) or not np.all(np.isfinite(theta)):
        return False
    if slope is not None:
        gradient = slope(theta)
    else:
        step = 1e-5
        gradient = np.empty_like(theta)
        for i in range(theta.size):
            shift = np.zeros_like(theta)
            shift[i] = step
            gradient[i] = (objective(theta + shift) - objective(theta - shift)) / (2 * step)
    if not np.all(np.isfinite(gradient)):
        return False
    gradient = np.where(_on_ceiling(theta, ceiling) & (gradient < 0), 0.0, gradient)
    return bool(np.max(np.abs(gradient)) <= 1e-3 * max(1.0, abs(base)) ** 0.5)
