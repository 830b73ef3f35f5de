"""The scoring run's steps, in order, and the assembly of their results.

Each :class:`~idic.differentiate.scoring.context.Step` is one entry of :data:`STEPS`;
adding a score means adding a step. A step's result is materialised in the engine
(so it is timed on its own and computed once), and at the end every customer of
the ``customers`` table gets one row with the columns of
:data:`~idic.differentiate.scoring.columns.SCORE_COLUMNS`; columns no step produced
stay null.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from idic.differentiate.scoring.btyd_step import btyd_step
from idic.differentiate.scoring.churn_step import churn_step
from idic.differentiate.scoring.columns import SCORE_COLUMNS
from idic.differentiate.scoring.context import Context, Session, Step
from idic.differentiate.scoring.grading_steps import (
    abc_step,
    days_step,
    decile_step,
    effort_step,
    grades_step,
    pyramid_step,
    rate_step,
    rfm_step,
    spend_step,
)
from idic.differentiate.scoring.params import ScoringParams
from idic.differentiate.scoring.proxy_step import proxy_step
from idic.differentiate.scoring.reports import reports_step
from idic.differentiate.scoring.transitions_step import TRANSITION_SCHEMA, transitions_step
from idic.differentiate.scoring.value_steps import (
    activity_step,
    lifecycle_step,
    loyalty_step,
    value_matrix_step,
    value_step,
)

# progress(step name, steps done, steps in all)
Progress = Callable[[str, int, int], None]

STEPS: list[Step] = [
    Step("grades", (), grades_step),
    Step("rfm", ("recency_days", "frequency", "monetary", "r", "f", "m", "rfm_segment"), rfm_step),
    Step("spend", (), spend_step),
    Step("deciles", ("decile",), decile_step),
    Step("pyramid", ("pyramid_tier",), pyramid_step),
    Step("days", (), days_step),
    Step("rfm_rate", ("r_rate",), rate_step),
    Step("effort", (), effort_step),
    Step("abc", ("abc_class",), abc_step),
    Step("value", ("historical_value", "npv_value"), value_step),
    Step(
        "btyd",
        (
            "expected_purchases",
            "p_alive",
            "expected_avg_spend",
            "clv",
            "pnbd_expected_purchases",
            "pnbd_p_alive",
        ),
        btyd_step,
    ),
    Step("value_matrix", ("value_class",), value_matrix_step),
    Step("loyalty", ("loyalty_class",), loyalty_step),
    Step("activity", ("activity_class",), activity_step),
    Step("lifecycle", ("lifecycle_stage",), lifecycle_step),
    Step("churn", ("churn_risk",), churn_step),
    Step("proxy", ("proxy_score", "proxy_rank", "proxy_rank_change"), proxy_step),
    Step("transitions", (), transitions_step),
    Step("reports", (), reports_step),
]


@dataclass
class PipelineResult:
    """The scores (one row per customer, :data:`SCORE_COLUMNS` in order) and the rest."""

    scores: pa.Table
    timings: dict[str, float]
    model_parameters: dict[str, Any]
    reports: dict[str, Any]
    transitions: pa.Table = field(default_factory=TRANSITION_SCHEMA.empty_table)
    warnings: list[str] = field(default_factory=list)
    null_columns: list[str] = field(default_factory=list)


def produced_columns(steps: Sequence[Step]) -> set[str]:
    """The snapshot columns some step of ``steps`` fills."""
    return {c for step in steps for c in step.columns}


def run_pipeline(
    *,
    session: Session,
    tables: dict[str, ir.Table],
    as_of: dt.date,
    params: ScoringParams,
    steps: Sequence[Step] = STEPS,
    progress: Progress | None = None,
) -> PipelineResult:
    """Run ``steps`` over the loaded ``tables`` and assemble one row per customer."""
    clash = [c for c, n in _counts(steps).items() if n > 1]
    if clash:
        raise ValueError(f"several steps produce the column(s) {', '.join(sorted(clash))}")
    unknown = produced_columns(steps) - set(SCORE_COLUMNS)
    if unknown:
        raise ValueError(
            f"steps produce column(s) not in the snapshot: {', '.join(sorted(unknown))}"
        )
    ctx = Context(session=session, tables=dict(tables), as_of=as_of, params=params)
    timings: dict[str, float] = {}
    total = len(steps) + 1
    for done, step in enumerate(steps):
        if progress is not None:
            progress(step.name, done, total)
        began = time.perf_counter()
        out = step.run(ctx)
        if out is not None:
            missing = [c for c in ("customer_id", *step.columns) if c not in out.columns]
            if missing:
                raise ValueError(f"step {step.name!r} did not produce {', '.join(missing)}")
            # the whole result is kept: later steps may reuse its other columns
            ctx.results[step.name] = ctx.keep(step.name, out)
        timings[step.name] = round(time.perf_counter() - began, 3)
    if progress is not None:
        progress("assemble", len(steps), total)
    began = time.perf_counter()
    scores = ctx.fetch(_assemble(ctx, steps))
    timings["assemble"] = round(time.perf_counter() - began, 3)
    if progress is not None:
        progress("assemble", total, total)
    filled = {c for step in steps if step.name in ctx.results for c in step.columns}
    return PipelineResult(
        scores=scores,
        timings=timings,
        model_parameters=ctx.model_parameters,
        reports=ctx.reports,
        transitions=ctx.transitions
        if ctx.transitions is not None
        else TRANSITION_SCHEMA.empty_table(),
        warnings=ctx.warnings,
        null_columns=[c for c in SCORE_COLUMNS if c != "customer_id" and c not in filled],
    )


def _counts(steps: Sequence[Step]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in steps:
        for column in step.columns:
            counts[column] = counts.get(column, 0) + 1
    return counts


def _assemble(ctx: Context, steps: Sequence[Step]) -> ir.Table:
    joined = ctx.tables["customers"].select("customer_id")
    # steps that share one result table (RFM, deciles and pyramid read the grades) are
    # joined once
    shared: dict[int, tuple[ir.Table, list[str]]] = {}
    for step in steps:
        result = ctx.results.get(step.name)
        if result is None or not step.columns:
            continue
        shared.setdefault(id(result), (result, []))[1].extend(step.columns)
    have: dict[str, Any] = {}
    for result, names in shared.values():
        joined = joined.left_join(result.select("customer_id", *names), "customer_id")
        joined = (
            joined.drop("customer_id_right") if "customer_id_right" in joined.columns else joined
        )
        have.update(dict.fromkeys(names))
    columns = {
        name: (joined[name] if name in have or name == "customer_id" else ibis.null()).cast(dtype)
        for name, dtype in SCORE_COLUMNS.items()
    }
    return joined.select(**columns).order_by("customer_id")
