"""The review queue: pairs of source records a person judges "the same customer" or not.

Batch resolution puts a pair here when its match probability falls between the two
thresholds. A person sees both records side by side with the evidence and decides; a
"match" merges the two records' customers. Decisions are kept: :func:`enqueue_pair`
never re-opens a decided pair, and :func:`decisions` lets a later automatic run honour
them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from idic.identify import field_rules
from idic.identify.field_rules import FieldError
from idic.identify.models import ReviewPair, ReviewStatus, SourceRecord
from idic.identify.reasons import reason
from idic.identify.services import merging
from idic.identify.services.editing import Conflict
from idic.protect.services import Viewer

DECISIONS = (ReviewStatus.MATCH.value, ReviewStatus.NON_MATCH.value)


class ReviewPairNotFound(LookupError):
    pass


class AlreadyDecided(Conflict):
    code = "already_decided"


@dataclass(frozen=True)
class ReviewPage:
    items: list[dict[str, Any]]
    next_cursor: int | None
    pending: int


def _ordered(left: int, right: int) -> tuple[int, int]:
    if left == right:
        raise FieldError("right_record_id", "a record cannot be paired with itself")
    return (left, right) if left < right else (right, left)


def enqueue_pair(
    *, left_record_id: int, right_record_id: int, probability: float, evidence: dict
) -> None:
    """Queue a pair of source records for review; a pair already queued or decided is left
    as it is (so a decision is never overridden)."""
    low, high = _ordered(int(left_record_id), int(right_record_id))
    if not (isinstance(probability, int | float) and math.isfinite(probability)):
        raise FieldError("probability", "probability must be a number between 0 and 1")
    if not 0.0 <= probability <= 1.0:
        raise FieldError("probability", f"probability {probability} is not between 0 and 1")
    if ReviewPair.objects.filter(left_id=low, right_id=high).exists():
        return
    found = set(SourceRecord.objects.filter(pk__in=(low, high)).values_list("pk", flat=True))
    missing = sorted({low, high} - found)
    if missing:
        raise FieldError(
            "left_record_id", f"source record {missing[0]} does not exist: queue stored records"
        )
    try:
        with transaction.atomic():
            ReviewPair.objects.create(
                left_id=low,
                right_id=high,
                probability=float(probability),
                evidence=evidence or {},
                created_at=timezone.now(),
            )
    except IntegrityError:  # queued meanwhile by another run: that row stands
        return


def decisions() -> dict[tuple[int, int], str]:
    """Every decided pair: ``{(lower record id, higher record id): "match" | "non_match"}``."""
    rows = ReviewPair.objects.exclude(status=ReviewStatus.PENDING).values_list(
        "left_id", "right_id", "status"
    )
    return {(left, right): status for left, right, status in rows}


def decide(*, pair_id: int, decision: str, actor: str) -> int | None:
    """Record a person's decision on a pending pair; "match" merges the two records'
    customers (nothing to merge when they already are one customer). Returns the id of
    the merge made, if one was.

    Raises:
        FieldError: the decision is not "match" or "non_match".
        ReviewPairNotFound: no such pair.
        AlreadyDecided: the pair was decided before (its decision stands).
    """
    if decision not in DECISIONS:
        raise FieldError(
            "decision",
            reason(
                "decision {decision!r} is not one of {choices}",
                decision=decision,
                choices=", ".join(DECISIONS),
            ),
        )
    actor = field_rules.clean_text("actor", actor, required=True)[:150]
    with transaction.atomic():
        pair = (
            ReviewPair.objects.select_for_update()
            .select_related("left", "right")
            .filter(pk=pair_id)
            .first()
        )
        if pair is None:
            raise ReviewPairNotFound(reason("review pair {pair} does not exist", pair=pair_id))
        if pair.status != ReviewStatus.PENDING:
            raise AlreadyDecided(
                reason(
                    "pair {pair} was already decided {decision} by {actor}: "
                    "undo its merge on the customer page if it was wrong",
                    pair=pair_id,
                    decision=pair.status,
                    actor=pair.decided_by,
                ),
                field="decision",
            )
        owners = {pair.left.customer_id, pair.right.customer_id}
        if decision == ReviewStatus.MATCH and len(owners) == 2:
            result = merging.merge_customers(
                customer_ids=sorted(owners),
                actor=actor,
                reason=f"review pair {pair.pk}: {pair.left} = {pair.right}",
                evidence={
                    "review_pair": pair.pk,
                    "probability": pair.probability,
                    "comparison": pair.evidence,
                },
            )
            pair.merge_id = result.merge_id
        pair.status = decision
        pair.decided_by = actor
        pair.decided_at = timezone.now()
        pair.save(update_fields=["status", "decided_by", "decided_at", "merge"])
    return pair.merge_id


def pair_by_id(*, pair_id: int, viewer: Viewer) -> dict[str, Any]:
    pair = ReviewPair.objects.select_related("left", "right").filter(pk=pair_id).first()
    if pair is None:
        raise ReviewPairNotFound(f"review pair {pair_id} does not exist")
    return pair_view(pair, viewer=viewer)


def _record_view(record: SourceRecord, viewer: Viewer | None) -> dict[str, Any]:
    payload = record.payload if isinstance(record.payload, dict) else {}
    shown = {k: viewer.reveal(k, v) for k, v in payload.items()} if viewer is not None else {}
    return {
        "id": record.pk,
        "source": record.source,
        "source_id": record.source_id,
        "customer_id": record.customer_id,
        "fields": shown,
        "last_seen_at": record.last_seen_at.isoformat(),
    }


def pair_view(pair: ReviewPair, *, viewer: Viewer | None) -> dict[str, Any]:
    """A pair with both records (their fields masked for ``viewer``; none without one)."""
    return {
        "id": pair.pk,
        "probability": pair.probability,
        "evidence": pair.evidence,
        "status": pair.status,
        "decided_by": pair.decided_by,
        "decided_at": pair.decided_at.isoformat() if pair.decided_at else None,
        "merge_id": pair.merge_id,
        "created_at": pair.created_at.isoformat(),
        "left": _record_view(pair.left, viewer),
        "right": _record_view(pair.right, viewer),
    }


def review_queue(
    *, viewer: Viewer, status: str = "pending", cursor: int | None = None, limit: int = 20
) -> ReviewPage:
    """Pairs of one status, the most probable first (ties by id); ``cursor`` is the
    ``next_cursor`` of the previous page (a position in that order)."""
    if status not in ReviewStatus.values:
        raise FieldError(
            "status", f"status {status!r} is not one of {', '.join(ReviewStatus.values)}"
        )
    limit = max(1, min(int(limit), 200))
    offset = max(0, int(cursor or 0))
    rows = (
        ReviewPair.objects.filter(status=status)
        .select_related("left", "right")
        .order_by("-probability", "pk")
    )
    found = list(rows[offset : offset + limit + 1])
    more = len(found) > limit
    pending = ReviewPair.objects.filter(status=ReviewStatus.PENDING).count()
    return ReviewPage(
        items=[pair_view(p, viewer=viewer) for p in found[:limit]],
        next_cursor=offset + limit if more else None,
        pending=pending,
    )
