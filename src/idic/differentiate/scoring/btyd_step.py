"""Predictive value: BG/NBD (expected purchases, probability alive), Gamma-Gamma
(expected spend per purchase) and CLV, fitted by maximum likelihood on the run's data.

The per-customer summary is an Ibis aggregate (the engine does the heavy part); the
fits and the predictions are numpy on one row per customer. Purchases on the same
calendar day count as one, as in the BTYD literature and in
:func:`idic.differentiate.btyd.summarise`, which :func:`btyd_summary` mirrors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from idic.differentiate.btyd import (
    customer_lifetime_value,
    expected_average_spend,
    expected_purchases,
    fit_bgnbd,
    fit_gamma_gamma,
    fit_pareto_nbd,
    probability_alive,
)
from idic.differentiate.btyd.pareto_nbd import alive_and_expected
from idic.differentiate.grading_input import cutoff, up_to
from idic.differentiate.purchase_days import days_up_to
from idic.differentiate.scoring.context import Context, purchase_days
from idic.differentiate.scoring.params import ScoringParams


def btyd_summary(
    transactions: ir.Table, *, as_of: dt.date, per_customer: ir.Table | None = None
) -> ir.Table:
    """One row per customer who bought at or before ``as_of``, times in days.

    Columns: ``customer_id``; ``frequency`` (repeat purchase days = distinct purchase days
    minus one); ``recency_days`` (last purchase day minus first); ``age_days`` (as_of day
    minus first purchase day); ``monetary`` (mean daily spend over the repeat purchase
    days, the first day excluded; 0 without repeat purchases).

    ``transactions`` may be a purchase-day table
    (:func:`idic.differentiate.purchase_days.daily_purchases`; ``as_of`` a date then).
    ``per_customer`` may pass what is already known per customer — ``customer_id,
    first_purchase, last_purchase`` (dates), ``frequency`` (distinct purchase days) and
    ``spend`` (total up to as_of), as :func:`idic.differentiate.rfm.rfm` returns them —
    so only the first day's spend is read from the purchase days.
    """
    days = days_up_to(transactions, as_of)
    _, as_of_day = cutoff(as_of)
    if per_customer is None:
        per = days.group_by("customer_id").aggregate(
            first_day=days.day.min(),
            last_day=days.day.max(),
            days=days.count().cast("int64"),
            total=days.spend.sum(),
        )
    else:
        p = per_customer
        per = p.select(
            "customer_id",
            first_day=p.first_purchase,
            last_day=p.last_purchase,
            days=p.frequency.cast("int64"),
            total=p.spend.cast("float64"),
        )
    firsts = per.select(first_customer=per.customer_id, first_day=per.first_day)
    on_first = days.join(
        firsts, [days.customer_id == firsts.first_customer, days.day == firsts.first_day]
    )
    first_spend = on_first.select("customer_id", first_spend=on_first.spend)
    both = per.join(first_spend, "customer_id")
    frequency = (both.days - 1).cast("int64")
    as_of_lit = ibis.literal(as_of_day, type="date")
    return both.select(
        "customer_id",
        frequency=frequency,
        recency_days=both.last_day.delta(both.first_day, unit="day").cast("int64"),
        age_days=as_of_lit.delta(both.first_day, unit="day").cast("int64"),
        monetary=ibis.ifelse(
            frequency > 0, (both.total - both.first_spend) / frequency.cast("float64"), 0.0
        ).cast("float64"),
    )


@dataclass(frozen=True)
class BTYDScores:
    """Predictions per customer (in the summary's order) and what was fitted."""

    expected_purchases: np.ndarray | None
    p_alive: np.ndarray | None
    expected_avg_spend: np.ndarray | None
    clv: np.ndarray | None
    fitted: dict[str, Any]
    warnings: list[str]


# upper bound of Pareto/NBD's s in a run (see fit_pareto_nbd)
PNBD_MAX_S = 50.0


@dataclass(frozen=True)
class ParetoNBDScores:
    """Pareto/NBD predictions per customer (None when the model could not be used)."""

    expected_purchases: np.ndarray | None
    p_alive: np.ndarray | None
    fitted: dict[str, Any] | None
    warnings: list[str]


def _in_units(
    frequency: np.ndarray, recency_days: np.ndarray, age_days: np.ndarray, unit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The models' (x, t_x, T): repeat purchase days, and days counted in the time unit."""
    return (
        frequency.astype(np.float64),
        recency_days.astype(np.float64) / unit,
        age_days.astype(np.float64) / unit,
    )


def _sample(size: int, limit: int | None, seed: int) -> np.ndarray:
    """Row positions of the seeded fit sample (all rows without a limit or below it)."""
    if limit is None or size <= limit:
        return np.arange(size)
    return np.sort(np.random.default_rng(seed).choice(size, limit, replace=False))


def score_pareto_nbd(
    *,
    frequency: np.ndarray,
    recency_days: np.ndarray,
    age_days: np.ndarray,
    params: ScoringParams,
) -> ParetoNBDScores:
    """Fit Pareto/NBD on a seeded sample and predict P(alive) and expected purchases.

    Its likelihood needs a hypergeometric function per customer, which is costly where
    the parameters are extreme, so the fit runs on ``pnbd_fit_sample`` customers, at
    most ``pnbd_max_iterations`` gradient steps, with s at most :data:`PNBD_MAX_S`; a fit
    that has not converged by then is used with a warning (its parameters say
    ``converged: false``). A fit that ends with s on its bound has converged: the
    customers' dropout rates hardly differ (one common rate, ``s / beta`` per time unit,
    fits them best); its parameters say ``s_at_bound: true``.
    """
    unit = params.time_unit_days
    x, tx, age = _in_units(frequency, recency_days, age_days, unit)
    rows = _sample(x.size, params.pnbd_fit_sample, params.seed)
    try:
        fit = fit_pareto_nbd(
            x[rows],
            tx[rows],
            age[rows],
            max_iterations=params.pnbd_max_iterations,
            raise_on_failure=False,
            polish=False,
            max_s=PNBD_MAX_S,
        )
    except ValueError as exc:
        return ParetoNBDScores(None, None, None, [f"Pareto/NBD not used: {exc}"])
    fitted = {
        "r": fit.r,
        "alpha": fit.alpha,
        "s": fit.s,
        "beta": fit.beta,
        "time_unit": time_unit(unit),
        "customers": fit.n_customers,
        "log_likelihood": fit.log_likelihood,
        "converged": fit.converged,
        "s_bound": PNBD_MAX_S,
        "s_at_bound": fit.s_at_bound,
        "seconds": round(fit.seconds, 3),
    }
    warnings = []
    if not fit.converged:
        warnings.append(
            f"Pareto/NBD stopped after {params.pnbd_max_iterations} steps before converging; "
            "its columns use the best parameters found (raise pnbd_max_iterations for more)"
        )
    try:
        alive, purchases = alive_and_expected(fit, params.horizon_days / unit, x, tx, age)
    except ValueError as exc:
        return ParetoNBDScores(None, None, fitted, [*warnings, f"Pareto/NBD not used: {exc}"])
    return ParetoNBDScores(purchases, alive, fitted, warnings)


def time_unit(days: float) -> str:
    """The name of a time unit of ``days`` days."""
    return {1.0: "day", 7.0: "week"}.get(float(days), f"{days:g} days")


def score_btyd(
    *,
    frequency: np.ndarray,
    recency_days: np.ndarray,
    age_days: np.ndarray,
    monetary: np.ndarray,
    params: ScoringParams,
    margin: float,
) -> BTYDScores:
    """Fit BG/NBD and Gamma-Gamma and predict for every customer.

    A model that cannot be fitted or evaluated (nobody bought twice, parameters too
    extreme to evaluate) leaves its columns None and says why in ``warnings``; the
    run goes on with everything else.
    """
    unit = params.time_unit_days
    x, tx, age = _in_units(frequency, recency_days, age_days, unit)
    m = monetary.astype(np.float64)
    fitted: dict[str, Any] = {}
    warnings: list[str] = []
    fit_rows = _sample(x.size, params.fit_sample, params.seed)
    try:
        bg = fit_bgnbd(x[fit_rows], tx[fit_rows], age[fit_rows])
        fitted["bgnbd"] = _bgnbd_figures(bg, unit)
        purchases = expected_purchases(bg, params.horizon_days / unit, x, tx, age)
        alive = probability_alive(bg, x, tx, age)
    except ValueError as exc:
        warnings.append(f"BG/NBD not used: {exc}")
        return BTYDScores(None, None, None, None, fitted, warnings)

    repeat = np.zeros(x.size, dtype=bool)
    repeat[fit_rows] = True
    repeat &= (x > 0) & (m > 0)
    if not repeat.any():
        warnings.append(
            "Gamma-Gamma not used: no customer has a repeat purchase with spend above 0, so "
            "there is no spend per repeat purchase to fit"
        )
        return BTYDScores(purchases, alive, None, None, fitted, warnings)
    try:
        gg = fit_gamma_gamma(x[repeat], m[repeat])
        fitted["gamma_gamma"] = {
            "p": gg.p,
            "q": gg.q,
            "gamma": gg.gamma,
            "customers": gg.n_customers,
            "log_likelihood": gg.log_likelihood,
            "converged": gg.converged,
            "seconds": round(gg.seconds, 3),
        }
        spend = expected_average_spend(gg, x, m)
    except ValueError as exc:
        warnings.append(f"Gamma-Gamma not used: {exc}")
        return BTYDScores(purchases, alive, None, None, fitted, warnings)
    try:
        clv = customer_lifetime_value(
            bg,
            frequency=x,
            recency=tx,
            T=age,
            spend=spend,
            margin=margin,
            discount_rate=params.discount_rate,
            periods=params.clv_periods,
            period_length=params.clv_period_days / unit,
        )
    except ValueError as exc:
        warnings.append(f"CLV not computed: {exc}")
        return BTYDScores(purchases, alive, spend, None, fitted, warnings)
    fitted["clv"] = {
        "margin": margin,
        "discount_rate": params.discount_rate,
        "periods": params.clv_periods,
        "period_days": params.clv_period_days,
    }
    return BTYDScores(purchases, alive, spend, clv, fitted, warnings)


def _bgnbd_figures(bg: Any, unit: float) -> dict[str, Any]:
    return {
        "r": bg.r,
        "alpha": bg.alpha,
        "a": bg.a,
        "b": bg.b,
        "time_unit": time_unit(unit),
        "customers": bg.n_customers,
        "log_likelihood": bg.log_likelihood,
        "converged": bg.converged,
        "seconds": round(bg.seconds, 3),
    }


def measured_margin(ctx: Context) -> tuple[float, str]:
    """Margin for CLV: the ``margin`` parameter, else the share of all spend up to as_of
    that was profit (a line without a cost at ``default_margin``, as in
    :mod:`idic.differentiate.value`). Returns the margin and where it came from."""
    p = ctx.params
    if p.margin is not None:
        return p.margin, "parameter"
    t = ctx.tables["transactions"]
    t = t.filter(up_to(t, ctx.as_of))
    if "cost" in t.columns:
        cost = ibis.coalesce(t.cost, t.amount * (1.0 - p.default_margin))
    else:
        cost = t.amount * (1.0 - p.default_margin)
    row = ctx.fetch(t.aggregate(amount=t.amount.sum(), cost=cost.sum())).to_pylist()[0]
    if not row["amount"]:
        return p.default_margin, "default margin (no spend)"
    return min(max(1.0 - row["cost"] / row["amount"], 0.0), 1.0), "profit share of spend"


def btyd_step(ctx: Context) -> ir.Table | None:
    """Expected purchases, P(alive), expected spend per purchase and CLV per customer
    (BG/NBD and Gamma-Gamma), and Pareto/NBD's P(alive) and expected purchases."""
    summary = ctx.keep(
        "btyd_summary",
        btyd_summary(purchase_days(ctx), as_of=ctx.as_of, per_customer=ctx.tables.get("grades")),
    )
    # in customer order, so the fit sample (a seeded draw of row positions) is reproducible
    data = ctx.fetch(summary.order_by("customer_id"))
    margin, source = measured_margin(ctx)
    history = {
        "frequency": data.column("frequency").to_numpy(),
        "recency_days": data.column("recency_days").to_numpy(),
        "age_days": data.column("age_days").to_numpy(),
    }
    scores = score_btyd(
        **history,
        monetary=data.column("monetary").to_numpy(),
        params=ctx.params,
        margin=margin,
    )
    ctx.model_parameters.update(scores.fitted)
    if "clv" in scores.fitted:
        scores.fitted["clv"]["margin_source"] = source
    ctx.warnings.extend(scores.warnings)
    pareto = score_pareto_nbd(**history, params=ctx.params)
    if pareto.fitted is not None:
        ctx.model_parameters["pareto_nbd"] = pareto.fitted
    ctx.warnings.extend(pareto.warnings)
    if scores.p_alive is None and pareto.p_alive is None:
        return None
    n = data.num_rows

    def column(values: np.ndarray | None) -> pa.Array:
        return pa.array(
            values if values is not None else np.full(n, np.nan), pa.float64(), from_pandas=True
        )

    return ctx.put(
        "btyd",
        pa.table(
            {
                "customer_id": data.column("customer_id"),
                "expected_purchases": column(scores.expected_purchases),
                "p_alive": column(scores.p_alive),
                "expected_avg_spend": column(scores.expected_avg_spend),
                "clv": column(scores.clv),
                "pnbd_expected_purchases": column(pareto.expected_purchases),
                "pnbd_p_alive": column(pareto.p_alive),
            }
        ),
    )
