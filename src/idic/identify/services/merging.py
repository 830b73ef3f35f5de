"""Merging customers into one golden customer, and undoing a merge exactly.

A merge loses nothing. Every row of every table that points at a merged customer — source
records, contact points, identifiers, attribute values, transactions, interactions,
key-person links, timeline events, and the tables of other areas that refer to a customer
(found through Django's relations, so a new table is covered without a change here) —
moves under the golden customer; the merged customers stay, marked ``merged_into``. The
golden record's displayed fields are chosen again by survivorship (``survivorship.py``,
overridden per field by ``SurvivorshipRule`` rows) from every current value; no value is
deleted or superseded. A ``customer_merged`` event records who, what and why.

**Golden customer**: the lowest customer id of the group. It is the oldest customer
number, so ids already given to people, cards and other systems stay valid; it is also
deterministic, so a re-run of resolution picks the same survivor.

**Undo**: the :class:`~idic.identify.models.MergeRecord` keeps a snapshot of the prior
state: every involved customer's fields, and per table and foreign key which rows pointed
at which customer. :func:`unmerge` points exactly those rows back, restores the merged
customers' fields, and restores each golden field that nobody changed since the merge (a
field edited after the merge keeps its new value). Rows added to the golden customer after
the merge stay with it. Merges are undone newest first: a merge whose customers took part
in a later merge that is still in force is refused until that one is undone.

A row that cannot move because the golden customer already has its twin (a unique
constraint, e.g. the same key-person role in the same organisation) stays on the merged
customer, and is listed in the snapshot under ``kept``.

Each use case is one transaction; the customers are locked in ascending id order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from idic.identify import events, field_rules, survivorship
from idic.identify.field_rules import FieldError
from idic.identify.models import (
    AttributeValue,
    Customer,
    CustomerEvent,
    MergeRecord,
    ReviewPair,
    ReviewStatus,
    SourceRecord,
)
from idic.identify.reasons import reason
from idic.identify.services import merge_rows, merge_survivors
from idic.identify.services.customers import CustomerNotFound
from idic.identify.services.editing import Conflict

MAX_CUSTOMERS = 1000  # customers one merge may join
MAX_GROUPS = 5000  # groups one call of merge_groups may merge
MAX_APART_PAIRS = 10_000  # "not a match" record pairs an undone merge records at most


class MergeNotFound(LookupError):
    pass


class MergeRefused(Conflict):
    """The merge or undo cannot be done as asked; nothing was changed."""

    code = "merge_refused"


@dataclass(frozen=True)
class MergeResult:
    """``merge_id`` is None when the customers given were already one customer."""

    golden_id: int
    merge_id: int | None
    merged_ids: tuple[int, ...] = ()
    fields: tuple[str, ...] = ()


# ---- customer fields as JSON ---------------------------------------------------------


def _customer_fields() -> list[models.Field]:
    return [f for f in Customer._meta.concrete_fields if not f.primary_key]


def _as_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _state(customer: Customer) -> dict[str, Any]:
    return {f.attname: _as_json(getattr(customer, f.attname)) for f in _customer_fields()}


def _restore(customer: Customer, state: dict[str, Any], only: Iterable[str] | None = None):
    names = set(state) if only is None else set(only)
    for f in _customer_fields():
        if f.attname in names:
            setattr(customer, f.attname, f.to_python(state[f.attname]))


def _plain(evidence: Any, where: str) -> dict:
    """The evidence as plain JSON (numbers from numpy or pandas become Python numbers)."""

    def convert(value: Any) -> Any:
        item = getattr(value, "item", None)
        return item() if callable(item) else str(value)

    if evidence is None:
        return {}
    if not isinstance(evidence, dict):
        raise FieldError(where, "evidence must be a JSON object")
    return json.loads(json.dumps(evidence, default=convert))


# ---- which customers join ------------------------------------------------------------


def _checked_ids(ids: Sequence[Any], where: str) -> list[int]:
    try:
        unique = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise FieldError(where, "customer ids must be whole numbers") from None
    if len(unique) < 2:
        raise FieldError(where, "give at least two different customer ids to merge")
    if len(unique) > MAX_CUSTOMERS:
        raise FieldError(where, f"one merge joins at most {MAX_CUSTOMERS} customers")
    return unique


def _roots(customer_ids: set[int]) -> dict[int, int]:
    """Each customer given → the customer it was merged into (itself if not merged)."""
    parent: dict[int, int | None] = {}
    for chunk in merge_rows.chunks(sorted(customer_ids)):
        parent.update(Customer.objects.filter(pk__in=chunk).values_list("pk", "merged_into_id"))
    missing = sorted(customer_ids - set(parent))
    if missing:
        shown = ", ".join(map(str, missing[:10]))
        raise CustomerNotFound(f"customer {shown} does not exist: merge existing customers")
    roots = {}
    for cid in customer_ids:
        current, seen = cid, {cid}
        while parent.get(current):
            nxt = parent[current]
            assert nxt is not None
            if nxt not in parent:
                parent.update(Customer.objects.filter(pk=nxt).values_list("pk", "merged_into_id"))
            if nxt in seen:  # a cycle cannot be made by this module; stop rather than spin
                break
            current = nxt
            seen.add(current)
        roots[cid] = current
    return roots


def _components(groups: list[list[int]]) -> list[list[int]]:
    """Groups that share a customer joined into one (merging them one after the other
    would do the same); each component sorted, components in order of first appearance."""
    leader: dict[int, int] = {}

    def find(x: int) -> int:
        while leader.setdefault(x, x) != x:
            leader[x] = leader[leader[x]]
            x = leader[x]
        return x

    for group in groups:
        for other in group[1:]:
            a, b = find(group[0]), find(other)
            if a != b:
                leader[max(a, b)] = min(a, b)
    members: dict[int, set[int]] = {}
    for group in groups:
        for cid in group:
            members.setdefault(find(cid), set()).add(cid)
    return [sorted(m) for m in members.values()]


@dataclass
class _Merge:
    golden: Customer
    merged: list[Customer]
    evidence: dict
    states: dict[str, dict[str, Any]] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    moved: merge_rows.Moved = field(default_factory=dict)
    kept: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    record: MergeRecord | None = None


# ---- merge ---------------------------------------------------------------------------


def merge_customers(
    *, customer_ids: list[int], actor: str, reason: str, evidence: dict | None = None
) -> MergeResult:
    """Merge the customers into the one with the lowest id, losing nothing.

    A customer that was already merged stands for the customer it was merged into. When all
    given customers are already one, nothing changes and ``merge_id`` is None.

    Raises:
        FieldError: fewer than two ids, too many, or no actor.
        CustomerNotFound: an id names no customer.
        MergeRefused: another merge changed these customers meanwhile (try again).
    """
    ids = _checked_ids(customer_ids, "customer_ids")
    plain = _plain(evidence, "evidence")
    return merge_groups(groups=[ids], actor=actor, reason=reason, evidences=[plain])[0]


def merge_groups(
    *,
    groups: list[list[int]],
    actor: str,
    reason: str,
    evidences: list[dict | None] | None = None,
) -> list[MergeResult]:
    """Merge many groups of customers in one transaction, with the same result as
    :func:`merge_customers` on each in turn, in a few statements per thousand groups.

    Groups that share a customer become one merge (with the evidence of each). Returns
    one result per group given, in order.
    """
    if not groups:
        return []
    if len(groups) > MAX_GROUPS:
        raise FieldError("groups", f"merge at most {MAX_GROUPS} groups in one call")
    if evidences is not None and len(evidences) != len(groups):
        raise FieldError("evidences", "give one evidence (or None) per group")
    checked = [_checked_ids(g, f"groups[{n}]") for n, g in enumerate(groups)]
    plain = [_plain(e, f"evidences[{n}]") for n, e in enumerate(evidences or [None] * len(groups))]
    actor = field_rules.clean_text("actor", actor, required=True)[:150]
    reason = (reason or "").strip()
    now = timezone.now()
    with transaction.atomic():
        roots = _roots({cid for g in checked for cid in g})
        root_groups = [sorted({roots[c] for c in g}) for g in checked]
        joined = [c for c in _components(root_groups) if len(c) > 1]
        all_ids = sorted({c for comp in joined for c in comp})
        locked: dict[int, Customer] = {}
        for chunk in merge_rows.chunks(all_ids):
            query = Customer.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            locked.update((c.pk, c) for c in query)
        if len(locked) != len(all_ids) or any(c.merged_into_id for c in locked.values()):
            raise MergeRefused("another merge changed these customers meanwhile: try again")
        golden_of = {c: comp[0] for comp in joined for c in comp}
        evidence_of: dict[int, list[dict]] = {}
        for n, group in enumerate(root_groups):
            if group[0] in golden_of:
                evidence_of.setdefault(golden_of[group[0]], []).append(plain[n])
        merges: dict[int, _Merge] = {}
        for comp in joined:
            evidence = evidence_of[comp[0]]
            merges[comp[0]] = _Merge(
                golden=locked[comp[0]],
                merged=[locked[c] for c in comp[1:]],
                evidence=evidence[0] if len(evidence) == 1 else {"merged_groups": evidence},
            )
        _move_and_choose(merges, locked, now)
        _record(merges, actor=actor, reason=reason, now=now)
    merge_of = {c: m for m in merges.values() for c in (m.golden.pk, *(x.pk for x in m.merged))}
    results = []
    for group in root_groups:
        merge = merge_of.get(group[0])
        if merge is None:
            results.append(MergeResult(golden_id=group[0], merge_id=None))
            continue
        assert merge.record is not None
        results.append(
            MergeResult(
                golden_id=merge.golden.pk,
                merge_id=merge.record.pk,
                merged_ids=tuple(c.pk for c in merge.merged),
                fields=tuple(merge.changed),
            )
        )
    return results


def _move_and_choose(merges: dict[int, _Merge], locked: dict[int, Customer], now) -> None:
    """Move the merged customers' rows under their golden customers and choose the golden
    records' displayed fields."""
    states = {pk: _state(c) for pk, c in locked.items()}
    sources = merge_survivors.first_sources(list(locked))
    golden_of = {c.pk: golden for golden, m in merges.items() for c in m.merged}
    moved = merge_rows.rows_of(list(golden_of))
    attribute_owner = {
        pk: int(owner)
        for owner, pks in moved.get(AttributeValue._meta.label, {}).get("customer", {}).items()
        for pk in pks
    }
    kept = merge_rows.repoint(moved, golden_of)
    for label, fields in moved.items():
        for name, by_owner in fields.items():
            for owner, pks in by_owner.items():
                merge = merges[golden_of[int(owner)]]
                merge.moved.setdefault(label, {}).setdefault(name, {})[owner] = pks
    for label, stuck_fields in kept.items():
        for name, stuck_rows in stuck_fields.items():
            stuck = set(stuck_rows)
            for owner, owned in moved[label][name].items():
                mine = [pk for pk in owned if pk in stuck]
                if mine:
                    merge = merges[golden_of[int(owner)]]
                    merge.kept.setdefault(label, {}).setdefault(name, []).extend(mine)
    members = {g: [g, *(c.pk for c in m.merged)] for g, m in merges.items()}
    found = merge_survivors.candidates_of(list(merges), members, states, attribute_owner, sources)
    rules = merge_survivors.survivorship_rules()
    for golden, merge in merges.items():
        merge.changed = merge_survivors.apply_choice(
            merge.golden, survivorship.choose_all(found[golden], rules)
        )
        merge.golden.updated_at = now
    for merge in merges.values():
        names = [*merge.changed, "name_key", "updated_at"]
        Customer.objects.filter(pk=merge.golden.pk).update(
            **{name: getattr(merge.golden, name) for name in names}
        )
    for chunk in merge_rows.chunks(sorted(golden_of)):
        Customer.objects.filter(pk__in=chunk).update(updated_at=now)
        merge_rows.set_column(
            Customer,
            "merged_into_id",
            {c: golden_of[c] for c in chunk},
            keyed_by=Customer._meta.pk.column,
            rows=chunk,
        )
    for merge in merges.values():
        involved = (merge.golden.pk, *(c.pk for c in merge.merged))
        merge.states = {str(c): states[c] for c in involved}


