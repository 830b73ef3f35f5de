"""Batch identity resolution: find every group of source records of one customer.

``resolve`` reads every source record (``resolution_records``), builds the comparison
features (``matching.features``), trains the Splink model without labels
(``matching.model``: u by random sampling, m by EM), scores the blocked pairs, and
clusters them with the review queue's decisions (``matching.linking``: pairs at or above
``threshold_match`` join, weaker ones down to ``linking.POSSIBLE_AT`` only where
unambiguous; pairs the model sees as different people, a person's "not a match" and
records that share only a home — a family — stay apart; a person's "match" joins, records
already one customer stay together). Then, in one transaction:

- the clusters holding records of two or more customers become one customer each
  (``merging.merge_groups``, in bulk), with the evidence of the links that joined them;
- each pair scored at or above ``threshold_review`` whose records did not end up
  together goes to the review queue (``review.enqueue_pair``; a pair already queued or
  decided is left alone), and so does each link refused because a person kept its
  chain apart or because it joins only a household.

The trained model is saved to ``DATA_DIR/identity-model.json`` (``matching.model_file``)
for recognition. ``dry_run`` computes everything and changes nothing. Bad input (no
records, a threshold out of range or the review threshold above the match threshold,
an unknown engine) raises :class:`ResolveError` before anything is read or written.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from idic.identify import recognition
from idic.identify.matching import clusters, features, linking, model, model_file
from idic.identify.matching.evidence import Explainer
from idic.identify.models import ReviewPair
from idic.identify.services import merging, review
from idic.identify.services.resolution_records import load_records

MODEL_FILE = "identity-model.json"
ACTOR = "idic resolve"
MAX_EVIDENCE_PAIRS = 50  # links listed in one merge's evidence
Progress = Callable[[str, int, int | None], None]


class ResolveError(ValueError):
    """Resolution cannot run as asked; nothing was changed. The message says why and
    what to do."""


@dataclass
class ResolveReport:
    """What a run found and did."""

    records: int
    customers: int  # distinct customers of the records, before the run
    pairs_scored: int  # pairs at or above the review threshold
    pairs_matched: int  # of those, at or above the match threshold
    clusters: int  # groups that join two or more customers
    merges: int
    customers_merged: int  # customers merged into another
    review_queued: int  # pairs sent to the review queue
    links_refused: int  # links a "not a match" decision kept from joining
    conflicts: int  # "not a match" decisions about records already one customer
    dry_run: bool
    threshold_match: float
    threshold_review: float
    engine: str
    model_path: str
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check(threshold_match: float, threshold_review: float, engine: str) -> None:
    for name, value in (
        ("threshold_match", threshold_match),
        ("threshold_review", threshold_review),
    ):
        if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
            raise ResolveError(f"{name} must be a probability between 0 and 1, not {value!r}")
    if threshold_review > threshold_match:
        raise ResolveError(
            f"threshold_review ({threshold_review}) is above threshold_match "
            f"({threshold_match}): pairs between the two go to review, so give a review "
            "threshold at or below the match threshold"
        )
    if threshold_match == 0.0:
        raise ResolveError("threshold_match 0 would merge every pair scored: give 0.5 or more")
    if engine not in model.ENGINES:
        raise ResolveError(f"unknown engine {engine!r}: use one of {', '.join(model.ENGINES)}")


class _Clock:
    """Times the steps of a run and reports them: a step's name as it begins, so the
    progress bar names the work under way, and its count when it ends."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()
        self.last = self.started

    def begin(self, name: str, total: int | None = 1) -> None:
        """Report that step ``name`` starts (nothing of it done yet)."""
        self.last = time.perf_counter()
        if self.progress:
            self.progress(name, 0, total)

    def step(self, name: str, done: int = 1, total: int | None = 1) -> None:
        """Report that step ``name`` ended, and keep its time since it began."""
        now = time.perf_counter()
        self.seconds[name] = round(now - self.last, 3)
        self.last = now
        if self.progress:
            self.progress(name, done, total)

    def reporter(self, name: str) -> Callable[[int, int | None], None] | None:
        if self.progress is None:
            return None
        progress = self.progress
        return lambda done, total: progress(name, done, total)

    def total(self) -> None:
        self.seconds["total"] = round(time.perf_counter() - self.started, 3)


