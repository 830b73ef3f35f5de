"""The value dashboard: pyramid, deciles, Pareto / Lorenz, RFM grid, ABC, lifecycle flow,
value × churn and the churn list of one scoring run, for analysts and admins."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from idic.differentiate.services import dashboard
from idic.differentiate.views import charts
from idic.protect import services as protect

READERS = ("admin", "analyst")
STAGE_ORDER = ("exploration", "formation", "stability", "decline", "termination")
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    "lifecycle_stage": STAGE_ORDER,
    "pyramid_tier": charts.TIER_ORDER,
    "value_class": ("MVC", "MGC", "migrator", "maintain", "BZ"),
    "abc_class": ("A", "B", "C"),
    "rfm_segment": (
        "champions",
        "loyal",
        "potential loyalist",
        "new",
        "promising",
        "need attention",
        "about to sleep",
        "at risk",
        "can't lose",
        "hibernating",
        "lost",
    ),
}
LEVEL_ORDER = ("high", "mid", "low")


def analyst_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sign-in first; then only analysts and admins (others get the 403 page)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        viewer = protect.viewer_for(request.user)
        if viewer is None or viewer.role not in READERS:
            raise PermissionDenied(_("Only analysts and administrators may open the value pages."))
        request.viewer = viewer  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise dashboard.ScoreRunNotFound(_("“%(value)s” is not a run number.") % {"value": raw})
    return int(raw)


def _churn_parameters(request: HttpRequest) -> tuple[float, int]:
    """The churn list's risk cut (``risk``) and row count (``rows``) from the query string;
    defaults when absent, :class:`dashboard.BadChurnListParameter` when malformed or out of
    range."""
    raw_risk = request.GET.get("risk", "").strip()
    raw_rows = request.GET.get("rows", "").strip()
    risk, rows = dashboard.DEFAULT_RISK_CUT, dashboard.DEFAULT_CHURN_ROWS
    if raw_risk:
        try:
            risk = float(raw_risk)
        except ValueError:
            risk = float("nan")
        if risk != risk:  # not a number (or "nan" itself)
            raise dashboard.BadChurnListParameter(
                "min_risk",
                _("“%(value)s” is not a churn risk: give a number from 0 to 1, e.g. 0.5.")
                % {"value": raw_risk},
            )
    if raw_rows:
        if not raw_rows.isdigit():
            raise dashboard.BadChurnListParameter(
                "limit",
                _("“%(value)s” is not a number of rows: give a whole number from 1 to %(max)s.")
                % {"value": raw_rows, "max": dashboard.MAX_CHURN_ROWS},
            )
        rows = int(raw_rows)
    return dashboard.checked_churn_parameters(risk, rows)


def _value_churn_grid(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The value × churn cells as a grid: value levels down, risk levels across."""
    values = [v for v in LEVEL_ORDER if any(r["value_level"] == v for r in rows)]
    risks = [v for v in reversed(LEVEL_ORDER) if any(r["risk_level"] == v for r in rows)]
    by_cell = {(r["value_level"], r["risk_level"]): r for r in rows}
    total = sum(r["customers"] for r in rows) or 1
    return {
        "risks": risks,
        "rows": [
            {
                "value_level": v,
                "cells": [
                    {**by_cell.get((v, k), {}), "risk_level": k, "value_level": v}
                    | {"share": by_cell.get((v, k), {}).get("customers", 0) / total}
                    for k in risks
                ],
            }
            for v in values
        ],
    }


@require_GET
@analyst_required
def value_dashboard(request: HttpRequest) -> HttpResponse:
    viewer = request.viewer  # type: ignore[attr-defined]
    flow_field = request.GET.get("flow", "lifecycle_stage")
    churn_error = None
    try:
        risk, rows = _churn_parameters(request)
    except dashboard.BadChurnListParameter as exc:
        churn_error = str(exc)
        risk, rows = dashboard.DEFAULT_RISK_CUT, dashboard.DEFAULT_CHURN_ROWS
    try:
        run_id = _int_param(request, "run")
        compare_id = _int_param(request, "compare")
        data = dashboard.dashboard(
            viewer=viewer,
            run_id=run_id,
            compare_run_id=compare_id,
            flow_field=flow_field,
            min_risk=risk,
            churn_rows=rows,
        )
    except dashboard.NoScoreRun:
        return render(request, "differentiate/dashboard.html", {"empty": True})
    except dashboard.ScoreRunNotFound as exc:
        missing = {"missing": str(exc)}
        return render(request, "differentiate/dashboard.html", missing, status=404)
    run = data["run"]
    model = run["model_parameters"] or {}
    flow = data["flow"]
    context: dict[str, Any] = {
        **data,
        "model": model,
        "pyramid_chart": charts.pyramid(data["pyramid"]),
        "decile_chart": charts.decile_bars(data["deciles"]),
        "lorenz_chart": charts.lorenz(data["lorenz"]),
        "heat": charts.heat_grid(data["rfm_grid"]),
        "segment_rows": sorted(
            ((k, n) for k, n in data["segments"].items() if k != "none"),
            key=lambda kv: (-kv[1], kv[0]),
        ),
        "unsegmented": data["segments"].get("none", 0),
        "flow_matrix": charts.matrix(flow["matrix"], FIELD_ORDER.get(data["flow_field"], ()))
        if flow
        else None,
        "flow_fields": dashboard.FLOW_FIELDS,
        "value_churn_grid": _value_churn_grid(data["value_churn"]),
        "compare_runs": [r for r in data["runs"] if r["run_id"] != run["run_id"]],
        "risk_cut": data["min_risk"],
        "max_churn_rows": dashboard.MAX_CHURN_ROWS,
        "churn_error": churn_error,
        "churn_form_values": {
            "risk": request.GET.get("risk", "") if churn_error else data["min_risk"],
            "rows": request.GET.get("rows", "") if churn_error else data["churn_rows"],
        },
    }
    status = 400 if churn_error else 200
    return render(request, "differentiate/dashboard.html", context, status=status)
