"""Exports: every customer as one CSV row masked for the viewer, and the identity map.

Both stream: customers are read in key order a chunk at a time, so a million rows
never sit in memory. Each export leaves an audit entry.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, TextIO

from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    IdentifierKind,
    SourceRecord,
)
from idic.protect import services as protect
from idic.protect.services import Viewer

CHUNK = 2000
CUSTOMER_COLUMNS = (
    "customer_id", "name", "party_type", "kind", "status", "scope", "gender", "birth_date",
    "phone", "email", "id_number", "member_card", "province", "city", "district", "address",
    "company", "title", "income", "marital_status", "industry", "employees", "founded",
    "credit_grade", "risk_flag", "created_at",
)  # fmt: skip
IDENTITY_COLUMNS = ("source", "source_id", "customer_id")
_OWN_FIELDS = (
    "name", "party_type", "kind", "status", "scope", "gender", "birth_date", "province", "city",
    "district", "address", "company", "title", "risk_flag", "created_at",
)  # fmt: skip
_ATTRIBUTES = ("income", "marital_status", "industry", "employees", "founded", "credit_grade")


def export_customers(*, out: TextIO, viewer: Viewer) -> int:
    """Write one CSV row per customer (merged ones excluded), each field revealed or masked
    for ``viewer``. Returns the number of customers written."""
    writer = csv.writer(out)
    writer.writerow(CUSTOMER_COLUMNS)
    count = 0
    for chunk in _customer_chunks():
        ids = [c["id"] for c in chunk]
        contacts = _current_contacts(ids)
        identifiers = _identifiers(ids, viewer)
        attributes = _current_attributes(ids)
        for customer in chunk:
            cid = customer["id"]
            values: dict[str, Any] = {
                **{f: customer[f] for f in _OWN_FIELDS},
                **contacts.get(cid, {}),
                **attributes.get(cid, {}),
            }
            values["birth_date"] = values["birth_date"].isoformat() if values["birth_date"] else ""
            values["created_at"] = values["created_at"].isoformat()
            row = [cid]
            for column in CUSTOMER_COLUMNS[1:]:
                if column in ("id_number", "member_card"):
                    row.append(identifiers.get(cid, {}).get(column, ""))
                else:
                    row.append(viewer.reveal(column, values.get(column, "")))
            writer.writerow(row)
            count += 1
    protect.audit(viewer=viewer, action="export", object_type="customers", rows=count)
    return count


def export_identities(*, out: TextIO, viewer: Viewer | None = None) -> int:
    """Write ``source, source_id, customer_id`` for every source record; returns the count."""
    writer = csv.writer(out)
    writer.writerow(IDENTITY_COLUMNS)
    count = 0
    rows = (
        SourceRecord.objects.order_by("pk")
        .values_list("source", "source_id", "customer_id")
        .iterator(chunk_size=CHUNK)
    )
    for row in rows:
        writer.writerow(row)
        count += 1
    protect.audit(viewer=viewer, action="export", object_type="identities", rows=count)
    return count


def _customer_chunks() -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        chunk = list(
            Customer.objects.filter(pk__gt=last, merged_into__isnull=True)
            .order_by("pk")
            .values("id", *_OWN_FIELDS)[:CHUNK]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]["id"]


def _current_contacts(ids: list[int]) -> dict[int, dict[str, str]]:
    """The current phone and email of each customer (the most recently seen wins)."""
    out: dict[int, dict[str, str]] = {}
    rows = (
        ContactPoint.objects.filter(
            customer_id__in=ids, is_current=True, kind__in=["phone", "email"]
        )
        .order_by("last_seen_at", "pk")
        .values_list("customer_id", "kind", "value")
    )
    for customer_id, kind, value in rows:
        out.setdefault(customer_id, {})[kind] = value
    return out


def _identifiers(ids: list[int], viewer: Viewer) -> dict[int, dict[str, str]]:
    """The latest national ID and member card of each customer, as ``viewer`` may see them."""
    out: dict[int, dict[str, str]] = {}
    reveal_id = viewer.can_see("id_number")
    rows = (
        Identifier.objects.filter(
            customer_id__in=ids,
            kind__in=[IdentifierKind.NATIONAL_ID, IdentifierKind.MEMBER_CARD],
        )
        .order_by("first_seen_at", "pk")
        .values_list("customer_id", "kind", "value", "ciphertext", "masked")
    )
    for customer_id, kind, value, ciphertext, masked in rows:
        if kind == IdentifierKind.NATIONAL_ID:
            shown = protect.unseal_value(ciphertext) if reveal_id and ciphertext else masked
            out.setdefault(customer_id, {})["id_number"] = shown
        else:
            out.setdefault(customer_id, {})["member_card"] = viewer.reveal("member_card", value)
    return out


def _current_attributes(ids: list[int]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    rows = (
        AttributeValue.objects.filter(
            customer_id__in=ids, name__in=_ATTRIBUTES, superseded_at__isnull=True
        )
        .order_by("collected_at", "pk")
        .values_list("customer_id", "name", "value")
    )
    for customer_id, name, value in rows:
        out.setdefault(customer_id, {})[name] = value
    return out
