"""Request and response shapes of the score API (the differentiate area).

Scores are estimates and come back as JSON numbers; null means "not computed" or "not
applicable" (e.g. no purchase before the run's as-of date).
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import Field

CountField = Literal[
    "rfm_segment",
    "pyramid_tier",
    "decile",
    "abc_class",
    "value_class",
    "loyalty_class",
    "activity_class",
    "lifecycle_stage",
]
TransitionKind = Literal["lifecycle", "tier"]


class ErrorOut(Schema):
    code: str = Field(description="machine-readable error code, e.g. no_score_run, invalid")
    message: str = Field(description="what went wrong and how to fix it")
    field: str | None = Field(default=None, description="the offending field, if one")


class RunSummaryOut(Schema):
    run_id: int
    as_of: str = Field(description="purchases up to the end of this day were scored")
    engine: str
    created_at: str
    counts: dict[str, Any]


class RunOut(RunSummaryOut):
    previous_run_id: int | None = Field(description="the run transitions are measured against")
    parameters: dict[str, Any] = Field(description="scoring parameters as run")
    model_parameters: dict[str, Any] = Field(
        description="fitted BG/NBD, Gamma-Gamma and churn model parameters"
    )
    timings: dict[str, Any] = Field(description="seconds per step")
    warnings: list[Any]


class ScoreFields(Schema):
    recency_days: int | None = None
    frequency: int | None = Field(default=None, description="distinct purchase days")
    monetary: float | None = None
    r: int | None = None
    f: int | None = None
    m: int | None = None
    rfm_segment: str | None = None
    decile: int | None = Field(default=None, description="1 = the most valuable tenth")
    pyramid_tier: str | None = None
    abc_class: str | None = None
    historical_value: float | None = None
    npv_value: float | None = None
    expected_purchases: float | None = None
    p_alive: float | None = None
    expected_avg_spend: float | None = None
    clv: float | None = None
    value_class: str | None = None
    loyalty_class: str | None = None
    activity_class: str | None = None
    lifecycle_stage: str | None = None
    churn_risk: float | None = None
    proxy_score: float | None = None
    proxy_rank: int | None = None
    proxy_rank_change: int | None = None
    r_rate: int | None = Field(
        default=None, description="recency score 1–5 judged against the customer's own rhythm"
    )
    pnbd_expected_purchases: float | None = Field(
        default=None, description="Pareto/NBD expected purchases in the horizon"
    )
    pnbd_p_alive: float | None = Field(default=None, description="Pareto/NBD probability alive")


class ScoreOut(ScoreFields):
    customer_id: int


class ScorePage(Schema):
    run_id: int
    as_of: str
    items: list[ScoreOut]
    next_cursor: int | None = Field(description="pass as cursor for the next page; null at end")


class RunScoreOut(ScoreFields):
    run_id: int
    as_of: str


class CustomerScoresOut(Schema):
    customer_id: int
    latest: RunScoreOut | None = Field(description="the scores of the latest run; null if none")
    history: list[RunScoreOut] = Field(description="the scores of each run, newest first")


class ChurnRowOut(Schema):
    customer_id: int
    name: str | None = Field(description="as the caller may see it (masked beyond clearance)")
    npv_value: float | None
    clv: float | None
    churn_risk: float | None
    value_at_risk: float | None = Field(description="NPV × churn risk: the value at stake")
    p_alive: float | None
    pyramid_tier: str | None
    rfm_segment: str | None
    lifecycle_stage: str | None


class ChurnListOut(Schema):
    run_id: int
    min_risk: float
    limit: int
    items: list[ChurnRowOut] = Field(description="high value × high risk first")


class CountsOut(Schema):
    run_id: int
    field: str
    counts: dict[str, int] = Field(description="customers per value; `none` for no value")


class ParetoOut(Schema):
    top_shares: list[dict[str, Any]] = Field(description="share of value of the top 1/5/20 %")
    lorenz: list[dict[str, Any]] = Field(description="points of the Lorenz curve (shares 0–1)")
    gini: dict[str, Any] = Field(description="Gini coefficient, customers and total value")


class ReportOut(Schema):
    run_id: int
    rows: list[dict[str, Any]]


class MigrationOut(Schema):
    field: str
    from_run: dict[str, Any]
    to_run: dict[str, Any]
    matrix: dict[str, dict[str, int]] = Field(
        description="matrix[from][to] customers; `none` = not in that run or no value"
    )


class TransitionOut(Schema):
    customer_id: int
    kind: str
    from_stage: str | None
    to_stage: str | None


class TransitionsOut(Schema):
    run_id: int
    previous_run_id: int | None
    items: list[TransitionOut]
