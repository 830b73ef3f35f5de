"""Input checks shared by the BTYD models: clear ``ValueError`` messages, numpy arrays out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def float_vector(name: str, values: ArrayLike) -> FloatArray:
    """Return ``values`` as a 1-D float64 array, rejecting empty, non-numeric, NaN and inf input."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric; convert it to numbers first ({exc})") from exc
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}; flatten it")
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one customer")
    bad = ~np.isfinite(array)
    if bad.any():
        where = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(array[where]) else "an infinite value"
        raise ValueError(
            f"{name} contains {kind} at position {where}; drop or repair those customers first"
        )
    return array


def same_length(**arrays: Sequence[Any] | NDArray[Any]) -> None:
    """Raise unless every named array has the same length."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name}={size}" for name, size in lengths.items())
        raise ValueError(f"inputs have mismatched lengths ({shown}); pass one value per customer")


def non_negative(name: str, array: FloatArray) -> None:
    """Raise if ``array`` holds a negative value."""
    if (array < 0).any():
        where = int(np.flatnonzero(array < 0)[0])
        raise ValueError(
            f"{name} must not be negative (found {array[where]!r} at position {where}); "
            "check the summary was built with calibration_end after every first purchase"
        )


def whole_numbers(name: str, array: FloatArray) -> None:
    """Raise if ``array`` holds a value that is not a whole number."""
    fractional = array != np.round(array)
    if fractional.any():
        where = int(np.flatnonzero(fractional)[0])
        raise ValueError(
            f"{name} must hold whole numbers of repeat purchases (found {array[where]!r} at "
            f"position {where}); count repeat purchase days, not amounts or rates"
        )


def rfm(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check a frequency/recency/T summary and return it as float arrays."""
    x = float_vector("frequency", frequency)
    tx = float_vector("recency", recency)
    age = float_vector("T", T)
    same_length(frequency=x, recency=tx, T=age)
    non_negative("frequency", x)
    non_negative("recency", tx)
    non_negative("T", age)
    whole_numbers("frequency", x)
    late = tx > age
    if late.any():
        where = int(np.flatnonzero(late)[0])
        raise ValueError(
            f"recency must not exceed T (recency={tx[where]!r} > T={age[where]!r} at position "
            f"{where}); both are measured from the first purchase, so T is the larger"
        )
    return x, tx, age


def horizon(name: str, t: ArrayLike) -> FloatArray:
    """Check a non-negative prediction horizon (scalar or one per customer)."""
    array = float_vector(name, t)
    non_negative(name, array)
    return array


def history_and_horizon(
    t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Checked ``(x, t_x, T, horizon)`` for a prediction: the horizon is one value or one
    per customer."""
    x, tx, age = rfm(frequency, recency, T)
    ahead = horizon("t", t)
    if ahead.size not in (1, x.size):
        same_length(t=ahead, frequency=x)
    return x, tx, age, ahead


def finite_expectation(model: str, expected: FloatArray, params: object) -> FloatArray:
    """``expected`` as a float array, or a clear error naming the first customer whose
    expected purchases could not be evaluated."""
    if not np.isfinite(expected).all():
        where = int(np.flatnonzero(~np.isfinite(expected))[0])
        raise ValueError(
            f"{model} expected purchases could not be evaluated for the customer at position "
            f"{where} with {params}: the horizon or parameters are too extreme; use a shorter "
            "horizon or a longer time unit"
        )
    return np.asarray(expected, dtype=np.float64)
