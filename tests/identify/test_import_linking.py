"""Recognition inside the customer import: a returning customer is linked, not duplicated.

Every test runs with the keys held in memory (the key tables are small next to the file;
on SQLite their indexes are deferred) and looked up batch by batch (the tables are
large next to the file), and with batches of two rows as well as one for the whole file.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation

from idic.identify import normalise
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    ImportRun,
    SourceRecord,
)
from idic.identify.services import exports, import_indexes, imports, merging
from idic.identify.services.import_indexes import DeferredIndexes
from idic.identify.services.import_linking import ImportLinker
from idic.identify.services.import_sql import Bulk
from tests.identify.import_files import CUSTOMER_HEADER, ZHANG, table_counts, write_csv

pytestmark = pytest.mark.django_db

ZHANG_ID = ZHANG["id_number"]
OTHER_ID = "31010119850315" + "002"
OTHER_ID += normalise.id_check_digit(OTHER_ID)
SEED_ID = "44030419920708" + "123"
SEED_ID += normalise.id_check_digit(SEED_ID)


@pytest.fixture(params=["in_memory", "looked_up"])
def index_mode(request, monkeypatch, folder):
    """An unrelated stored customer; the import keeps the keys in memory (the key tables
    hold fewer rows than the file brings; SQLite defers their indexes) or looks them up
    batch by batch (the tables are larger than the file)."""
    seed = {
        "source": "seed",
        "source_id": "X1",
        "name": "路人甲",
        "phone": "13900000999",
        "email": "x1@example.com",
        "id_number": SEED_ID,
        "member_card": "SEED-1",
    }
    assert _import(_file("seed.csv", [seed])).status == "succeeded"
    if request.param == "looked_up":
        # the file is taken for one row, fewer than the tables hold
        monkeypatch.setattr(import_indexes, "BYTES_PER_ROW", 10**9)
    deferrable = imports._KINDS["customers"].deferrable
    bulk = Bulk()
    try:
        with transaction.atomic():
            dropped = DeferredIndexes.drop(bulk, deferrable, file_bytes=10**6)
            linker = ImportLinker(bulk, deferred=dropped.models, file_bytes=10**6)
            transaction.set_rollback(True)
    finally:
        bulk.close()
    if request.param == "looked_up":
        assert (dropped.models, linker.in_memory) == ((), set())
    else:
        assert linker.in_memory == {"i", "c", "p", "e"}
        if connection.vendor == "sqlite":
            assert set(dropped.models) == {ContactPoint}
    return request.param


@pytest.fixture(params=[imports.BATCH, 2])
def batch(request, monkeypatch, index_mode):
    monkeypatch.setattr(imports, "BATCH", request.param)
    return request.param


_FOLDER: list[Path] = []


@pytest.fixture(autouse=True)
def folder(tmp_path):
    """Where the test's files are written; the English messages."""
    _FOLDER[:] = [tmp_path]
    with translation.override("en"):
        yield tmp_path


def _file(name, rows):
    return write_csv(_FOLDER[0] / name, CUSTOMER_HEADER, rows)


def _import(path, **kw):
    return imports.import_file(kind="customers", path=path, actor="tester", **kw)


def _customer_of(source, source_id):
    return SourceRecord.objects.get(source=source, source_id=source_id).customer_id


def _identities():
    out = io.StringIO()
    exports.export_identities(out=out)
    rows = [line.split(",") for line in out.getvalue().strip().splitlines()[1:]]
    return {(source, source_id): int(cid) for source, source_id, cid in rows}


