"""Reads behind the value dashboard and the score API: filtered score pages, one
customer's scores across runs, the R × F grid, the churn list and the dashboard bundle.

Builds on :mod:`idic.differentiate.services.snapshots`; every function returns plain
dicts and lists. Run ids that do not exist (or no run at all) raise the two
:class:`~idic.differentiate.services.snapshots.SnapshotError` subclasses below, so
callers can tell "not scored yet" from "wrong id".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from idic.differentiate.models import CustomerScore, ScoreRun
from idic.differentiate.services import snapshots
from idic.differentiate.services.snapshots import (
    ABSENT,
    MIGRATION_FIELDS,
    SCORE_FIELDS,
    SnapshotError,
)
from idic.protect.services import Viewer

MAX_PAGE = 500
FLOW_FIELDS = ("lifecycle_stage", "pyramid_tier", "value_class", "rfm_segment", "abc_class")
DEFAULT_RISK_CUT = 0.5  # the value × churn matrix's default cut between low and high risk
DEFAULT_CHURN_ROWS = 20
MAX_CHURN_ROWS = 500
REPORT_NAMES = ("decile_table", "top_shares", "lorenz", "gini", "pyramid", "abc", "value_churn")


class NoScoreRun(SnapshotError):
    """No scoring run has been made yet."""

    code = "no_score_run"


class ScoreRunNotFound(SnapshotError):
    """The run id names no run."""

    code = "score_run_not_found"


class ReportMissing(SnapshotError):
    """The run kept no such report (e.g. value × churn without a churn model)."""

    code = "report_not_available"


def resolve_run(run_id: int | None = None) -> ScoreRun:
    """The run ``run_id`` or the latest run, with a precise error when there is none."""
    if run_id is None:
        run = ScoreRun.objects.order_by("-as_of", "-id").first()
        if run is None:
            raise NoScoreRun("no scoring run yet: run `idic score` first")
        return run
    run = ScoreRun.objects.filter(pk=run_id).first()
    if run is None:
        raise ScoreRunNotFound(f"score run {run_id} does not exist: list the runs to pick one")
    return run


def run_header(run_id: int | None = None) -> dict[str, Any]:
    """A run's header with parameters, fitted models, counts and timings."""
    return snapshots.run_info(resolve_run(run_id))


def run_report(name: str, run_id: int | None = None) -> Any:
    """One report kept with the run (see :data:`REPORT_NAMES`)."""
    run = resolve_run(run_id)
    if name not in run.reports:
        raise ReportMissing(f"run {run.pk} kept no {name} report")
    return run.reports[name]


def pareto(run_id: int | None = None) -> dict[str, Any]:
    """Top 1/5/20 % shares, the Lorenz curve and the Gini of a run."""
    run = resolve_run(run_id)
    return {name: run_report(name, run.pk) for name in ("top_shares", "lorenz", "gini")}


def score_page(
    *,
    run_id: int | None = None,
    segment: str | None = None,
    tier: str | None = None,
    decile: int | None = None,
    stage: str | None = None,
    value_class: str | None = None,
    min_churn_risk: float | None = None,
    after_customer: int = 0,
    limit: int = 100,
) -> dict[str, Any]:
    """A page of a run's scores by customer id, narrowed by the filters given.

    ``next_cursor`` is the last customer id of the page when more rows follow, else None.
    """
    run = resolve_run(run_id)
    limit = max(1, min(limit, MAX_PAGE))
    rows = CustomerScore.objects.filter(run=run, customer_id__gt=after_customer)
    exact = {
        "rfm_segment": segment,
        "pyramid_tier": tier,
        "decile": decile,
        "lifecycle_stage": stage,
        "value_class": value_class,
    }
    rows = rows.filter(**{k: v for k, v in exact.items() if v is not None})
    if min_churn_risk is not None:
        rows = rows.filter(churn_risk__gte=min_churn_risk)
    found = list(rows.order_by("customer_id").values("customer_id", *SCORE_FIELDS)[: limit + 1])
    page = found[:limit]
    more = len(found) > limit
    return {
        "run_id": run.pk,
        "as_of": run.as_of.isoformat(),
        "items": page,
        "next_cursor": page[-1]["customer_id"] if more else None,
    }


def customer_value(customer_id: int, *, limit: int = 24) -> dict[str, Any] | None:
    """The customer's latest scores with the run they come from, and the scores of each
    run (newest first) as ``history``; None when no run scored the customer."""
    history = snapshots.customer_scores(customer_id=customer_id, limit=limit)
    if not history:
        return None
    return {**history[0], "history": history}


def counts(*, field: str, run_id: int | None = None) -> dict[str, Any]:
    """How many customers of a run hold each value of ``field``."""
    if field not in MIGRATION_FIELDS:
        raise ValueError(f"cannot count by {field!r}; choose one of {', '.join(MIGRATION_FIELDS)}")
    run = resolve_run(run_id)
    return {
        "run_id": run.pk,
        "field": field,
        "counts": snapshots.segment_counts(run_id=run.pk, field=field),
    }


def migration(
    *, from_run: int | None = None, to_run: int | None = None, field: str = "lifecycle_stage"
) -> dict[str, Any]:
    """The migration matrix of ``field`` between two runs: by default from the run
    before ``to_run`` (its ``previous``) to ``to_run`` (default the latest)."""
    if field not in MIGRATION_FIELDS:
        raise ValueError(
            f"cannot build a migration matrix of {field!r}; "
            f"choose one of {', '.join(MIGRATION_FIELDS)}"
        )
    target = resolve_run(to_run)
    if from_run is None:
        if target.previous_id is None:
            raise ScoreRunNotFound(
                f"score run {target.pk} has no earlier run to compare with: give from_run"
            )
        from_run = target.previous_id
    source = resolve_run(from_run)
    return snapshots.tier_migration(run_a=source.pk, run_b=target.pk, field=field)


