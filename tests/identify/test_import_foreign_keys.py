"""Foreign keys during an import: on SQLite not checked row by row while the importer writes
keys it allocated itself, enforced again afterwards; no dangling key left on any backend."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    KeyPerson,
    SourceRecord,
)
from idic.identify.services import import_customers, imports
from tests.identify.import_files import CUSTOMER_HEADER, LI, ZHANG, write_csv

HEADER = [*CUSTOMER_HEADER, "party_type", "org_source_id", "key_role"]


def _keys_checked() -> bool:
    """Whether the database checks foreign keys now (PostgreSQL always does)."""
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        return bool(cursor.fetchone()[0])


def _dangling_keys() -> list:
    """Rows of the import's tables whose customer or source record does not exist."""
    customers = set(Customer.objects.values_list("id", flat=True))
    records = set(SourceRecord.objects.values_list("id", flat=True))
    dangling: list = []
    for model in (SourceRecord, ContactPoint, Identifier, AttributeValue):
        dangling += [
            (model.__name__, c)
            for c in model.objects.values_list("customer_id", flat=True)
            if c not in customers
        ]
    for model in (ContactPoint, Identifier, AttributeValue):
        dangling += [
            (model.__name__, r)
            for r in model.objects.values_list("source_record_id", flat=True)
            if r not in records
        ]
    for org, person in KeyPerson.objects.values_list("organisation_id", "person_id"):
        dangling += [("KeyPerson", c) for c in (org, person) if c not in customers]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_key_check")
            dangling += cursor.fetchall()
    return dangling


def _rows() -> list[dict]:
    """An organisation, its key person, and a returning customer linked by ID number."""
    return [
        {"source": "shop", "source_id": "ORG1", "name": "华信科技有限公司", "party_type": "企业"},
        {**LI, "org_source_id": "ORG1", "key_role": "采购"},
        ZHANG,
        {**ZHANG, "source": "web", "source_id": "W1", "phone": "", "email": ""},
    ]


@pytest.fixture
def checked_while_writing(monkeypatch) -> list[bool]:
    """Whether foreign keys were checked as each batch was written."""
    seen: list[bool] = []
    real = import_customers.CustomerWriter.write
    monkeypatch.setattr(
        import_customers.CustomerWriter,
        "write",
        lambda self, batch: seen.append(_keys_checked()) or real(self, batch),
    )
    return seen


@pytest.mark.django_db(transaction=True)
def test_an_import_outside_a_transaction_leaves_no_dangling_key(tmp_path, checked_while_writing):
    # given foreign keys checked, and a file with a key person and a linked record
    assert _keys_checked()
    path = write_csv(tmp_path / "c.csv", HEADER, _rows())
    # when it is imported outside any transaction
    report = imports.import_file(kind="customers", path=path)
    # then SQLite wrote the rows without row-by-row checks (PostgreSQL kept checking),
    # and checks are on again afterwards
    assert report.status == "succeeded" and report.linked == 1
    assert checked_while_writing == [connection.vendor != "sqlite"]
    assert _keys_checked()
    # and every key written points at a row that exists
    assert _dangling_keys() == []
    assert (SourceRecord.objects.count(), Customer.objects.count()) == (4, 3)
    assert KeyPerson.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_import_inside_a_transaction_keeps_checking(tmp_path, checked_while_writing):
    # given a caller's transaction around the import
    path = write_csv(tmp_path / "c.csv", HEADER, _rows())
    # when the file is imported inside it
    with transaction.atomic():
        report = imports.import_file(kind="customers", path=path)
    # then every row was checked (SQLite's pragma cannot change inside a transaction)
    assert report.status == "succeeded"
    assert checked_while_writing == [True]
    assert _keys_checked() and _dangling_keys() == []


@pytest.mark.django_db(transaction=True)
def test_a_rejected_import_turns_checks_back_on(tmp_path):
    # given a file with a bad email
    path = write_csv(tmp_path / "c.csv", HEADER, [{**LI, "email": "not-an-email"}])
    # when it is imported and rejected
    report = imports.import_file(kind="customers", path=path)
    # then nothing is written and foreign keys are checked again
    assert report.status == "rejected"
    assert SourceRecord.objects.count() == 0
    assert _keys_checked()
