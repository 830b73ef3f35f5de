"""The value reports of a run, kept with its snapshot: decile table, Pareto shares,
Lorenz curve, Gini, pyramid summary and the ABC table (with staff effort when
interactions carry durations). Small tables, stored as JSON-ready lists of rows."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from idic.differentiate.concentration import gini, lorenz_curve, top_shares
from idic.differentiate.deciles import decile_table
from idic.differentiate.pyramid import abc_table, pyramid_summary
from idic.differentiate.scoring.context import Context
from idic.differentiate.value_churn import value_churn_matrix, value_churn_summary

LORENZ_POINTS = 100
TOP_PERCENTS = (1, 5, 20)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(ctx: Context, expr: Any) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in ctx.fetch(expr).to_pylist()]


def reports_step(ctx: Context) -> None:
    """Compute the report tables into ``ctx.reports``."""
    t = ctx.tables["transactions"]
    start, end = ctx.start, ctx.end
    spend, per_customer = ctx.tables["spend"], ctx.tables["spend_rows"]
    minutes = ctx.tables.get("effort")
    p = ctx.params
    value, churn = ctx.results.get("value"), ctx.results.get("churn")
    if value is not None and churn is not None:
        actual = value.filter(value.npv_value.notnull())
        matrix = value_churn_matrix(
            actual.select("customer_id", value=actual.npv_value),
            churn.select("customer_id", "churn_risk"),
        )
        ctx.reports["value_churn"] = _rows(ctx, value_churn_summary(matrix))
    ctx.reports.update(
        {
            "window": {
                "start": None if ctx.start is None else ctx.start.isoformat(),
                "end_exclusive": ctx.end.isoformat(),
            },
            # rows per customer count in the decile table, so it reads every transaction
            "decile_table": _rows(ctx, decile_table(t, start=start, end=end)),
            "top_shares": _rows(ctx, top_shares(spend, percents=TOP_PERCENTS)),
            "lorenz": _rows(ctx, lorenz_curve(spend, points=LORENZ_POINTS)),
            "gini": _rows(ctx, gini(spend))[0],
            "pyramid": _rows(
                ctx, pyramid_summary(per_customer, tiers=p.pyramid, start=start, end=end)
            ),
            "abc": _rows(
                ctx,
                abc_table(
                    per_customer,
                    classes=p.abc,
                    basis=p.abc_basis,
                    effort=minutes,
                    start=start,
                    end=end,
                ),
            ),
        }
    )
