"""Bulk inserts of flat rows with columns every row holds alike (``Bulk.insert_flat``)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from idic.identify.models import ContactPoint, Customer, SourceRecord
from idic.identify.services.import_sql import (
    ROWS_PER_INSERT,
    Bulk,
    sqlite_time,
    statement_rows,
)

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


@given(st.integers(min_value=0, max_value=5 * ROWS_PER_INSERT))
def test_rows_are_cut_into_statements_of_a_few_sizes(total):
    # given any number of rows, when they are cut into INSERT statements
    pieces = list(statement_rows(total))
    # then the statements cover every row once, in order
    assert sum(count for _, count in pieces) == total
    assert [start for start, _ in pieces] == [
        sum(count for _, count in pieces[:i]) for i in range(len(pieces))
    ]
    # and each is a full statement or a power of two below it, largest first: over any
    # number of batches, a table's inserts take at most nine statement texts
    sizes = [count for _, count in pieces]
    assert all(s == ROWS_PER_INSERT or (s < ROWS_PER_INSERT and s & (s - 1) == 0) for s in sizes)
    assert sizes == sorted(sizes, reverse=True)
    assert len(set(sizes) - {ROWS_PER_INSERT}) == len(sizes) - sizes.count(ROWS_PER_INSERT)


def test_batches_of_every_size_reuse_a_few_statements():
    # given source records inserted in batches of every size from 1 to 300 rows
    now = timezone.now().replace(microsecond=0)
    customer = Customer.objects.create(name="张伟", created_at=now, updated_at=now)
    bulk = Bulk()
    sql: set[str] = set()
    try:
        run = bulk.run

        def counted(statement, params):
            sql.add(statement)
            run(statement, params)

        bulk.run = counted  # type: ignore[method-assign]
        written = 0
        for size in range(1, 301):
            ids = bulk.allocate_ids(SourceRecord, size)
            values: list = []
            for pk in ids:
                values += (customer.pk, pk, "crm", f"C{pk}", "{}")
            bulk.insert_flat(
                SourceRecord,
                ("customer", "id", "source", "source_id", "payload"),
                values,
                {"first_seen_at": bulk.when(now), "last_seen_at": bulk.when(now)},
            )
            written += size
    finally:
        bulk.close()
    # then every row is stored, and on SQLite the 300 batches took nine statement texts in
    # all (PostgreSQL copies the rows in, no INSERT at all)
    assert SourceRecord.objects.count() == written
    assert len(sql) == (9 if bulk.vendor == "sqlite" else 0)


@given(
    st.datetimes(
        # Hypothesis bounds are naive; the zones below make every value aware
        min_value=dt.datetime(1900, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2100, 12, 31),  # noqa: DTZ001
        timezones=st.sampled_from(
            [
                ZoneInfo("Asia/Shanghai"),
                ZoneInfo("Europe/Berlin"),  # summer time, with folds and gaps
                ZoneInfo("America/St_Johns"),  # half-hour offsets
                ZoneInfo("Australia/Lord_Howe"),  # a half-hour change of offset
                dt.UTC,
                dt.timezone(dt.timedelta(hours=-3, minutes=-30)),
            ]
        ),
        allow_imaginary=True,
    )
)
def test_times_are_stored_as_naive_utc_text_like_django_stores_them(value):
    # given any aware time, folds and gaps of summer time included, when stored for SQLite
    stored = sqlite_time(value)
    # then it reads as Django's SQLite backend writes it: the UTC time, naive, as text
    assert stored == value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


def test_text_given_as_utf8_bytes_is_stored_as_text():
    # given source records whose payload is JSON as an encoder gives it: UTF-8 bytes
    now = timezone.now().replace(microsecond=0)
    customer = Customer.objects.create(name="张伟", created_at=now, updated_at=now)
    payloads = [{"name": "张伟", "city": "北京市"}, {"name": "Zoë", "note": "ＡＢＣ"}]
    bulk = Bulk()
    try:
        ids = bulk.allocate_ids(SourceRecord, len(payloads))
        values: list = []
        for pk, payload in zip(ids, payloads, strict=True):
            values += (customer.pk, pk, "crm", f"C{pk}", json.dumps(payload).encode())
        # when they are inserted with the payload named as UTF-8
        bulk.insert_flat(
            SourceRecord,
            ("customer", "id", "source", "source_id", "payload"),
            values,
            {"first_seen_at": bulk.when(now), "last_seen_at": bulk.when(now)},
            utf8=("payload",),
        )
        # then SQLite holds text, not bytes
        if bulk.vendor == "sqlite":
            bulk.cursor.execute("SELECT DISTINCT typeof(payload) FROM identify_sourcerecord")
            assert bulk.cursor.fetchall() == [("text",)]
    finally:
        bulk.close()
    # and each payload reads back as the JSON it was, every character intact
    stored = {r.pk: r.payload for r in SourceRecord.objects.all()}
    assert stored == dict(zip(ids, payloads, strict=True))


def test_a_refused_row_fails_the_transaction_and_nothing_of_it_stays():
    # given a customer with one source record
    now = timezone.now().replace(microsecond=0)
    customer = Customer.objects.create(name="张伟", created_at=now, updated_at=now)
    SourceRecord.objects.create(
        customer=customer, source="crm", source_id="C2", first_seen_at=now, last_seen_at=now
    )
    # when a statement's third row repeats that record's key, inside a transaction
    with pytest.raises(connection.Database.IntegrityError), transaction.atomic():
        bulk = Bulk()
        try:
            ids = bulk.allocate_ids(SourceRecord, 5)
            values: list = []
            for pk, source_id in zip(ids, ["C0", "C1", "C2", "C3", "C4"], strict=True):
                values += (customer.pk, pk, "crm", source_id, "{}")
            bulk.insert_flat(
                SourceRecord,
                ("customer", "id", "source", "source_id", "payload"),
                values,
                {"first_seen_at": bulk.when(now), "last_seen_at": bulk.when(now)},
            )
        finally:
            bulk.close()
    # then the database refused it, and none of the statement's rows stayed
    assert list(SourceRecord.objects.values_list("source_id", flat=True)) == ["C2"]
