"""Random-key indexes built after a bulk load: dropped and recreated inside the import's
transaction on SQLite when the tables are empty or small, left alone otherwise."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from idic.identify.models import AttributeValue, ContactPoint, Customer, Identifier, SourceRecord
from idic.identify.services import import_customers, import_indexes, imports
from idic.identify.services.import_sql import Bulk
from tests.identify.import_files import CUSTOMER_HEADER, LI, ZHANG, write_csv

pytestmark = pytest.mark.django_db

TABLES = (Customer, SourceRecord, ContactPoint, Identifier, AttributeValue)
# the indexes on random keys: names, phones and emails, digests of identifiers
RANDOM_KEYS = {
    ("identify_customer", ("name_key",)),
    ("identify_contactpoint", ("kind", "value")),
    ("identify_identifier", ("kind", "digest")),
}


def _indexes() -> set[tuple[str, tuple[str, ...], bool]]:
    """The indexes and unique constraints of the tables: (table, columns, unique)."""
    with connection.cursor() as cursor:
        return {
            (model._meta.db_table, tuple(info["columns"]), bool(info["unique"]))
            for model in TABLES
            for info in connection.introspection.get_constraints(
                cursor, model._meta.db_table
            ).values()
            if (info["index"] or info["unique"]) and not info["primary_key"]
        }


def _random_keyed(indexes) -> set:
    return {i for i in indexes if (i[0], i[1]) in RANDOM_KEYS and not i[2]}


@pytest.fixture
def seen_while_writing(monkeypatch) -> list[set]:
    """The indexes as they are each time the customer writer gets a batch."""
    seen: list[set] = []
    real = import_customers.CustomerWriter.write

    def spying(self, items):
        seen.append(_indexes())
        real(self, items)

    monkeypatch.setattr(import_customers.CustomerWriter, "write", spying)
    return seen


def _rows(count: int, start: int = 0) -> list[dict]:
    return [ZHANG] + [{**LI, "source_id": f"S{i}"} for i in range(start, start + count)]


def test_an_import_into_empty_tables_builds_their_indexes_after_the_load(
    tmp_path, seen_while_writing
):
    # given empty tables and their indexes, four of them on random keys
    before = _indexes()
    assert len(_random_keyed(before)) == len(RANDOM_KEYS)
    # when a customers file is imported
    report = imports.import_file(
        kind="customers", path=write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, _rows(5))
    )
    # then every index is back afterwards
    assert report.status == "succeeded"
    assert _indexes() == before
    # and while the rows went in, SQLite lacked exactly the large random-key one, the
    # contact points' (names and digests stay in the page cache; PostgreSQL keeps all)
    during = seen_while_writing[0]
    if connection.vendor == "sqlite":
        assert during == before - {("identify_contactpoint", ("kind", "value"), False)}
    else:
        assert during == before


def test_indexes_are_built_with_sort_threads_that_are_given_back(monkeypatch):
    # given a connection that sorts without helper threads, and an index dropped for a load
    statements: list[tuple[str, int]] = []
    bulk = Bulk()
    try:
        deferred = import_indexes.DeferredIndexes.drop(
            bulk, {Customer: (("name_key",),)}, file_bytes=10**6
        )
        if connection.vendor != "sqlite":  # PostgreSQL defers no index
            assert deferred.statements == []
            return
        bulk.run("PRAGMA threads = 0", [])
        assert len(deferred.statements) == 1
        real_run = bulk.run

        def run(sql, params):
            statements.append((sql, bulk.raw_cursor.execute("PRAGMA threads").fetchone()[0]))
            real_run(sql, params)

        monkeypatch.setattr(bulk, "run", run)
        # when it is built again
        deferred.restore()
        threads_after = bulk.raw_cursor.execute("PRAGMA threads").fetchone()[0]
    finally:
        bulk.close()
    # then SQLite could sort with helper threads while building it, and sorts without
    # them again afterwards
    assert len(statements) == 1 and "name_key" in statements[0][0]
    assert statements[0][1] == min(import_indexes.SORT_THREADS, os.cpu_count() or 1)
    assert threads_after == 0
    assert ("identify_customer", ("name_key",), False) in _indexes()


def test_a_rejected_import_leaves_every_index_in_place(tmp_path, monkeypatch, seen_while_writing):
    # given batches of two, so rows are written before a bad row near the end is read
    monkeypatch.setattr(imports, "BATCH", 2)
    before = _indexes()
    rows = [*_rows(6), {**LI, "source_id": "BAD", "phone": "12345"}]
    # when imported
    report = imports.import_file(
        kind="customers", path=write_csv(tmp_path / "c.csv", CUSTOMER_HEADER, rows)
    )
    # then it is rejected after writing batches, and the indexes are as they were
    assert report.status == "rejected"
    assert len(seen_while_writing) == 3
    assert _indexes() == before


def test_tables_larger_than_the_file_keep_their_indexes_while_loading(
    tmp_path, monkeypatch, seen_while_writing
):
    # given tables that already hold rows, and a file expected to be far smaller
    first = imports.import_file(
        kind="customers", path=write_csv(tmp_path / "a.csv", CUSTOMER_HEADER, _rows(3))
    )
    assert first.status == "succeeded"
    before = _indexes()
    seen_while_writing.clear()
    monkeypatch.setattr(import_indexes, "BYTES_PER_ROW", 1 << 40)
    # when another file is imported
    report = imports.import_file(
        kind="customers",
        path=write_csv(tmp_path / "b.csv", CUSTOMER_HEADER, _rows(3, start=10)[1:]),
    )
    # then no index was dropped on the way, and all are there afterwards
    assert report.status == "succeeded" and report.created == 3
    assert seen_while_writing == [before]
    assert _indexes() == before
