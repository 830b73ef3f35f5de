"""Read the score snapshots: latest scores, a customer's history, segment counts, tier
migration between two runs (状态迁移), transitions, and the reports kept with a run.

Everything returns plain dicts and lists, ready for pages, the API and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import Count

from idic.differentiate.models import CustomerScore, ScoreRun, StageTransition
from idic.differentiate.scoring.columns import SCORE_COLUMNS

SCORE_FIELDS = [c for c in SCORE_COLUMNS if c != "customer_id"]
# columns whose values a migration matrix can compare
MIGRATION_FIELDS = (
    "pyramid_tier",
    "decile",
    "abc_class",
    "rfm_segment",
    "value_class",
    "loyalty_class",
    "activity_class",
    "lifecycle_stage",
)
ABSENT = "none"  # label for "not in that run" or "no value" in a migration matrix


class SnapshotError(LookupError):
    """The run asked for does not exist (or no run exists yet)."""


def run_info(run: ScoreRun) -> dict[str, Any]:
    """A run's header: id, as_of, engine, when, parameters, fitted models, counts, timings."""
    return {
        "run_id": run.pk,
        "as_of": run.as_of.isoformat(),
        "engine": run.engine,
        "created_at": run.created_at.isoformat(),
        "previous_run_id": run.previous_id,
        "parameters": run.parameters,
        "model_parameters": run.model_parameters,
        "counts": run.counts,
        "timings": run.timings,
        "warnings": run.warnings,
    }


def get_run(*, run_id: int | None = None) -> ScoreRun:
    """The run ``run_id``, or the latest run (greatest as_of, then newest)."""
    if run_id is None:
        run = ScoreRun.objects.order_by("-as_of", "-id").first()
        if run is None:
            raise SnapshotError("no scoring run yet — run `idic score` first")
        return run
    try:
        return ScoreRun.objects.get(pk=run_id)
    except ScoreRun.DoesNotExist:
        raise SnapshotError(
            f"score run {run_id} does not exist; list runs with list_runs()"
        ) from None


