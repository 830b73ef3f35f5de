"""Probability that a customer is still alive, for whichever model's parameters are given."""

from __future__ import annotations

from numpy.typing import ArrayLike

from . import bgnbd, pareto_nbd
from ._checks import FloatArray


def probability_alive(
    params: bgnbd.BGNBDParams | pareto_nbd.ParetoNBDParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
) -> FloatArray:
    """P(alive at T | frequency, recency, T) under BG/NBD or Pareto/NBD, chosen by ``params``."""
    if isinstance(params, bgnbd.BGNBDParams):
        return bgnbd.probability_alive(params, frequency, recency, T)
    if isinstance(params, pareto_nbd.ParetoNBDParams):
        return pareto_nbd.probability_alive(params, frequency, recency, T)
    raise ValueError(
        f"probability_alive needs BGNBDParams or ParetoNBDParams, got {type(params).__name__}; "
        "pass the result of fit_bgnbd or fit_pareto_nbd"
    )