def _record(merges: dict[int, _Merge], *, actor: str, reason: str, now) -> None:
    """The merge records (with their undo snapshots) and the timeline events."""
    records = MergeRecord.objects.bulk_create(
        [
            MergeRecord(
                golden=m.golden,
                merged_ids=[c.pk for c in m.merged],
                actor=actor,
                reason=reason,
                evidence=m.evidence,
                snapshot={
                    "customers": m.states,
                    "golden_after": _state(m.golden),
                    "moved": m.moved,
                    "kept": m.kept,
                },
                created_at=now,
            )
            for m in merges.values()
        ]
    )
    for merge, record in zip(merges.values(), records, strict=True):
        merge.record = record
    CustomerEvent.objects.bulk_create(
        events.customer_merged_event(
            customer=m.golden,
            actor=actor,
            merge_id=m.record.pk,  # type: ignore[union-attr]
            merged_ids=[c.pk for c in m.merged],
            reason=reason,
            fields=m.changed,
            at=now,
        )
        for m in merges.values()
    )


# ---- unmerge -------------------------------------------------------------------------


def _later_merge_in_force(record: MergeRecord) -> MergeRecord | None:
    """A later merge, still in force, into this merge's golden customer.

    While a merge is in force its merged customers are not roots, so no later merge can
    take them; a later merge that took the golden customer *away* shows as the golden
    customer's ``merged_into`` (checked by the callers).
    """
    return (
        MergeRecord.objects.filter(
            pk__gt=record.pk, undone_at__isnull=True, golden_id=record.golden_id
        )
        .order_by("-pk")
        .first()
    )


