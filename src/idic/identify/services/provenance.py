"""Where every piece of a customer came from: its source records, what each brought, and
the merges that joined them (for the "Sources & merges" part of the customer page)."""

from __future__ import annotations

from typing import Any

from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Identifier,
    Interaction,
    MergeRecord,
    SourceRecord,
    Transaction,
)
from idic.identify.services.customers import _identifier_view
from idic.identify.services.merging import merges_of
from idic.protect.services import Viewer

SHOWN = 20  # pieces of one kind listed per source record; the rest are counted
KINDS = ("contact_points", "identifiers", "attributes", "transactions", "interactions")


def _merged_in(customer_id: int) -> dict[int, tuple[int, int]]:
    """Source record id → (merge id, customer it belonged to) for the records that came in
    by a merge still in force."""
    came: dict[int, tuple[int, int]] = {}
    merges = MergeRecord.objects.filter(golden_id=customer_id, undone_at__isnull=True)
    for merge in merges.order_by("pk"):
        moved = merge.snapshot.get("moved", {}).get("identify.SourceRecord", {})
        for owner, pks in moved.get("customer", {}).items():
            for pk in pks:
                came[pk] = (merge.pk, int(owner))
    return came


Piece = dict[str, Any]


def _pieces(customer_id: int, viewer: Viewer) -> dict[int | None, dict[str, list[Piece]]]:
    """Each source record's pieces as ``{"kind", "text", "former"}`` (masked for the
    viewer; ``former``: an old contact point or a superseded attribute value, kept in the
    history); key None holds the pieces entered directly, without a source record."""
    found: dict[int | None, dict[str, list[Piece]]] = {}

    def add(record_id: int | None, kind: str, label: str, text: str, former: bool = False):
        piece = {"kind": label, "text": text, "former": former}
        found.setdefault(record_id, {k: [] for k in KINDS})[kind].append(piece)

    contacts = ContactPoint.objects.filter(customer_id=customer_id).order_by("kind", "pk")
    for sr, kind, value, current in contacts.values_list(
        "source_record_id", "kind", "value", "is_current"
    ):
        add(sr, "contact_points", kind, viewer.reveal(kind, value), not current)
    for ident in Identifier.objects.filter(customer_id=customer_id).order_by("kind", "pk"):
        add(
            ident.source_record_id,
            "identifiers",
            ident.kind,
            _identifier_view(ident, viewer)["value"],
        )
    attributes = AttributeValue.objects.filter(customer_id=customer_id).order_by("name", "pk")
    for sr, name, value, superseded in attributes.values_list(
        "source_record_id", "name", "value", "superseded_at"
    ):
        add(sr, "attributes", name, viewer.reveal(name, value), superseded is not None)
    for model, kind in ((Transaction, "transactions"), (Interaction, "interactions")):
        rows = model.objects.filter(customer_id=customer_id).order_by("-ts", "-pk")
        key = "order_id" if model is Transaction else "external_id"
        for sr, source, ident in rows.values_list("source_record_id", "source", key):
            add(sr, kind, source, ident)
    return found


def provenance(*, customer_id: int, viewer: Viewer) -> dict[str, Any]:
    """The customer's source records with what each brought (the first :data:`SHOWN` of a
    kind, and how many in all), the pieces entered directly, and the merges into it.

    """
    came = _merged_in(customer_id)
    pieces = _pieces(customer_id, viewer)
    records = []
    for record in SourceRecord.objects.filter(customer_id=customer_id).order_by(
        "source", "source_id"
    ):
        mine = pieces.get(record.pk, {k: [] for k in KINDS})
        merge_id, owner = came.get(record.pk, (None, None))
        records.append(
            {
                "id": record.pk,
                "source": record.source,
                "source_id": record.source_id,
                "first_seen_at": record.first_seen_at.isoformat(),
                "last_seen_at": record.last_seen_at.isoformat(),
                "merge_id": merge_id,
                "merged_from": owner,
                "pieces": {k: mine[k][:SHOWN] for k in KINDS},
                "counts": {k: len(mine[k]) for k in KINDS},
            }
        )
    direct = pieces.get(None, {k: [] for k in KINDS})
    return {
        "records": records,
        "direct": {k: direct[k][:SHOWN] for k in KINDS},
        "direct_counts": {k: len(direct[k]) for k in KINDS},
        "merges": merges_of(customer_id=customer_id),
    }
