"""Reading the import log: the latest runs of the importer, for the import page."""

from __future__ import annotations

from typing import Any

from idic.identify.models import ImportRun


def recent_import_runs(*, limit: int = 10) -> list[dict[str, Any]]:
    """The latest import runs, newest first, with their counts and status."""
    runs = ImportRun.objects.order_by("-started_at", "-pk")[: max(1, min(limit, 100))]
    return [
        {
            "id": run.pk,
            "kind": run.kind,
            "file_name": run.file_name,
            "actor": run.actor,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "rows": run.rows,
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "linked": run.linked,
            "error_count": run.error_count,
        }
        for run in runs
    ]