def unmerge(*, merge_id: int, actor: str) -> None:
    """Undo merge ``merge_id``: every row goes back to the customer it belonged to before,
    and the merged customers are separate again with their former fields.

    Raises:
        MergeNotFound: no such merge.
        MergeRefused: already undone, or a later merge of these customers is in force
            (undo that one first).
    """
    actor = field_rules.clean_text("actor", actor, required=True)[:150]
    now = timezone.now()
    with transaction.atomic():
        record = MergeRecord.objects.select_for_update().filter(pk=merge_id).first()
        if record is None:
            raise MergeNotFound(reason("merge {merge} does not exist", merge=merge_id))
        if record.undone_at is not None:
            raise MergeRefused(
                reason(
                    "merge {merge} was already undone by {actor} at {when}",
                    merge=merge_id,
                    actor=record.undone_by or "someone",
                    when=record.undone_at.isoformat(),
                )
            )
        snapshot = record.snapshot
        merged_ids = [int(i) for i in record.merged_ids]
        involved = {record.golden_id, *merged_ids}
        later = _later_merge_in_force(record)
        if later is not None:
            raise MergeRefused(
                reason(
                    "merge {merge} (into customer {customer}) came later and involves "
                    "these customers: undo merge {merge} first",
                    merge=later.pk,
                    customer=later.golden_id,
                )
            )
        locked = Customer.objects.select_for_update().filter(pk__in=involved).order_by("pk")
        customers = {c.pk: c for c in locked}
        golden = customers[record.golden_id]
        if golden.merged_into_id:
            raise MergeRefused(
                reason(
                    "customer {customer} was merged into customer {into} later: "
                    "undo that merge first",
                    customer=golden.pk,
                    into=golden.merged_into_id,
                )
            )
        try:
            merge_rows.put_back(snapshot.get("moved", {}), now_on=golden.pk)
        except merge_rows.UnknownTable as exc:
            raise MergeRefused(str(exc)) from None
        states = snapshot["customers"]
        after = snapshot.get("golden_after", {})
        current = _state(golden)
        untouched = [name for name, value in after.items() if current.get(name) == value]
        _restore(golden, states[str(golden.pk)], only=untouched)
        golden.save()
        for cid in merged_ids:
            customer = customers[cid]
            _restore(customer, states[str(cid)])
            customer.save()
        record.undone_at = now
        record.undone_by = actor
        record.save(update_fields=["undone_at", "undone_by"])
        _keep_apart(golden.pk, merged_ids, snapshot, actor=actor, at=now)
        for customer in [golden, *(customers[cid] for cid in merged_ids)]:
            events.customer_unmerged_event(
                customer=customer,
                actor=actor,
                merge_id=record.pk,
                merged_ids=merged_ids,
                golden_id=golden.pk,
                at=now,
            ).save()


