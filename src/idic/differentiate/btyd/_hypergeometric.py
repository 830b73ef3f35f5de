"""Gauss hypergeometric function 2F1 for |z| < 1, guarded against two scipy failure modes.

``scipy.special.hyp2f1`` is accurate almost everywhere the BTYD models need it, but

* when ``c - a - b`` is within about 1e-4 of an integer and z is near 1 it loses accuracy
  (about 1e-13 / distance, relative; ``hyp2f1(1, 0.3, 3.3, 0.999)`` is off by 1e-6), so
  within 2e-4 of an integer the value is interpolated by a cubic through points where ``b``
  is moved to put ``c - a - b`` at the integer -4e-4, -2e-4, +2e-4 and +4e-4 (2F1 is entire
  in b, so unlike moving c this can never cross a pole);
* for some large parameter sets near z = 1 it returns ``inf`` or ``nan`` (for example
  ``hyp2f1(1, 1, 101, 0.95)``, whose true value is about 1.0096), so those entries are
  recomputed from the defining power series, which converges for |z| < 1.
"""

from __future__ import annotations

import numpy as np
import scipy.special
from numpy.typing import ArrayLike

from ._checks import FloatArray

_INTEGER_GAP = 2e-4
_NODES = np.array([-2.0, -1.0, 1.0, 2.0]) * _INTEGER_GAP
_CHUNK = 4096
_MAX_TERMS = 4_000_000
_TOLERANCE = 1e-16


def hyp2f1(a: ArrayLike, b: ArrayLike, c: ArrayLike, z: ArrayLike) -> FloatArray:
    """2F1(a, b; c; z) for real |z| < 1; ``nan`` only where the series itself cannot be summed."""
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (a, b, c, z)))
    shape = arrays[0].shape
    fa, fb, fc, fz = (np.ravel(v) for v in arrays)
    excess = fc - fa - fb
    offset = excess - np.round(excess)
    degenerate = np.abs(offset) < _INTEGER_GAP
    value = _guarded(fa, fb, fc, fz)
    if degenerate.any():
        da, dc, dz = fa[degenerate], fc[degenerate], fz[degenerate]
        at = offset[degenerate]
        level = fb[degenerate] + at  # b that makes c - a - b exactly the integer
        interpolated = np.zeros(at.size)
        for j, node in enumerate(_NODES):
            others = np.delete(_NODES, j)
            weight = np.prod((at[:, None] - others) / (node - others), axis=1)
            interpolated += weight * _guarded(da, level - node, dc, dz)
        value[degenerate] = interpolated
    return value.reshape(shape)


def _guarded(a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    """scipy's 2F1, with non-finite results replaced by the summed power series."""
    with np.errstate(all="ignore"):
        value = np.asarray(scipy.special.hyp2f1(a, b, c, z), dtype=np.float64).copy()
    failed = ~np.isfinite(value)
    if failed.any():
        value[failed] = _series(a[failed], b[failed], c[failed], z[failed])
    return value


def _series(a: FloatArray, b: FloatArray, c: FloatArray, z: FloatArray) -> FloatArray:
    """Sum the Gauss series term by term, a chunk at a time, for the entries still running."""
    total = np.ones(a.size)
    term = np.ones(a.size)
    running = np.abs(z) < 1
    steps = np.arange(_CHUNK, dtype=np.float64)
    start = 0
    with np.errstate(all="ignore"):
        while running.any() and start < _MAX_TERMS:
            idx = np.flatnonzero(running)
            n = start + steps[None, :]
            ratio = (
                (a[idx, None] + n)
                * (b[idx, None] + n)
                / ((c[idx, None] + n) * (n + 1))
                * z[idx, None]
            )
            terms = term[idx, None] * np.cumprod(ratio, axis=1)
            total[idx] += terms.sum(axis=1)
            term[idx] = terms[:, -1]
            # Once the term ratio is below 1 in size, the tail is at most |t| rho / (1 - rho).
            rho = np.maximum(np.abs(ratio[:, -1]), np.abs(z[idx]))
            tail = np.abs(term[idx]) * rho / (1 - rho)
            finished = (rho < 1) & (tail <= _TOLERANCE * np.abs(total[idx]))
            broken = ~np.isfinite(total[idx])
            running[idx[finished | broken]] = False
            start += _CHUNK
    total[running | ~np.isfinite(total) | (np.abs(z) >= 1)] = np.nan
    return total
