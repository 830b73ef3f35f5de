"""Bulk inserts of flat rows with columns every row holds alike (``Bulk.insert_flat``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from idic.identify.models import ContactPoint, Customer, SourceRecord
from idic.identify.services.import_sql import ROWS_PER_INSERT, Bulk

pytestmark = pytest.mark.django_db


def test_fixed_columns_are_written_into_every_row_of_every_statement():
    # given a customer and its source record, and more contact rows than one statement takes
    now = timezone.now().replace(microsecond=0)
    customer = Customer.objects.create(name="张伟", created_at=now, updated_at=now)
    record = SourceRecord.objects.create(
        customer=customer, source="crm", source_id="C1", first_seen_at=now, last_seen_at=now
    )
    count = 2 * ROWS_PER_INSERT + 7
    values: list = []
    for n in range(count):
        values += (customer.pk, record.pk, "phone", f"+86138{n:08d}", f"138 {n:08d}")
    bulk = Bulk()
    try:
        # when they are inserted with the flags and times fixed
        bulk.insert_flat(
            ContactPoint,
            ("customer", "source_record", "kind", "value", "raw_value"),
            values,
            {
                "verified": 0 if bulk.vendor == "sqlite" else False,
                "opt_out": 0 if bulk.vendor == "sqlite" else False,
                "is_current": 1 if bulk.vendor == "sqlite" else True,
                "first_seen_at": bulk.when(now),
                "last_seen_at": bulk.when(now + dt.timedelta(hours=1)),
            },
        )
    finally:
        bulk.close()
    # then every row holds its own values and the fixed ones, read back as the ORM reads them
    points = list(ContactPoint.objects.order_by("value"))
    assert len(points) == count
    assert [p.value for p in points] == [f"+86138{n:08d}" for n in range(count)]
    assert [p.raw_value for p in points][-1] == f"138 {count - 1:08d}"
    assert {(p.verified, p.opt_out, p.is_current) for p in points} == {(False, False, True)}
    assert {p.first_seen_at for p in points} == {now}
    assert {p.last_seen_at for p in points} == {now + dt.timedelta(hours=1)}
    assert {(p.customer_id, p.source_record_id) for p in points} == {(customer.pk, record.pk)}


def test_rows_without_fixed_columns_are_inserted_as_given():
    # given a customer, and flat rows of its source records that name every column
    now = timezone.now().replace(microsecond=0)
    customer = Customer.objects.create(name="张伟", created_at=now, updated_at=now)
    bulk = Bulk()
    try:
        ids = bulk.allocate_ids(SourceRecord, 3)
        values: list = []
        for pk, source_id in zip(ids, ["C1", "C2", "C3"], strict=True):
            payload = bulk.json({"source_id": source_id})
            values += (customer.pk, pk, "crm", source_id, payload, bulk.when(now), bulk.when(now))
        # when they are inserted
        bulk.insert_flat(
            SourceRecord,
            ("customer", "id", "source", "source_id", "payload", "first_seen_at", "last_seen_at"),
            values,
        )
    finally:
        bulk.close()
    # then each row is there under the key it was given, its payload readable
    stored = {r.pk: (r.source_id, r.payload, r.first_seen_at) for r in SourceRecord.objects.all()}
    assert stored == {
        pk: (source_id, {"source_id": source_id}, now)
        for pk, source_id in zip(ids, ["C1", "C2", "C3"], strict=True)
    }