def _keep_apart(
    golden_id: int, merged_ids: list[int], snapshot: dict[str, Any], *, actor: str, at: datetime
) -> None:
    """A person undid the merge: record "not a match" between the records the merged
    customers brought and the golden customer's own, so that no later ``idic resolve``
    joins them again (a reviewer's decision is never overridden by an automatic run).
    A person can still merge them by hand."""
    moved = snapshot.get("moved", {}).get("identify.SourceRecord", {}).get("customer", {})
    brought = {int(r) for cid in merged_ids for r in moved.get(str(cid), [])}
    own = set(SourceRecord.objects.filter(customer_id=golden_id).values_list("pk", flat=True))
    own -= brought
    pairs = {(min(a, b), max(a, b)) for a in brought for b in own}
    if not pairs or len(pairs) > MAX_APART_PAIRS:
        return
    existing = {
        (p.left_id, p.right_id): p
        for p in ReviewPair.objects.select_for_update().filter(
            left_id__in={a for a, _ in pairs}, right_id__in={b for _, b in pairs}
        )
    }
    changed = []
    for key in sorted(pairs):
        pair = existing.get(key)
        if pair is None:
            continue
        pair.status, pair.decided_by, pair.decided_at = ReviewStatus.NON_MATCH, actor, at
        changed.append(pair)
    ReviewPair.objects.bulk_update(changed, ["status", "decided_by", "decided_at"])
    ReviewPair.objects.bulk_create(
        [
            ReviewPair(
                left_id=a,
                right_id=b,
                probability=0.0,
                evidence={"undone_merge": True},
                status=ReviewStatus.NON_MATCH,
                decided_by=actor,
                decided_at=at,
                created_at=at,
            )
            for a, b in sorted(pairs)
            if (a, b) not in existing
        ]
    )