def resolve(
    *,
    threshold_match: float = 0.95,
    threshold_review: float = 0.5,
    engine: str = "duckdb",
    progress: Progress | None = None,
    dry_run: bool = False,
    actor: str = ACTOR,
) -> ResolveReport:
    """Find the records of one customer across all sources and merge them.

    Raises:
        ResolveError: bad thresholds or engine, or no records to resolve; nothing changed.
    """
    _check(threshold_match, threshold_review, engine)
    clock = _Clock(progress)
    loaded = load_records(progress=clock.reporter("load"))
    if len(loaded.facts) < 2:
        raise ResolveError(
            f"there are {len(loaded.facts)} source records: resolution needs at least 2; "
            "import customers first (idic import customers FILE, or idic demo)"
        )
    clock.step("load", len(loaded.facts), len(loaded.facts))
    clock.begin("features", len(loaded.facts))
    frame = features.feature_frame(loaded.facts)
    clock.step("features", len(frame), len(frame))
    clock.begin("train")
    try:
        trained = model.train(frame, engine=engine)
    except model.ModelError as exc:
        raise ResolveError(str(exc)) from exc
    clock.step("train")
    clock.begin("predict", None)
    pairs, apart = model.predict_links(
        frame, trained, threshold=min(threshold_review, linking.POSSIBLE_AT), engine=engine
    )
    clock.step("predict", len(pairs), len(pairs))
    clock.begin("cluster", None)
    scored = _Scored(pairs, apart, frame, threshold_match, threshold_review, trained)
    plan = _plan(scored, loaded.customer_of, decided=review.decisions())
    clock.step("cluster", len(plan.merges), len(plan.merges))
    report = ResolveReport(
        records=len(loaded.facts),
        customers=len(set(loaded.customer_of.values())),
        pairs_scored=int((pairs["match_probability"] >= threshold_review).sum()),
        pairs_matched=int((pairs["match_probability"] >= threshold_match).sum()),
        clusters=len(plan.merges),
        merges=0,
        customers_merged=0,
        review_queued=0,
        links_refused=plan.refused,
        conflicts=plan.conflicts,
        dry_run=dry_run,
        threshold_match=threshold_match,
        threshold_review=threshold_review,
        engine=engine,
        model_path=str(Path(settings.DATA_DIR) / MODEL_FILE),
    )
    if dry_run:
        report.customers_merged = sum(len(m.customer_ids) - 1 for m in plan.merges)
        report.review_queued = len(plan.review)
    else:
        with transaction.atomic():
            decided = review.decisions()
            if decided != plan.decided:  # a person decided meanwhile: honour it
                plan = _plan(scored, loaded.customer_of, decided=decided)
                report.clusters = len(plan.merges)
                report.links_refused, report.conflicts = plan.refused, plan.conflicts
            _apply(plan, report, actor=actor, threshold_match=threshold_match, clock=clock)
        clock.begin("save")
        _save_model(trained, report)
        clock.step("save")
    clock.total()
    report.seconds = clock.seconds
    return report


@dataclass(frozen=True)
class _Merge:
    customer_ids: list[int]
    evidence: dict[str, Any]


@dataclass
class _Plan:
    merges: list[_Merge]
    review: list[tuple[int, int, float, dict[str, Any]]]
    refused: int
    conflicts: int
    decided: dict[tuple[int, int], str]


@dataclass(frozen=True)
class _Scored:
    """What the model gave: the scored pairs, the pairs it sees apart, and the rest."""

    pairs: pd.DataFrame
    apart: pd.DataFrame
    frame: pd.DataFrame
    threshold_match: float
    threshold_review: float
    model_dict: dict[str, Any]


