"""Pareto/NBD fitted to histories drawn from its own story, with and without a bound on s,
and the bounded search underneath it."""

from __future__ import annotations

import numpy as np
import pytest

from idic.differentiate.btyd import pareto_nbd
from idic.differentiate.btyd._optimise import maximise

WEEKS = 150.0


def _histories(
    n: int, *, r: float, alpha: float, dropout: np.ndarray, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, t_x, T) of ``n`` customers born uniformly over ``WEEKS`` weeks who buy as a
    Poisson process at rate Gamma(r, alpha) until an exponential death at rate ``dropout``."""
    rng = np.random.default_rng(seed)
    first = rng.uniform(0, WEEKS, n)
    end = np.minimum(first + rng.exponential(1 / dropout), WEEKS)
    rate = rng.gamma(r, 1 / alpha, n)
    x = rng.poisson(rate * (end - first))
    # the last of x uniform times in the active span, measured from the first purchase
    tx = np.where(x > 0, (end - first) * rng.random(n) ** (1 / np.maximum(x, 1)), 0.0)
    return x.astype(float), tx, WEEKS - first


def test_one_common_dropout_rate_ends_on_the_bound_and_is_estimated():
    # given customers whose lifetimes all have one rate: mean lifetime 100 weeks
    n = 4000
    x, tx, age = _histories(n, r=0.8, alpha=2.0, dropout=np.full(n, 1 / 100), seed=11)
    # when fitted with s bounded at 50
    fit = pareto_nbd.fit_pareto_nbd(x, tx, age, max_s=50.0, max_iterations=300)
    # then the fit converges with s on its bound, and the common rate and the purchase
    # side are recovered
    assert fit.converged and fit.s_at_bound and fit.s == pytest.approx(50.0)
    assert fit.beta / fit.s == pytest.approx(100.0, rel=0.15)
    assert fit.r == pytest.approx(0.8, rel=0.15)
    assert fit.alpha == pytest.approx(2.0, rel=0.2)
    assert np.isfinite(pareto_nbd.expected_purchases(fit, 52.0, x, tx, age)).all()


def test_differing_dropout_rates_are_fitted_inside_the_bound():
    # given customers whose dropout rates differ: mu ~ Gamma(s = 1.5, beta = 120 weeks)
    n = 4000
    rates = np.random.default_rng(5).gamma(1.5, 1 / 120.0, n)
    x, tx, age = _histories(n, r=0.8, alpha=2.0, dropout=rates, seed=12)
    # when fitted with the same bound
    fit = pareto_nbd.fit_pareto_nbd(x, tx, age, max_s=50.0, max_iterations=300)
    # then s stays well inside it, near the truth, and the unbounded fit agrees
    assert fit.converged and not fit.s_at_bound
    assert fit.s == pytest.approx(1.5, rel=0.5)
    assert fit.beta / fit.s == pytest.approx(80.0, rel=0.25)
    free = pareto_nbd.fit_pareto_nbd(x, tx, age, max_iterations=300)
    assert free.log_likelihood == pytest.approx(fit.log_likelihood, abs=1e-3)
    assert free.s == pytest.approx(fit.s, rel=1e-2)


def test_the_bound_on_s_is_checked():
    x, tx, age = [1.0, 0.0], [2.0, 0.0], [10.0, 12.0]
    with pytest.raises(ValueError, match="max_s"):
        pareto_nbd.fit_pareto_nbd(x, tx, age, max_s=0.0)
    with pytest.raises(ValueError, match=r"starting s 5\.0 must not exceed max_s 2\.0"):
        pareto_nbd.fit_pareto_nbd(x, tx, age, max_s=2.0, initial=(1.0, 1.0, 5.0, 1.0))


def _peak(at: float):
    """A concave log-likelihood in log-parameters with its maximum at ``at``."""
    return lambda p: -float((np.log(p[0]) - np.log(at)) ** 2 + (np.log(p[1]) - 1.0) ** 2)


@pytest.mark.parametrize(
    ("peak", "bound", "expected", "on_bound"),
    [(3.0, 10.0, 3.0, False), (30.0, 10.0, 10.0, True), (30.0, None, 30.0, False)],
)
def test_the_bounded_search_settles_on_the_bound_only_when_the_peak_lies_beyond(
    peak, bound, expected, on_bound
):
    best = maximise(
        _peak(peak),
        np.array([1.0, 1.0]),
        model="test",
        max_iterations=200,
        raise_on_failure=True,
        upper=None if bound is None else (bound, None),
    )
    assert best.converged
    assert best.params[0] == pytest.approx(expected, rel=1e-5)
    assert best.params[1] == pytest.approx(np.e, rel=1e-5)
    assert best.at_bound == ((on_bound, False) if bound is not None else (False, False))


def test_bounds_are_checked():
    with pytest.raises(ValueError, match="expected 2 upper bounds, got 1"):
        maximise(_peak(1.0), np.array([1.0, 1.0]), model="t", max_iterations=5,
                 raise_on_failure=True, upper=(1.0,))  # fmt: skip
    with pytest.raises(ValueError, match="must lie within the upper bounds"):
        maximise(_peak(1.0), np.array([3.0, 1.0]), model="t", max_iterations=5,
                 raise_on_failure=True, upper=(2.0, None))  # fmt: skip
    with pytest.raises(ValueError, match="upper bounds must be positive"):
        maximise(_peak(1.0), np.array([1.0, 1.0]), model="t", max_iterations=5,
                 raise_on_failure=True, upper=(-1.0, None))  # fmt: skip