def test_a_returning_customer_in_an_import_is_linked_not_duplicated(batch):
    # given Zhang Wei imported from the CRM
    _import(_file("crm.csv", [ZHANG]))
    zhang = _customer_of("crm", "C001")
    customers = Customer.objects.count()
    # when the shop's file brings him again: his ID number, another phone, a new value
    shop = {
        "source": "shop",
        "source_id": "S77",
        "name": "张伟",
        "phone": "13700000077",
        "id_number": ZHANG_ID,
        "income": "15000",
    }
    newcomer = {"source": "shop", "source_id": "S78", "name": "王芳", "phone": "13700000078"}
    report = _import(_file("shop.csv", [shop, newcomer]))
    # then his record joins him and only the newcomer is a new customer
    assert (report.status, report.created, report.linked) == ("succeeded", 2, 1)
    assert ImportRun.objects.get(pk=report.run_id).linked == 1
    assert Customer.objects.count() == customers + 1
    assert _customer_of("shop", "S77") == zhang
    assert _customer_of("shop", "S78") != zhang
    # with what the shop knows attached under its source
    assert ContactPoint.objects.filter(
        customer_id=zhang, kind="phone", value="+8613700000077", source_record__source="shop"
    ).exists()
    assert Identifier.objects.filter(customer_id=zhang, kind="national_id", issuer="shop").exists()
    income = AttributeValue.objects.get(customer_id=zhang, name="income", source="shop")
    assert income.value == "15000.00"
    # and the export of identities shows both records with the same customer
    identities = _identities()
    assert identities[("crm", "C001")] == identities[("shop", "S77")] == zhang


def test_two_rows_of_one_file_with_the_same_id_number_are_one_customer(batch):
    # given a file where the same person comes from two systems, and a third person
    rows = [
        {"source": "crm", "source_id": "A1", "name": "张伟", "id_number": OTHER_ID},
        {"source": "web", "source_id": "B1", "name": "李娜", "phone": "13600000001"},
        {"source": "web", "source_id": "W1", "name": "张 伟", "id_number": OTHER_ID},
        {"source": "app", "source_id": "P1", "name": "张伟", "email": "zw@example.com"},
        {"source": "app", "source_id": "P2", "name": "张伟", "email": "ZW@example.com"},
    ]
    before = Customer.objects.count()
    # when it is imported
    report = _import(_file("mixed.csv", rows))
    # then the second row with the ID number and the second with the email are linked
    assert (report.status, report.created, report.linked) == ("succeeded", 5, 2)
    assert Customer.objects.count() == before + 3
    assert _customer_of("crm", "A1") == _customer_of("web", "W1")
    assert _customer_of("app", "P1") == _customer_of("app", "P2")
    assert (
        len({_customer_of("crm", "A1"), _customer_of("web", "B1"), _customer_of("app", "P1")}) == 3
    )
    # the linked record's data hangs under the first row's customer
    assert Identifier.objects.filter(customer_id=_customer_of("crm", "A1")).count() == 2


def test_a_family_sharing_a_home_phone_stays_separate_customers(batch):
    # given a father stored with the home phone
    _import(
        _file(
            "crm.csv",
            [{"source": "crm", "source_id": "F1", "name": "张建国", "phone": "010-6512 3456"}],
        )
    )
    father = _customer_of("crm", "F1")
    before = Customer.objects.count()
    # when a file brings his wife and his daughter with the same phone (one twice)
    rows = [
        {"source": "shop", "source_id": "M1", "name": "刘梅", "phone": "01065123456"},
        {"source": "shop", "source_id": "D1", "name": "张小红", "phone": "010 6512 3456"},
        {"source": "app", "source_id": "D2", "name": "张小红", "phone": "01065123456"},
    ]
    report = _import(_file("family.csv", rows))
    # then each person is a customer of her own; only the daughter's two records are one
    assert (report.created, report.linked) == (3, 1)
    assert Customer.objects.count() == before + 2
    mother, daughter = _customer_of("shop", "M1"), _customer_of("shop", "D1")
    assert len({father, mother, daughter}) == 3
    assert _customer_of("app", "D2") == daughter


def test_a_phone_with_the_same_name_links_to_the_stored_customer(batch):
    _import(_file("crm.csv", [ZHANG]))
    zhang = _customer_of("crm", "C001")
    rows = [{"source": "call", "source_id": "K1", "name": "張偉", "phone": "+86 138-1234-5678"}]
    report = _import(_file("calls.csv", rows))
    assert report.linked == (1 if normalise.name_key("張偉") == normalise.name_key("张伟") else 0)
    rows = [{"source": "call", "source_id": "K2", "name": "张伟", "phone": "13812345678"}]
    assert _import(_file("calls2.csv", rows)).linked == 1
    assert _customer_of("call", "K2") == zhang