def _plan(
    scored: _Scored, customer_of: dict[int, int], *, decided: dict[tuple[int, int], str]
) -> _Plan:
    """What to merge and what to queue, from the scored pairs and the decisions."""
    pairs, threshold_match = scored.pairs, scored.threshold_match
    first_record: dict[int, int] = {}
    fixed = []
    for record, customer in customer_of.items():
        head = first_record.setdefault(customer, record)
        if head != record:
            fixed.append((head, record))
    decision = linking.decide(
        customer_of.keys(),
        pairs,
        scored.frame,
        threshold_match=threshold_match,
        possible_at=min(scored.threshold_review, linking.POSSIBLE_AT),
        apart=scored.apart,
        fixed=fixed,
        matches=[pair for pair, status in decided.items() if status == "match"],
        non_matches=[pair for pair, status in decided.items() if status == "non_match"],
    )
    result = decision.clusters
    group_of = result.of()
    explainer = Explainer(scored.model_dict)
    rows = {(int(r["unique_id_l"]), int(r["unique_id_r"])): r for r in pairs.to_dict("records")}
    used_by_group: dict[int, list[clusters.Edge]] = {}
    for edge in result.used:
        used_by_group.setdefault(group_of[edge.left], []).append(edge)
    merges = []
    for index, group in enumerate(result.groups):
        customers = sorted({customer_of[r] for r in group})
        if len(customers) < 2:
            continue
        links = []
        for edge in used_by_group.get(index, [])[:MAX_EVIDENCE_PAIRS]:
            row = rows.get((edge.left, edge.right))
            link: dict[str, Any] = {"left_record": edge.left, "right_record": edge.right}
            link.update(explainer.explain(row) if row else {"decided": "match"})
            if row and edge.probability < threshold_match:
                link["unambiguous"] = True  # joined below the match threshold
            links.append(link)
        merges.append(
            _Merge(
                customer_ids=customers,
                evidence={
                    "method": "Fellegi-Sunter (Splink), trained without labels",
                    "threshold_match": threshold_match,
                    "records": list(group),
                    "links": links,
                },
            )
        )
    queued: list[tuple[int, int, float, dict[str, Any]]] = []
    held = {(e.left, e.right) for e in result.blocked} | decision.household
    waiting = set(ReviewPair.objects.values_list("left_id", "right_id"))
    for (left, right), row in rows.items():
        probability = float(row["match_probability"])
        if probability < scored.threshold_review:
            continue
        if (left, right) in waiting or group_of[left] == group_of[right]:
            continue
        if probability < threshold_match or (left, right) in held:
            queued.append((left, right, probability, explainer.explain(row)))
    return _Plan(
        merges=merges,
        review=queued,
        refused=len(result.blocked) + len(decision.household),
        conflicts=len(result.conflicts),
        decided=decided,
    )


def _apply(
    plan: _Plan, report: ResolveReport, *, actor: str, threshold_match: float, clock: _Clock
) -> None:
    """Merge and queue (inside the caller's transaction)."""
    reason = f"batch identity resolution (match probability ≥ {threshold_match})"
    done = 0
    clock.begin("merge", len(plan.merges))
    for start in range(0, len(plan.merges), merging.MAX_GROUPS):
        chunk = plan.merges[start : start + merging.MAX_GROUPS]
        results = merging.merge_groups(
            groups=[m.customer_ids for m in chunk],
            actor=actor,
            reason=reason,
            evidences=[m.evidence for m in chunk],
        )
        seen: set[int] = set()
        for result in results:
            if result.merge_id is not None and result.merge_id not in seen:
                seen.add(result.merge_id)
                report.merges += 1
                report.customers_merged += len(result.merged_ids)
        done += len(chunk)
        if clock.progress:
            clock.progress("merge", done, len(plan.merges))
    clock.step("merge", len(plan.merges), len(plan.merges))
    clock.begin("review", len(plan.review))
    for done, (left, right, probability, evidence) in enumerate(plan.review, start=1):
        review.enqueue_pair(
            left_record_id=left,
            right_record_id=right,
            probability=probability,
            evidence=evidence,
        )
        report.review_queued += 1
        if clock.progress and (done % 500 == 0 or done == len(plan.review)):
            clock.progress("review", done, len(plan.review))
    clock.step("review", len(plan.review), len(plan.review))


def _save_model(trained: dict[str, Any], report: ResolveReport) -> None:
    """Write the identity-model file atomically (a reader never sees half a file)."""
    content = model_file.document(
        trained,
        match_threshold=report.threshold_match,
        # A caller at the point of contact is shown possible matches from a lower
        # probability than a batch pair is queued for review: the agent is right there
        # to ask one more question.
        possible_threshold=max(min(report.threshold_review, recognition.POSSIBLE_AT), 1e-9),
        records=report.records,
        trained_at=timezone.now().isoformat(),
    )
    path = Path(report.model_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".identity-model-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(content, handle, ensure_ascii=False, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
