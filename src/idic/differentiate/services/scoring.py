"""The scoring run: load → score in the engine → write the snapshot → transitions.

Nothing is written until every score is computed; the snapshot, its rows and its
transition events are then written in one transaction, so a failed run leaves no trace.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from idic.analytics import services as analytics
from idic.differentiate.models import CustomerScore, ScoreRun
from idic.differentiate.scoring.params import ScoringParams
from idic.differentiate.scoring.pipeline import STEPS, run_pipeline
from idic.differentiate.services.snapshot_write import write_scores, write_transitions

# progress(step, done, total)
Progress = Callable[[str, int, int], None]


class ScoringError(ValueError):
    """The run cannot start or cannot finish on this data; the message says what to do."""


@dataclass
class ScoreRunSummary:
    """What a scoring run did: the JSON line ``idic score`` prints."""

    run_id: int
    as_of: dt.date
    engine: str
    counts: dict[str, Any]
    timings: dict[str, float]
    model_parameters: dict[str, Any]
    null_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        return out


def _as_of(as_of: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if as_of is None:
        return today
    if isinstance(as_of, dt.datetime) or not isinstance(as_of, dt.date):
        raise ScoringError(
            _("as_of must be a calendar date (YYYY-MM-DD), not %(v)r") % {"v": as_of}
        )
    if as_of > today:
        raise ScoringError(
            _(
                "as_of %(as_of)s is in the future (today is %(today)s); score up to a day "
                "that has happened"
            )
            % {"as_of": as_of.isoformat(), "today": today.isoformat()}
        )
    return as_of


def _params(params: ScoringParams | dict[str, Any] | None) -> ScoringParams:
    if isinstance(params, ScoringParams):
        return params
    try:
        return ScoringParams.from_dict(params)
    except (TypeError, ValueError) as exc:
        raise ScoringError(_("bad scoring parameters: %(error)s") % {"error": exc}) from exc


def _check_data(session: analytics.Session, tables: dict[str, Any], as_of: dt.date) -> int:
    """Raise ScoringError when there is nothing to score; return transactions up to as_of."""
    t = tables["transactions"]
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    row = session.fetch(
        t.aggregate(rows=t.count(), in_scope=t.count(where=t.ts < end), first=t.ts.min())
    ).to_pylist()[0]
    if not row["rows"]:
        raise ScoringError(_("nothing to score — import transactions first"))
    if not row["in_scope"]:
        raise ScoringError(
            _(
                "no transaction at or before as_of %(as_of)s (the first is on %(first)s); "
                "choose a later --as-of"
            )
            % {"as_of": as_of.isoformat(), "first": row["first"].date().isoformat()}
        )
    return int(row["in_scope"])


def previous_run(as_of: dt.date) -> ScoreRun | None:
    """The run transitions are measured against: the latest run with an earlier as_of."""
    return ScoreRun.objects.filter(as_of__lt=as_of).order_by("-as_of", "-id").first()


def _load_previous(session: analytics.Session, previous: ScoreRun) -> Any:
    """The previous run's scores that this run compares against, as an engine table."""
    return analytics.load_rows(
        session=session,
        name="idic_previous",
        model=CustomerScore,
        fields={
            "customer_id": pa.int64(),
            "npv_value": pa.float64(),
            "proxy_rank": pa.int64(),
            "pyramid_tier": pa.string(),
            "lifecycle_stage": pa.string(),
        },
        where=f"run_id = {int(previous.pk)}",
    )


def run_scoring(
    *,
    as_of: dt.date | None = None,
    engine: str | None = None,
    progress: Progress | None = None,
    params: ScoringParams | dict[str, Any] | None = None,
) -> ScoreRunSummary:
    """Score every customer as of ``as_of`` (default today) and store the snapshot.

    Raises:
        ScoringError: no transactions, ``as_of`` in the future or before all data, bad
            parameters, or an engine that cannot be used. Nothing is written then.
    """
    began = time.perf_counter()
    day = _as_of(as_of)
    settings_params = _params(params)
    try:
        name = analytics.engine.engine_name(engine)
    except analytics.engine.EngineError as exc:
        raise ScoringError(str(exc)) from exc
    total = len(STEPS) + 3

    def step(label: str, done: int) -> None:
        if progress is not None:
            progress(label, done, total)

    step("load", 0)
    try:
        session = analytics.open_session(name)
    except analytics.engine.EngineError as exc:
        raise ScoringError(str(exc)) from exc
    try:
        loaded = analytics.load_operational(session=session)
        in_scope = _check_data(session, loaded.tables, day)
        previous = previous_run(day)
        if previous is not None:
            began_previous = time.perf_counter()
            loaded.tables["previous"] = _load_previous(session, previous)
            loaded.timings["load_previous"] = round(time.perf_counter() - began_previous, 3)
        try:
            result = run_pipeline(
                session=session,
                tables=loaded.tables,
                as_of=day,
                params=settings_params,
                progress=lambda label, done, _n: step(label, done + 1),
            )
        except ValueError as exc:
            raise ScoringError(str(exc)) from exc
    finally:
        analytics.close_session(session)
    step("write", total - 1)
    write_began = time.perf_counter()
    counts: dict[str, Any] = {
        "customers": result.scores.num_rows,
        "customers_with_purchases": result.scores.num_rows
        - result.scores.column("frequency").null_count,
        "transactions": loaded.counts.get("transactions", 0),
        "transactions_in_scope": in_scope,
        "interactions": loaded.counts.get("interactions", 0),
    }
    with transaction.atomic():
        run = ScoreRun.objects.create(
            as_of=day,
            engine=name,
            created_at=timezone.now(),
            previous=previous,
            parameters=settings_params.as_dict(),
            model_parameters=result.model_parameters,
            reports=result.reports,
            warnings=result.warnings,
        )
        write_scores(run_id=run.pk, scores=result.scores)
        written = time.perf_counter()
        transitions = write_transitions(run_id=run.pk, events=result.transitions)
        counts["transitions"] = transitions
        counts["previous_run_id"] = previous.pk if previous else None
        timings = {
            **loaded.timings,
            **result.timings,
            "write_scores": round(written - write_began, 3),
            "write_transitions": round(time.perf_counter() - written, 3),
        }
        timings["total"] = round(time.perf_counter() - began, 3)
        run.counts = counts
        run.timings = timings
        run.save(update_fields=["counts", "timings"])
    step("done", total)
    return ScoreRunSummary(
        run_id=run.pk,
        as_of=day,
        engine=name,
        counts=counts,
        timings=timings,
        model_parameters=result.model_parameters,
        null_columns=result.null_columns,
        warnings=result.warnings,
    )