# ---- reading -------------------------------------------------------------------------


def merge_view(record: MergeRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "golden_id": record.golden_id,
        "merged_ids": list(record.merged_ids),
        "actor": record.actor,
        "reason": record.reason,
        "evidence": record.evidence,
        "created_at": record.created_at.isoformat(),
        "undone_at": record.undone_at.isoformat() if record.undone_at else None,
        "undone_by": record.undone_by,
    }


def get_merge(merge_id: int) -> dict[str, Any]:
    record = MergeRecord.objects.filter(pk=merge_id).first()
    if record is None:
        raise MergeNotFound(f"merge {merge_id} does not exist")
    return merge_view(record)


def merges_of(*, customer_id: int) -> list[dict[str, Any]]:
    """The merges into this customer, newest first, each saying whether it can be undone
    now (it is in force and no later merge of its customers is)."""
    records = list(MergeRecord.objects.filter(golden_id=customer_id).order_by("-pk"))
    still_golden = not Customer.objects.filter(pk=customer_id, merged_into__isnull=False).exists()
    views = []
    newest_in_force = True
    for record in records:
        view = merge_view(record)
        in_force = record.undone_at is None
        view["undoable"] = in_force and newest_in_force and still_golden
        newest_in_force = newest_in_force and not in_force
        views.append(view)
    return views