def list_runs(*, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest as_of first (header only)."""
    return [
        {
            "run_id": r.pk,
            "as_of": r.as_of.isoformat(),
            "engine": r.engine,
            "created_at": r.created_at.isoformat(),
            "counts": r.counts,
        }
        for r in ScoreRun.objects.order_by("-as_of", "-id")[:limit]
    ]


def iter_scores(*, run_id: int | None = None, chunk: int = 20_000) -> Iterator[tuple]:
    """Every score row of a run as tuples in :data:`SCORE_COLUMNS` order, by customer id."""
    run = get_run(run_id=run_id)
    fields = ["customer_id", *SCORE_FIELDS]
    last = 0
    while True:
        rows = list(
            CustomerScore.objects.filter(run=run, customer_id__gt=last)
            .order_by("customer_id")
            .values_list(*fields)[:chunk]
        )
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def latest_scores(
    *, run_id: int | None = None, after_customer: int = 0, limit: int = 100
) -> dict[str, Any]:
    """A page of a run's scores (default the latest run), ordered by customer id."""
    run = get_run(run_id=run_id)
    fields = ["customer_id", *SCORE_FIELDS]
    rows = (
        CustomerScore.objects.filter(run=run, customer_id__gt=after_customer)
        .order_by("customer_id")
        .values(*fields)[:limit]
    )
    return {"run": run_info(run), "scores": list(rows)}


def customer_scores(*, customer_id: int, limit: int = 24) -> list[dict[str, Any]]:
    """One customer's scores in each run, newest as_of first (for the 360 page)."""
    rows = (
        CustomerScore.objects.filter(customer_id=customer_id)
        .select_related("run")
        .order_by("-run__as_of", "-run_id")[:limit]
    )
    return [
        {
            "run_id": s.run_id,
            "as_of": s.run.as_of.isoformat(),
            **{f: getattr(s, f) for f in SCORE_FIELDS},
        }
        for s in rows
    ]


def segment_counts(*, run_id: int | None = None, field: str = "rfm_segment") -> dict[str, int]:
    """How many customers of a run have each value of ``field`` (``none`` for null)."""
    if field not in MIGRATION_FIELDS:
        raise ValueError(f"cannot count by {field!r}; choose one of {', '.join(MIGRATION_FIELDS)}")
    run = get_run(run_id=run_id)
    counted = CustomerScore.objects.filter(run=run).values(field).annotate(n=Count("id"))
    return {ABSENT if row[field] is None else str(row[field]): row["n"] for row in counted}


def tier_migration(*, run_a: int, run_b: int, field: str = "pyramid_tier") -> dict[str, Any]:
    """The migration matrix of ``field`` from run ``run_a`` to run ``run_b`` (状态迁移).

    ``matrix[from][to]`` counts customers; ``none`` stands for "not scored in that run"
    or "no value" (e.g. a new customer appears in row ``none``).
    """
    if field not in MIGRATION_FIELDS:
        raise ValueError(
            f"cannot build a migration matrix of {field!r}; choose one of {', '.join(MIGRATION_FIELDS)}"
        )
    a, b = get_run(run_id=run_a), get_run(run_id=run_b)
    table = connection.ops.quote_name(CustomerScore._meta.db_table)
    col = connection.ops.quote_name(field)
    sql = (
        f"SELECT x.{col}, y.{col}, COUNT(*) FROM {table} x "
        f"LEFT JOIN {table} y ON y.customer_id = x.customer_id AND y.run_id = %s "
        f"WHERE x.run_id = %s GROUP BY x.{col}, y.{col} "
        f"UNION ALL "
        f"SELECT NULL, y.{col}, COUNT(*) FROM {table} y "
        f"WHERE y.run_id = %s AND NOT EXISTS (SELECT 1 FROM {table} x "
        f"WHERE x.run_id = %s AND x.customer_id = y.customer_id) GROUP BY y.{col}"
    )
    matrix: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [b.pk, a.pk, b.pk, a.pk])
        for source, target, n in cursor.fetchall():
            src = ABSENT if source is None else str(source)
            dst = ABSENT if target is None else str(target)
            matrix.setdefault(src, {})
            matrix[src][dst] = matrix[src].get(dst, 0) + int(n)
    return {
        "field": field,
        "from_run": run_info(a) | {"parameters": None},
        "to_run": run_info(b) | {"parameters": None},
        "matrix": matrix,
    }


def transitions(
    *, run_id: int | None = None, kind: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """The stage / tier transition events a run recorded."""
    run = get_run(run_id=run_id)
    events = StageTransition.objects.filter(run=run).order_by("id")
    if kind is not None:
        events = events.filter(kind=kind)
    rows = events.values("customer_id", "kind", "from_stage", "to_stage")[:limit]
    return [dict(row) for row in rows]


def report(*, name: str, run_id: int | None = None) -> Any:
    """One report kept with a run: ``decile_table``, ``top_shares``, ``lorenz``, ``gini``,
    ``pyramid`` or ``abc`` (see :mod:`idic.differentiate.scoring.reports`)."""
    run = get_run(run_id=run_id)
    if name not in run.reports:
        known = ", ".join(sorted(k for k in run.reports if k != "window")) or "none"
        raise SnapshotError(f"run {run.pk} has no report {name!r} (it has: {known})")
    return run.reports[name]


def decile_table(*, run_id: int | None = None) -> list[dict[str, Any]]:
    """The decile table (十分制分析) of a run."""
    return report(name="decile_table", run_id=run_id)


def pareto(*, run_id: int | None = None) -> dict[str, Any]:
    """Concentration of value: top 1/5/20 % shares, the Lorenz curve and the Gini."""
    return {
        "top_shares": report(name="top_shares", run_id=run_id),
        "lorenz": report(name="lorenz", run_id=run_id),
        "gini": report(name="gini", run_id=run_id),
    }


def pyramid(*, run_id: int | None = None) -> list[dict[str, Any]]:
    """The customer pyramid summary of a run."""
    return report(name="pyramid", run_id=run_id)


def abc(*, run_id: int | None = None) -> list[dict[str, Any]]:
    """The ABC table of a run (with staff effort when interactions had durations)."""
    return report(name="abc", run_id=run_id)
