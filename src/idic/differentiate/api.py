"""The score API: scoring runs, customer scores, segment counts, the value reports,
migration matrices and transitions, read from the snapshots ``idic score`` keeps.

Roles: analysts and admins read everything; a service agent may read one customer's
scores (``/scores/customers/{id}``), which the 360 view also carries.
The churn list (``/scores/churn-list``) takes the risk cut and row count the value
dashboard's form takes.
Errors: no run yet → 404 ``no_score_run``; an unknown run → 404 ``score_run_not_found``;
a report the run did not keep → 404 ``report_not_available``; bad parameters → 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from idic.api_auth import READERS, access, viewer_of
from idic.differentiate import schemas
from idic.differentiate.services import dashboard, snapshots
from idic.differentiate.services.snapshots import SnapshotError
from idic.identify.services.customers import get_customer

router = Router(tags=["scores"])
ANALYSTS = ("admin", "analyst")

ERRORS = {
    401: schemas.ErrorOut,
    403: schemas.ErrorOut,
    404: schemas.ErrorOut,
    422: schemas.ErrorOut,
}


def _responses(schema: Any) -> dict:
    return {200: schema, **ERRORS}


def _answer(read: Callable[[], Any]) -> Any:
    """The result of ``read``, or the JSON error for a missing run / report or bad value."""
    try:
        return read()
    except SnapshotError as exc:
        code = getattr(exc, "code", "score_run_not_found")
        return Status(404, {"code": code, "message": str(exc)})
    except ValueError as exc:
        field = getattr(exc, "field", "field")
        return Status(422, {"code": "invalid", "message": str(exc), "field": field})


RunParam = Field(default=None, ge=1, description="run id; the latest run when left out")


class RunQuery(schemas.Schema):
    run: int | None = RunParam


class ScoreFilters(schemas.Schema):
    run: int | None = RunParam
    segment: str | None = Field(default=None, max_length=30, description="RFM segment")
    tier: str | None = Field(default=None, max_length=20, description="pyramid tier")
    decile: int | None = Field(default=None, ge=1, le=10)
    stage: str | None = Field(default=None, max_length=20, description="lifecycle stage")
    value_class: str | None = Field(default=None, max_length=20)
    churn_risk_min: float | None = Field(
        default=None, ge=0, le=1, description="only customers with at least this churn risk"
    )
    cursor: int | None = Field(default=None, ge=1, description="next_cursor of the last page")
    limit: int = Field(default=100, ge=1, le=dashboard.MAX_PAGE)


class ChurnQuery(schemas.Schema):
    run: int | None = RunParam
    min_risk: float = Field(
        default=dashboard.DEFAULT_RISK_CUT,
        ge=0,
        le=1,
        description="only customers with at least this churn risk (a probability)",
    )
    limit: int = Field(
        default=dashboard.DEFAULT_CHURN_ROWS,
        ge=1,
        le=dashboard.MAX_CHURN_ROWS,
        description="rows to return",
    )


class CountQuery(schemas.Schema):
    run: int | None = RunParam
    field: schemas.CountField = "rfm_segment"


class MigrationQuery(schemas.Schema):
    from_run: int | None = Field(
        default=None, ge=1, description="the earlier run; by default to_run's previous run"
    )
    to_run: int | None = Field(default=None, ge=1, description="the later run; default latest")
    field: schemas.CountField = "lifecycle_stage"


class TransitionQuery(schemas.Schema):
    run: int | None = RunParam
    kind: schemas.TransitionKind | None = None
    limit: int = Field(default=1000, ge=1, le=10_000)


# ---- runs ---------------------------------------------------------------------------


@router.get("/runs", response=_responses(list[schemas.RunSummaryOut]), **access(*ANALYSTS))
def list_runs(request: HttpRequest):
    """The scoring runs, newest as-of first (an empty list before the first run)."""
    return snapshots.list_runs(limit=100)


@router.get("/runs/latest", response=_responses(schemas.RunOut), **access(*ANALYSTS))
def latest_run(request: HttpRequest):
    """The latest run: header, scoring parameters, fitted model parameters and timings."""
    return _answer(lambda: dashboard.run_header(None))


@router.get("/runs/{run_id}", response=_responses(schemas.RunOut), **access(*ANALYSTS))
def read_run(request: HttpRequest, run_id: int):
    """One run: header, scoring parameters, fitted model parameters and timings."""
    return _answer(lambda: dashboard.run_header(run_id))


# ---- scores -------------------------------------------------------------------------


@router.get("", response=_responses(schemas.ScorePage), **access(*ANALYSTS))
def list_scores(request: HttpRequest, filters: Query[ScoreFilters]):
    """A run's scores (default the latest), by customer id, a page at a time, narrowed by
    segment, tier, decile, lifecycle stage, value class and minimum churn risk."""
    return _answer(
        lambda: dashboard.score_page(
            run_id=filters.run,
            segment=filters.segment,
            tier=filters.tier,
            decile=filters.decile,
            stage=filters.stage,
            value_class=filters.value_class,
            min_churn_risk=filters.churn_risk_min,
            after_customer=filters.cursor or 0,
            limit=filters.limit,
        )
    )


@router.get(
    "/customers/{customer_id}",
    response=_responses(schemas.CustomerScoresOut),
    **access(*READERS),
)
def customer_scores(request: HttpRequest, customer_id: int):
    """One customer's latest scores and their history across runs (newest first)."""
    get_customer(customer_id)  # 404 customer_not_found for an unknown customer
    value = dashboard.customer_value(customer_id)
    if value is None:
        return {"customer_id": customer_id, "latest": None, "history": []}
    history = value.pop("history")
    return {"customer_id": customer_id, "latest": value, "history": history}


