"""Use cases of the differentiate area: the scoring run and the snapshot readers.

Import the submodules (``from idic.differentiate.services import scoring, snapshots``);
the most used functions are also named here.
"""

from idic.differentiate.services.scoring import (
    ScoreRunSummary,
    ScoringError,
    run_scoring,
)
from idic.differentiate.services.snapshots import (
    SnapshotError,
    customer_scores,
    latest_scores,
    segment_counts,
    tier_migration,
)

__all__ = [
    "ScoreRunSummary",
    "ScoringError",
    "SnapshotError",
    "customer_scores",
    "latest_scores",
    "run_scoring",
    "segment_counts",
    "tier_migration",
]
