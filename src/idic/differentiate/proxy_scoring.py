"""Weighted proxy-variable scoring (替代变量分析, 001 ch. 4 §1.5.1) as Ibis expressions.

A scoring model is data: a :class:`ScoringModel` lists :class:`Indicator` s, each
with a name, the column of the input table that measures it, its direction
(higher or lower is better), its normalisation and its weight. Weights are
percentages that must sum to 100.

Input: ``indicators(customer_id int64, <one numeric column per indicator>)``, one
row per customer, no nulls (a missing measurement must be filled by the caller,
e.g. with 0 for "no technical linkage"). Optionally ``previous(customer_id int64,
rank int64)``: the ranks of an earlier snapshot (or of another model, such as the
course's ranking by revenue alone).

Normalisation maps each indicator to 0..1, 1 = best:

- ``"min-max"``: ``(x - min) / (max - min)`` (``(max - x) / (max - min)`` when lower
  is better); 0 for everyone when all customers are equal;
- ``"rank"``: rank percentile ``k / (N - 1)`` where k = number of customers with a
  strictly worse value (ties share it); 0 when N = 1. Values are compared rounded
  to ``precision`` decimals (6), so sums that differ in the last bit between
  engines still tie.

``score = sum(weight * normalised)``, 0..100. ``rank`` = 1 + the number of
customers with a strictly higher score (scores compared rounded to 6 decimals, so
ties share a rank on every engine). ``rank_change = previous_rank - rank``:
positive when the customer moved up (the course's table: customer F, 94 → 6,
changes by 88).

:data:`COURSE_MODEL` is the six-indicator model of the course's example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir

from idic.differentiate.grading_input import check_columns, money_units, percent_hundredths

Direction = Literal["higher", "lower"]
Normalisation = Literal["min-max", "rank"]
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Indicator:
    """One proxy variable: what it is, which column measures it, and how much it counts."""

    name: str
    column: str
    weight: float
    direction: Direction = "higher"
    normalisation: Normalisation = "min-max"
    measure: str = ""  # how the column is measured, for people reading the model


@dataclass(frozen=True)
class ScoringModel:
    """A named list of indicators whose weights sum to 100."""

    name: str
    indicators: tuple[Indicator, ...]

    def validate(self) -> None:
        if not self.indicators:
            raise ValueError(f"scoring model {self.name!r} has no indicators")
        names = [i.name for i in self.indicators]
        bad = [n for n in names if not _NAME.match(n)]
        if bad:
            raise ValueError(
                f"indicator names {bad} must be lower-case identifiers (letters, digits, _)"
            )
        if len(set(names)) != len(names):
            raise ValueError(f"indicator names must be distinct, got {names}")
        total = 0
        for ind in self.indicators:
            if ind.direction not in ("higher", "lower"):
                raise ValueError(
                    f"indicator {ind.name!r}: direction must be 'higher' or 'lower', "
                    f"not {ind.direction!r}"
                )
            if ind.normalisation not in ("min-max", "rank"):
                raise ValueError(
                    f"indicator {ind.name!r}: normalisation must be 'min-max' or 'rank', "
                    f"not {ind.normalisation!r}"
                )
            total += percent_hundredths(ind.weight, f"weight of {ind.name!r}")
        if total != 10_000:
            raise ValueError(
                f"weights of scoring model {self.name!r} must sum to 100, got {total / 100:g} "
                f"({', '.join(f'{i.name} {i.weight:g}' for i in self.indicators)})"
            )


COURSE_MODEL = ScoringModel(
    "course example (001 ch. 4 §1.5.1)",
    (
        Indicator("revenue", "revenue", 20, measure="average revenue: this year's and next"),
        Indicator("revenue_change", "revenue_change", 25, measure="yearly change in spend"),
        Indicator("relationship", "relationship", 15, measure="contract term, years as customer"),
        Indicator(
            "technical_linkage",
            "technical_linkage",
            20,
            measure="systems integrated, reporting, phone, web, e-mail links",
        ),
        Indicator("share_of_wallet", "share_of_wallet", 10, measure="our share of their budget"),
        Indicator("partnership", "partnership", 10, measure="stage, referrals, future value"),
    ),
)


def _normalised(table: ir.Table, ind: Indicator, precision: int) -> ir.FloatingValue:
    x = table[ind.column].cast("float64")
    if ind.normalisation == "min-max":
        lo, hi = x.min().over(), x.max().over()
        span = (hi - lo).nullif(0.0)
        part = (x - lo) / span if ind.direction == "higher" else (hi - x) / span
        return part.fill_null(0.0).cast("float64")
    key = money_units(x, precision)
    worse = ibis.rank().over(order_by=key.asc() if ind.direction == "higher" else key.desc())
    n = table.customer_id.count().over()
    return (worse.cast("float64") / (n - 1).cast("float64").nullif(0.0)).fill_null(0.0)


def proxy_scores(
    indicators: ir.Table,
    *,
    model: ScoringModel,
    previous: ir.Table | None = None,
    precision: int = 6,
) -> ir.Table:
    """Score, rank and rank change per customer under ``model``.

    ``precision``: decimals of a measurement that count when ranking it.

    Returns ``customer_id``, one ``points_<indicator>`` column per indicator
    (weight × normalised value), ``score``, ``rank``, ``previous_rank`` and
    ``rank_change`` (both null without ``previous`` or for a customer it lacks).
    """
    model.validate()
    required = {"customer_id": "integer"} | {i.column: "numeric" for i in model.indicators}
    check_columns(indicators, required, name="indicators")
    missing = indicators.aggregate(
        **{
            f"n_{i}": indicators[ind.column].isnull().sum()
            for i, ind in enumerate(model.indicators)
        },
        _rows=indicators.count(),
    )
    counts = missing.to_pyarrow().to_pylist()[0]
    if counts["_rows"] == 0:
        raise ValueError("indicators table is empty; nothing to score")
    gaps = [
        f"{ind.column} ({counts[f'n_{i}']} rows)"
        for i, ind in enumerate(model.indicators)
        if counts[f"n_{i}"]
    ]
    if gaps:
        raise ValueError(
            f"indicator column(s) hold nulls: {', '.join(gaps)}; fill them with a neutral "
            "measurement (e.g. 0) before scoring"
        )
    points = {
        f"points_{ind.name}": (ind.weight * _normalised(indicators, ind, precision)).cast("float64")
        for ind in model.indicators
    }
    scored = indicators.select("customer_id", **points)
    score = sum((scored[name] for name in points), ibis.literal(0.0)).cast("float64")
    scored = scored.mutate(score=score)
    key = money_units(scored.score, 6)
    scored = scored.mutate(rank=(ibis.rank().over(order_by=key.desc()) + 1).cast("int64"))
    if previous is None:
        return scored.mutate(previous_rank=ibis.null("int64"), rank_change=ibis.null("int64"))
    check_columns(previous, {"customer_id": "integer", "rank": "integer"}, name="previous")
    prev = previous.select(_pid=previous.customer_id, previous_rank=previous["rank"].cast("int64"))
    joined = scored.left_join(prev, scored.customer_id == prev._pid)
    return joined.select(
        "customer_id",
        *points,
        "score",
        "rank",
        "previous_rank",
        rank_change=(joined.previous_rank - joined["rank"]).cast("int64"),
    )