@router.get("/churn-list", response=_responses(schemas.ChurnListOut), **access(*ANALYSTS))
def churn_list(request: HttpRequest, query: Query[ChurnQuery]):
    """Customers at risk of leaving (churn risk >= min_risk), high value × high risk first
    (by NPV × churn risk, the value at stake), as on the value dashboard."""

    def read() -> dict[str, Any]:
        run = dashboard.resolve_run(query.run)
        items = dashboard.churn_list(
            viewer=viewer_of(request), run_id=run.pk, min_risk=query.min_risk, limit=query.limit
        )
        return {"run_id": run.pk, "min_risk": query.min_risk, "limit": query.limit, "items": items}

    return _answer(read)


@router.get("/counts", response=_responses(schemas.CountsOut), **access(*ANALYSTS))
def segment_counts(request: HttpRequest, query: Query[CountQuery]):
    """Customers per value of one field (segment, tier, decile, class or stage)."""
    return _answer(lambda: dashboard.counts(field=query.field, run_id=query.run))


# ---- reports ------------------------------------------------------------------------


def _report(name: str, run: int | None) -> dict[str, Any]:
    header = dashboard.resolve_run(run)
    return {"run_id": header.pk, "rows": dashboard.run_report(name, header.pk)}


@router.get("/reports/deciles", response=_responses(schemas.ReportOut), **access(*ANALYSTS))
def deciles(request: HttpRequest, query: Query[RunQuery]):
    """The decile table: customers, spend range, average transactions, share of spend."""
    return _answer(lambda: _report("decile_table", query.run))


@router.get("/reports/pareto", response=_responses(schemas.ParetoOut), **access(*ANALYSTS))
def pareto(request: HttpRequest, query: Query[RunQuery]):
    """Concentration of value: top 1/5/20 % shares, the Lorenz curve and the Gini."""
    return _answer(lambda: dashboard.pareto(query.run))


@router.get("/reports/pyramid", response=_responses(schemas.ReportOut), **access(*ANALYSTS))
def pyramid(request: HttpRequest, query: Query[RunQuery]):
    """The customer pyramid: customers and value share per tier."""
    return _answer(lambda: _report("pyramid", query.run))


@router.get("/reports/abc", response=_responses(schemas.ReportOut), **access(*ANALYSTS))
def abc(request: HttpRequest, query: Query[RunQuery]):
    """The ABC table: revenue, customers and staff effort per class."""
    return _answer(lambda: _report("abc", query.run))


@router.get("/reports/value-churn", response=_responses(schemas.ReportOut), **access(*ANALYSTS))
def value_churn(request: HttpRequest, query: Query[RunQuery]):
    """The value × churn-risk matrix, its cells in order of priority for action."""
    return _answer(lambda: _report("value_churn", query.run))


# ---- migration and transitions ------------------------------------------------------


@router.get("/migration", response=_responses(schemas.MigrationOut), **access(*ANALYSTS))
def migration(request: HttpRequest, query: Query[MigrationQuery]):
    """The migration matrix (from → to) of a field between two runs (状态迁移)."""
    return _answer(
        lambda: dashboard.migration(from_run=query.from_run, to_run=query.to_run, field=query.field)
    )


@router.get("/transitions", response=_responses(schemas.TransitionsOut), **access(*ANALYSTS))
def transitions(request: HttpRequest, query: Query[TransitionQuery]):
    """The lifecycle stage and pyramid tier changes a run recorded against its previous run."""
    return _answer(
        lambda: dashboard.run_transitions(run_id=query.run, kind=query.kind, limit=query.limit)
    )