def test_a_record_of_a_merged_customer_joins_the_golden_customer(index_mode):
    # given two stored customers merged into one
    rows = [
        {"source": "crm", "source_id": "G1", "name": "张伟", "phone": "13500000001"},
        {"source": "crm", "source_id": "G2", "name": "张伟", "member_card": "CARD-9"},
    ]
    _import(_file("crm.csv", rows))
    golden, merged = _customer_of("crm", "G1"), _customer_of("crm", "G2")
    merging.merge_customers(customer_ids=[golden, merged], actor="tester", reason="same")
    assert Customer.objects.get(pk=merged).merged_into_id == golden
    # when a file brings the member card of the merged one
    report = _import(
        _file(
            "shop.csv",
            [{"source": "shop", "source_id": "S1", "name": "某人", "member_card": "CARD-9"}],
        )
    )
    # then the record joins the golden customer
    assert report.linked == 1
    assert _customer_of("shop", "S1") == golden


def test_a_dry_run_links_nothing_and_writes_nothing(index_mode):
    _import(_file("crm.csv", [ZHANG]))
    before = table_counts()
    returning = {"source": "shop", "source_id": "S1", "name": "张伟", "id_number": ZHANG_ID}
    report = _import(_file("shop.csv", [returning, {**returning, "source_id": "S2"}]), dry_run=True)
    assert (report.status, report.created, report.linked) == ("dry_run", 0, 0)
    assert table_counts() == before


def test_a_file_with_a_bad_row_links_nothing(index_mode):
    _import(_file("crm.csv", [ZHANG]))
    before = table_counts()
    rows = [
        {"source": "shop", "source_id": "S1", "name": "张伟", "id_number": ZHANG_ID},
        {"source": "shop", "source_id": "S2", "name": "王五", "id_number": "110105199001012760"},
    ]
    report = _import(_file("shop.csv", rows))
    assert report.status == "rejected" and report.error_count == 1
    assert report.errors[0].column == "id_number"
    assert table_counts() == before


def test_upserts_keyed_on_source_and_source_id_still_work_for_linked_records(batch):
    # given Zhang Wei from the CRM, and the shop's record of him linked to him
    _import(_file("crm.csv", [ZHANG]))
    zhang = _customer_of("crm", "C001")
    shop = {
        "source": "shop",
        "source_id": "S1",
        "name": "张伟",
        "id_number": ZHANG_ID,
        "city": "上海市",
        "income": "15000",
    }
    assert _import(_file("shop.csv", [shop])).linked == 1
    # when the same shop file comes again, unchanged, then with a new income
    again = _import(_file("shop.csv", [shop]))
    assert (again.created, again.linked, again.unchanged) == (0, 0, 1)
    moved = _import(_file("shop.csv", [{**shop, "income": "18000"}]))
    # then the record is updated in place, still under the same customer, with history
    assert (moved.created, moved.linked, moved.updated) == (0, 0, 1)
    assert SourceRecord.objects.filter(source="shop", source_id="S1").count() == 1
    assert _customer_of("shop", "S1") == zhang
    incomes = AttributeValue.objects.filter(customer_id=zhang, name="income", source="shop")
    assert sorted((a.value, a.superseded_at is None) for a in incomes) == [
        ("15000.00", False),
        ("18000.00", True),
    ]
    # and the customer's own fields stay those of the record that made it
    assert Customer.objects.get(pk=zhang).city == "北京市"


def test_the_import_command_counts_the_linked_records(index_mode):
    _import(_file("crm.csv", [ZHANG]))
    path = _file(
        "shop.csv", [{"source": "shop", "source_id": "S1", "name": "张伟", "id_number": ZHANG_ID}]
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_customers", str(path), stdout=out, stderr=err)
    assert (
        "1 of the created records linked to existing customers" in out.getvalue() + err.getvalue()
    )
