"""Weighted proxy scoring on what the operational data measures.

The course's six indicators (revenue, its change, relationship, technical linkage,
share of wallet, partnership) need data a CRM rarely holds, so the default model
(:data:`DEFAULT_PROXY_MODEL`) scores measurable stand-ins; a run can pass its own
model over the measures of :data:`PROXY_MEASURES` (parameter ``proxy_model``).
Every indicator is rank-normalised, so a few very large spenders do not flatten
everyone else's points. Customers without a purchase up to as_of are not scored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import up_to
from idic.differentiate.proxy_scoring import Indicator, ScoringModel, proxy_scores
from idic.differentiate.scoring.context import Context

PROXY_MEASURES = {
    "revenue": "spend in the 365 days up to as_of",
    "revenue_change": "spend in those 365 days minus spend in the 365 days before",
    "tenure_days": "days since the first purchase",
    "frequency": "purchase days up to as_of",
    "recency_days": "days since the last purchase",
    "contacts": "interactions in the 365 days up to as_of",
}

DEFAULT_PROXY_MODEL = ScoringModel(
    "IDIC default: purchase behaviour",
    (
        Indicator(
            "revenue", "revenue", 30, normalisation="rank", measure=PROXY_MEASURES["revenue"]
        ),
        Indicator(
            "revenue_change",
            "revenue_change",
            20,
            normalisation="rank",
            measure=PROXY_MEASURES["revenue_change"],
        ),
        Indicator(
            "relationship", "tenure_days", 15, normalisation="rank", measure="years as customer"
        ),
        Indicator(
            "frequency", "frequency", 15, normalisation="rank", measure=PROXY_MEASURES["frequency"]
        ),
        Indicator(
            "recency",
            "recency_days",
            10,
            direction="lower",
            normalisation="rank",
            measure=PROXY_MEASURES["recency_days"],
        ),
        Indicator(
            "contacts", "contacts", 10, normalisation="rank", measure=PROXY_MEASURES["contacts"]
        ),
    ),
)


def model_from_data(indicators: Sequence[dict[str, Any]]) -> ScoringModel:
    """A proxy model from its JSON form: a list of ``{name, column, weight, direction?,
    normalisation?, measure?}`` whose columns are names of :data:`PROXY_MEASURES`."""
    if isinstance(indicators, (str, bytes, dict)) or not isinstance(indicators, Sequence):
        raise ValueError("proxy_model must be a list of indicators ({name, column, weight})")
    fields = {f.name for f in dataclasses.fields(Indicator)}
    built = []
    for item in indicators:
        if not isinstance(item, dict):
            raise ValueError(f"proxy indicator {item!r} must be an object {{name, column, weight}}")
        unknown = sorted(set(item) - fields)
        if unknown:
            raise ValueError(
                f"proxy indicator {item.get('name')!r} has unknown key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(fields))}"
            )
        missing = [k for k in ("name", "column", "weight") if k not in item]
        if missing:
            raise ValueError(f"proxy indicator {item.get('name')!r} lacks {', '.join(missing)}")
        column = item.get("column")
        if column not in PROXY_MEASURES:
            raise ValueError(
                f"proxy indicator {item.get('name')!r} measures {column!r}; choose a column "
                f"among {', '.join(PROXY_MEASURES)}"
            )
        built.append(Indicator(**item))
    model = ScoringModel("custom", tuple(built))
    model.validate()
    return model


def _midnight(day: dt.date) -> ir.TimestampValue:
    return ibis.literal(dt.datetime.combine(day, dt.time()), type="timestamp")


def proxy_indicators(ctx: Context) -> ir.Table:
    """The measures of :data:`PROXY_MEASURES`, one row per customer with a purchase."""
    t = ctx.tables["transactions"]
    t = t.filter(up_to(t, ctx.as_of))
    year_ago = _midnight(ctx.end - dt.timedelta(days=365))
    two_years_ago = _midnight(ctx.end - dt.timedelta(days=730))
    spend = t.group_by("customer_id").aggregate(
        revenue=t.amount.sum(where=t.ts >= year_ago).fill_null(0.0),
        before=t.amount.sum(where=(t.ts >= two_years_ago) & (t.ts < year_ago)).fill_null(0.0),
        first_day=t.ts.date().min(),
    )
    rfm = ctx.results["rfm"]
    out = rfm.select("customer_id", "frequency", "recency_days").join(spend, "customer_id")
    as_of_day = ibis.literal(ctx.as_of, type="date")
    out = out.select(
        "customer_id",
        "frequency",
        "recency_days",
        revenue=out.revenue.cast("float64"),
        revenue_change=(out.revenue - out.before).cast("float64"),
        tenure_days=as_of_day.delta(out.first_day, unit="day").cast("int64"),
    )
    interactions = ctx.tables.get("interactions")
    if interactions is None:
        return out.mutate(contacts=ibis.literal(0, type="int64"))
    i = interactions
    recent = i.filter((i.ts >= year_ago) & (i.ts < _midnight(ctx.end)))
    contacts = recent.group_by("customer_id").aggregate(contacts=recent.count())
    joined = out.left_join(contacts, "customer_id")
    return joined.select(
        *[c for c in out.columns], contacts=joined.contacts.fill_null(0).cast("int64")
    )


def proxy_step(ctx: Context) -> ir.Table | None:
    """Proxy score, rank and rank change against the previous snapshot."""
    if "rfm" not in ctx.results:
        return None
    model = (
        DEFAULT_PROXY_MODEL
        if ctx.params.proxy_model is None
        else model_from_data(ctx.params.proxy_model)
    )
    indicators = ctx.keep("proxy_indicators", proxy_indicators(ctx))
    previous = ctx.tables.get("previous")
    if previous is not None:
        previous = previous.filter(previous.proxy_rank.notnull()).select(
            "customer_id", rank=previous.proxy_rank
        )
    scored = proxy_scores(indicators, model=model, previous=previous)
    return scored.select(
        "customer_id",
        proxy_score=scored.score,
        proxy_rank=scored["rank"],
        proxy_rank_change=scored.rank_change,
    )