def run_transitions(
    *, run_id: int | None = None, kind: str | None = None, limit: int = 1000
) -> dict[str, Any]:
    """The lifecycle / tier changes a run recorded against its previous run."""
    run = resolve_run(run_id)
    return {
        "run_id": run.pk,
        "previous_run_id": run.previous_id,
        "items": snapshots.transitions(run_id=run.pk, kind=kind, limit=limit),
    }


def rfm_grid(run_id: int | None = None) -> dict[str, Any]:
    """Customers per (R, F) score pair of a run (5 × 5; rows R 5…1, columns F 1…5)."""
    run = resolve_run(run_id)
    cells = (
        CustomerScore.objects.filter(run=run, r__isnull=False, f__isnull=False)
        .values("r", "f")
        .annotate(n=Count("id"))
    )
    by_cell = {(c["r"], c["f"]): c["n"] for c in cells}
    most = max(by_cell.values(), default=0)
    return {
        "rows": [
            {"r": r, "cells": [{"f": f, "customers": by_cell.get((r, f), 0)} for f in range(1, 6)]}
            for r in range(5, 0, -1)
        ],
        "max": most,
        "scored": sum(by_cell.values()),
    }


class BadChurnListParameter(ValueError):
    """A churn-list parameter out of range; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def checked_churn_parameters(min_risk: float, limit: int) -> tuple[float, int]:
    """``(min_risk, limit)`` when the risk cut is a probability in [0, 1] and the row
    count a whole number in 1..:data:`MAX_CHURN_ROWS`; otherwise
    :class:`BadChurnListParameter` naming the field and the allowed values."""
    if (
        isinstance(min_risk, bool)
        or not isinstance(min_risk, (int, float))
        or not (0.0 <= float(min_risk) <= 1.0)
    ):
        raise BadChurnListParameter(
            "min_risk",
            _("the churn risk cut must be a probability from 0 to 1 (e.g. 0.5), not %(v)s")
            % {"v": min_risk},
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_CHURN_ROWS:
        raise BadChurnListParameter(
            "limit",
            _("the number of rows must be a whole number from 1 to %(max)s, not %(v)s")
            % {"max": MAX_CHURN_ROWS, "v": limit},
        )
    return float(min_risk), limit


def churn_list(
    *,
    viewer: Viewer,
    run_id: int | None = None,
    min_risk: float = DEFAULT_RISK_CUT,
    limit: int = DEFAULT_CHURN_ROWS,
) -> list[dict[str, Any]]:
    """Customers at risk (churn risk >= ``min_risk``), high value × high risk first: by
    the value at stake, NPV × churn risk (002:L227–239: the valuable customers about to
    leave are kept first), then NPV, then customer id. Names are shown as the viewer
    may see them. Raises :class:`BadChurnListParameter` for a cut or row count out of
    range."""
    min_risk, limit = checked_churn_parameters(min_risk, limit)
    run = resolve_run(run_id)
    rows = (
        CustomerScore.objects.filter(run=run, churn_risk__gte=min_risk)
        .filter(~Q(npv_value__isnull=True))
        .annotate(value_at_risk=F("npv_value") * F("churn_risk"))
        .order_by(F("value_at_risk").desc(), F("npv_value").desc(), "customer_id")
        .values(
            "customer_id",
            "customer__name",
            "npv_value",
            "clv",
            "churn_risk",
            "value_at_risk",
            "p_alive",
            "pyramid_tier",
            "rfm_segment",
            "lifecycle_stage",
        )[:limit]
    )
    out = []
    for found in rows:
        row = dict(found)
        name = row.pop("customer__name")
        out.append({**row, "name": viewer.reveal("name", name)})
    return out


def dashboard(
    *,
    viewer: Viewer,
    run_id: int | None = None,
    compare_run_id: int | None = None,
    flow_field: str = "lifecycle_stage",
    min_risk: float = DEFAULT_RISK_CUT,
    churn_rows: int = DEFAULT_CHURN_ROWS,
) -> dict[str, Any]:
    """Everything the value dashboard shows for one run (default the latest); the churn
    list with the risk cut and row count given."""
    min_risk, churn_rows = checked_churn_parameters(min_risk, churn_rows)
    run = resolve_run(run_id)
    if flow_field not in FLOW_FIELDS:
        flow_field = "lifecycle_stage"
    compare_id = compare_run_id if compare_run_id is not None else run.previous_id
    flow = None
    if compare_id is not None and compare_id != run.pk:
        source = resolve_run(compare_id)
        flow = snapshots.tier_migration(run_a=source.pk, run_b=run.pk, field=flow_field)
    reports = run.reports
    return {
        "run": snapshots.run_info(run),
        "runs": snapshots.list_runs(limit=100),
        "compare_run_id": compare_id,
        "flow_field": flow_field,
        "flow": flow,
        "pyramid": reports.get("pyramid", []),
        "deciles": reports.get("decile_table", []),
        "top_shares": reports.get("top_shares", []),
        "lorenz": reports.get("lorenz", []),
        "gini": reports.get("gini"),
        "abc": reports.get("abc", []),
        "value_churn": reports.get("value_churn", []),
        "rfm_grid": rfm_grid(run.pk),
        "segments": snapshots.segment_counts(run_id=run.pk, field="rfm_segment"),
        "churn_list": churn_list(viewer=viewer, run_id=run.pk, min_risk=min_risk, limit=churn_rows),
        "min_risk": min_risk,
        "churn_rows": churn_rows,
        "absent": ABSENT,
    }


def any_run() -> bool:
    """True once a scoring run exists."""
    return ScoreRun.objects.exists()
