"""A real small scoring history for the score API and value page tests: the fixed data
set of :mod:`tests.differentiate.scoring_data` imported and scored twice (two snapshots,
so migration, transitions and history across runs have something to show)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from idic.differentiate.models import ScoreRun
from idic.differentiate.services import scoring
from idic.identify.models import SourceRecord
from idic.identify.services import imports

from . import scoring_data

EARLIER = dt.date(2024, 6, 30)


@dataclass
class ScoredBase:
    earlier: ScoreRun
    latest: ScoreRun
    customers: dict[str, int]  # source id ``S<n>`` → customer id


def import_and_score(folder: Path) -> ScoredBase:
    """Import the fixed data set and score it as of EARLIER and AS_OF."""
    files = scoring_data.import_files(folder)
    for kind in ("customers", "transactions", "interactions"):
        report = imports.import_file(kind=kind, path=files[kind], actor="test")
        assert report.status == "succeeded", report.errors[:3]
    first = scoring.run_scoring(as_of=EARLIER)
    second = scoring.run_scoring(as_of=scoring_data.AS_OF)
    return ScoredBase(
        earlier=ScoreRun.objects.get(pk=first.run_id),
        latest=ScoreRun.objects.get(pk=second.run_id),
        customers=dict(SourceRecord.objects.values_list("source_id", "customer_id")),
    )
