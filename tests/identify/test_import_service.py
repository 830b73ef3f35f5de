"""The import use case on the database: upserts with history, all-or-nothing, bad files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    ImportRun,
    Interaction,
    KeyPerson,
    SourceRecord,
    Transaction,
)
from idic.identify.services import imports
from idic.protect import services as protect
from tests.identify.import_files import (
    CUSTOMER_HEADER,
    LI,
    ZHANG,
    table_counts,
    write_csv,
    write_xlsx,
)

pytestmark = pytest.mark.django_db

TXN_HEADER = ["source", "source_id", "order_id", "ts", "amount", "cost", "product", "channel"]
INT_HEADER = ["source", "source_id", "interaction_id", "ts", "channel", "direction", "subject"]


def _import(kind, path, **kw):
    return imports.import_file(kind=kind, path=path, actor="tester", **kw)


def _customers(tmp_path, rows, name="customers.csv"):
    return write_csv(tmp_path / name, CUSTOMER_HEADER, rows)


def test_new_customers_are_created_with_contacts_identifiers_and_attributes(tmp_path):
    # given a file of two customer records
    path = _customers(tmp_path, [ZHANG, LI])
    # when it is imported
    report = _import("customers", path)
    # then both are created, with every part of them
    assert (report.status, report.rows, report.created, report.error_count) == (
        "succeeded",
        2,
        2,
        0,
    )
    record = SourceRecord.objects.get(source="crm", source_id="C001")
    zhang = record.customer
    assert (zhang.name, zhang.gender, zhang.city, zhang.company) == (
        "张伟",
        "M",
        "北京市",
        "华信科技",
    )
    assert zhang.birth_date.isoformat() == "1990-01-01"
    assert zhang.created_at.isoformat().startswith("2020-05-01T01:30")  # 09:30 Shanghai
    contacts = {c.kind: c.value for c in ContactPoint.objects.filter(customer=zhang)}
    assert contacts == {
        "phone": "+8613812345678",
        "email": "zhang.wei@example.com",
        "address": "北京市 北京市 朝阳区 建国路1号",
    }
    national = Identifier.objects.get(customer=zhang, kind="national_id")
    assert national.value == "" and national.masked == "110105********2761"
    assert protect.unseal_value(national.ciphertext) == "110105199001012761"
    assert national.digest == protect.identifier_digest("national_id", "110105199001012761")
    assert Identifier.objects.get(customer=zhang, kind="member_card").value == "M0001"
    attrs = {a.name: (a.group, a.value) for a in AttributeValue.objects.filter(customer=zhang)}
    assert attrs["income"] == ("career", "12000.00")
    assert attrs["marital_status"] == ("family", "married")
    assert attrs["gender"] == ("basic", "M")
    assert record.payload["id_number"] == "110105********2761"  # never kept in clear
    run = ImportRun.objects.get(pk=report.run_id)
    assert (run.status, run.created, run.actor) == ("succeeded", 2, "tester")


def test_second_import_updates_and_keeps_history(tmp_path):
    # given Zhang imported once
    _import("customers", _customers(tmp_path, [ZHANG, LI], "first.csv"))
    zhang = SourceRecord.objects.get(source_id="C001").customer
    # when a later file gives him a new phone and title, and Li unchanged
    changed = {**ZHANG, "phone": "13700000000", "title": "总监"}
    report = _import("customers", _customers(tmp_path, [changed, LI], "second.csv"))
    # then one record is updated, one unchanged, and nothing is overwritten
    assert (report.status, report.created, report.updated, report.unchanged) == (
        "succeeded",
        0,
        1,
        1,
    )
    titles = AttributeValue.objects.filter(customer=zhang, name="title").order_by("pk")
    assert [(t.value, t.superseded_at is None) for t in titles] == [("经理", False), ("总监", True)]
    phones = ContactPoint.objects.filter(customer=zhang, kind="phone").order_by("pk")
    assert [(p.value, p.is_current) for p in phones] == [
        ("+8613812345678", False),
        ("+8613700000000", True),
    ]
    zhang.refresh_from_db()
    assert zhang.title == "总监"
    assert AttributeValue.objects.filter(customer=zhang, name="name").count() == 1
    assert Customer.objects.count() == 2


def test_a_row_that_leaves_a_column_empty_keeps_the_stored_value(tmp_path):
    # given Zhang with a company
    _import("customers", _customers(tmp_path, [ZHANG], "first.csv"))
    # when a file without his company is imported
    _import("customers", _customers(tmp_path, [{**ZHANG, "company": ""}], "second.csv"))
    # then the company stays, with no new history row
    zhang = SourceRecord.objects.get(source_id="C001").customer
    assert zhang.company == "华信科技"
    assert AttributeValue.objects.filter(customer=zhang, name="company").count() == 1


def test_dry_run_writes_nothing_but_the_run(tmp_path):
    # given a good file
    before = table_counts()
    # when it is imported as a dry run
    report = _import("customers", _customers(tmp_path, [ZHANG, LI]), dry_run=True)
    # then it is checked, and nothing is written
    assert (report.status, report.rows, report.error_count) == ("dry_run", 2, 0)
    assert table_counts() == before
    assert ImportRun.objects.get(pk=report.run_id).status == "dry_run"


def test_xlsx_file_is_imported_like_csv(tmp_path):
    # given a workbook whose phone and ID cells are typed as the spreadsheet would
    path = write_xlsx(
        tmp_path / "customers.xlsx",
        ["Source", "SOURCE_ID", "name", "phone", "birth_date", "attr.preference.colour"],
        [["crm", "X1", "王芳", 13812345678, "1985/3/4", "蓝色"]],
    )
    # when it is imported
    report = _import("customers", path)
    # then the numbers read as the text that was typed
    assert report.status == "succeeded", report.errors
    customer = SourceRecord.objects.get(source_id="X1").customer
    assert ContactPoint.objects.get(customer=customer).value == "+8613812345678"
    assert customer.birth_date.isoformat() == "1985-03-04"
    colour = AttributeValue.objects.get(customer=customer, name="colour")
    assert (colour.group, colour.value) == ("preference", "蓝色")


def test_key_person_is_linked_to_an_organisation_later_in_the_file(tmp_path):
    # given a key person whose organisation comes after them in the file
    header = ["source", "source_id", "name", "party_type", "org_source_id", "key_role"]
    rows = [
        {
            "source": "crm",
            "source_id": "P1",
            "name": "赵强",
            "org_source_id": "O1",
            "key_role": "决策者",
        },
        {"source": "crm", "source_id": "O1", "name": "华信科技有限公司", "party_type": "企业"},
    ]
    # when the file is imported
    report = _import("customers", write_csv(tmp_path / "orgs.csv", header, rows))
    # then the person is the organisation's decision maker
    assert report.status == "succeeded", report.errors
    link = KeyPerson.objects.get()
    assert (link.organisation.name, link.person.name, link.role) == (
        "华信科技有限公司",
        "赵强",
        "decision_maker",
    )
    assert link.organisation.party_type == "organisation"


def test_transactions_and_interactions_attach_to_imported_customers(tmp_path):
    # given an imported customer
    _import("customers", _customers(tmp_path, [ZHANG]))
    orders = [
        {
            "source": "crm",
            "source_id": "C001",
            "order_id": "O1",
            "ts": "2024-03-01 10:00",
            "amount": "¥1,299.50",
            "cost": "800",
            "product": "SKU-1",
            "channel": "微信",
        },
        {
            "source": "crm",
            "source_id": "C001",
            "order_id": "O2",
            "ts": "2024-03-02",
            "amount": "20",
            "product": "SKU-1",
        },
    ]
    contacts = [
        {
            "source": "crm",
            "source_id": "C001",
            "interaction_id": "I1",
            "ts": "2024-03-03T08:00:00+08:00",
            "channel": "电话",
            "direction": "呼出",
            "subject": "回访",
        },
    ]
    # when their orders and contacts are imported
    t_report = _import("transactions", write_csv(tmp_path / "t.csv", TXN_HEADER, orders))
    i_report = _import("interactions", write_csv(tmp_path / "i.csv", INT_HEADER, contacts))
    # then both hang on the customer
    assert (t_report.status, t_report.created) == ("succeeded", 2), t_report.errors
    assert (i_report.status, i_report.created) == ("succeeded", 1), i_report.errors
    first = Transaction.objects.get(order_id="O1")
    assert (first.amount, first.cost, first.channel, first.product.sku) == (
        Decimal("1299.50"),
        Decimal("800.00"),
        "wechat",
        "SKU-1",
    )
    assert Transaction.objects.get(order_id="O2").product_id == first.product_id
    contact = Interaction.objects.get()
    assert (contact.channel, contact.direction) == ("phone", "outbound")
    # and a second import of the same orders changes only what differs
    orders[1]["amount"] = "25"
    again = _import("transactions", write_csv(tmp_path / "t2.csv", TXN_HEADER, orders))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    assert Transaction.objects.get(order_id="O2").amount == Decimal("25.00")


# ---- bad input: a clear error, and nothing written -------------------------------------


def _rejected(kind, path, **kw):
    before = table_counts()
    report = _import(kind, path, **kw)
    assert report.status == "rejected"
    assert table_counts() == before, "a rejected file must leave every table as it was"
    run = ImportRun.objects.get(pk=report.run_id)
    assert (run.status, run.error_count) == ("rejected", report.error_count)
    return report


def test_one_bad_row_rejects_the_whole_file(tmp_path):
    # given a file of good rows and, at its end, one with a bad phone
    rows = [{**LI, "source_id": f"S{i}"} for i in range(30)] + [{**ZHANG, "phone": "12345"}]
    # when it is imported
    report = _rejected("customers", _customers(tmp_path, rows))
    # then the one error names the row (header is row 1), the column and the value
    assert report.error_count == 1
    error = report.errors[0]
    assert (error.row, error.column, error.value) == (32, "phone", "12345")
    assert "11-digit mobile" in error.reason


def test_an_error_after_batches_were_written_rolls_them_back(tmp_path, monkeypatch):
    # given small batches, so the first rows are written before the bad last one is read
    monkeypatch.setattr(imports, "BATCH", 2)
    rows = [{**LI, "source_id": f"S{i}"} for i in range(7)] + [{**ZHANG, "email": "nope"}]
    # when imported
    report = _rejected("customers", _customers(tmp_path, rows))
    # then the written batches are gone again and the error is reported
    assert [(e.row, e.column) for e in report.errors] == [(9, "email")]


def test_many_bad_values_are_all_reported(tmp_path):
    # given rows with wrong types
    rows = [
        {**ZHANG, "birth_date": "1990-13-45", "income": "lots", "gender": "X"},
        {**LI, "source_id": "", "email": "not-an-email"},
    ]
    # when imported
    report = _rejected("customers", _customers(tmp_path, rows))
    # then each bad cell is an error of its own
    assert {(e.row, e.column) for e in report.errors} == {
        (2, "birth_date"),
        (2, "income"),
        (2, "gender"),
        (3, "source_id"),
        (3, "email"),
    }


def test_duplicate_keys_in_one_file_are_rejected(tmp_path):
    # given the same record twice
    report = _rejected("customers", _customers(tmp_path, [ZHANG, LI, ZHANG]))
    # then the second one is named with the first
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (4, "source_id", "C001")
    assert "row 2" in error.reason


def test_unknown_and_missing_columns_are_rejected(tmp_path):
    # given a header with a typo and without the required name
    path = write_csv(tmp_path / "c.csv", ["source", "source_id", "phnoe"], [{"source": "crm"}])
    # when imported
    report = _rejected("customers", path)
    # then both problems are reported on row 1
    reasons = {e.column: e.reason for e in report.errors}
    assert all(e.row == 1 for e in report.errors)
    assert "did you mean 'phone'" in reasons["phnoe"]
    assert "required column 'name'" in reasons["name"]


def test_transaction_for_an_unknown_customer_is_rejected(tmp_path):
    # given an imported customer and orders for them and for an unknown one
    _import("customers", _customers(tmp_path, [ZHANG]))
    orders = [
        {"source": "crm", "source_id": "C001", "order_id": "O1", "ts": "2024-03-01", "amount": "5"},
        {"source": "crm", "source_id": "NOPE", "order_id": "O2", "ts": "2024-03-01", "amount": "5"},
    ]
    # when imported
    report = _rejected("transactions", write_csv(tmp_path / "t.csv", TXN_HEADER, orders))
    # then the unknown customer is the error
    (error,) = report.errors
    assert (error.row, error.column, error.value) == (3, "source_id", "NOPE")
    assert "import the customers file first" in error.reason


def test_negative_amount_is_rejected(tmp_path):
    _import("customers", _customers(tmp_path, [ZHANG]))
    orders = [
        {"source": "crm", "source_id": "C001", "order_id": "O1", "ts": "2024-03-01", "amount": "-5"}
    ]
    report = _rejected("transactions", write_csv(tmp_path / "t.csv", TXN_HEADER, orders))
    assert report.errors[0].column == "amount"
    assert "negative" in report.errors[0].reason


def test_malformed_csv_rows_are_rejected(tmp_path):
    # given a row with a missing value and a row with a quote never closed
    path = tmp_path / "bad.csv"
    path.write_text(
        'source,source_id,name\ncrm,1,张三\ncrm,2\ncrm,3,"李四\ncrm,4,王五\n', encoding="utf-8"
    )
    # when imported
    report = _rejected("customers", path)
    # then the short row and the open quote are both reported
    rows = {e.row: e.reason for e in report.errors}
    assert "2 values but the header has 3 columns" in rows[3]
    assert "quote" in rows[4]


def test_oversized_file_is_refused_before_reading(tmp_path):
    # given a file larger than the limit
    path = _customers(tmp_path, [ZHANG])
    # when imported with a small limit
    report = _rejected("customers", path, max_bytes=10)
    # then the file as a whole is the error
    (error,) = report.errors
    assert error.row == 0 and "larger than the limit of 10 bytes" in error.reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"source,source_id,name\n", "no data rows"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
        (b"\x00\x01\x02binary", "binary"),
        (b"source;source_id;name\ncrm;1;x\n", "separated by ';'"),
    ],
)
def test_files_that_are_not_importable_are_refused(tmp_path, content, reason):
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    report = _rejected("customers", path)
    assert reason in report.errors[0].reason


def test_gbk_csv_is_read(tmp_path):
    # given a CSV that Excel saved as GBK on a Chinese Windows
    path = _customers(tmp_path, [LI])
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    # when imported / then the Chinese name arrives intact
    report = _import("customers", path)
    assert report.status == "succeeded", report.errors
    assert Customer.objects.get().name == "李娜"


def test_errors_beyond_the_first_thousand_are_counted_not_kept(tmp_path):
    rows = [{**LI, "source_id": f"S{i}", "phone": "1"} for i in range(1005)]
    report = _rejected("customers", _customers(tmp_path, rows))
    assert report.error_count == 1005
    assert len(report.errors) == 1000
    assert len(ImportRun.objects.get(pk=report.run_id).errors) == 1000


def test_a_database_failure_rolls_back_everything(tmp_path, monkeypatch):
    # given a writer that fails on its second batch
    from idic.identify.services import import_customers

    monkeypatch.setattr(imports, "BATCH", 2)
    calls = {"n": 0}
    original = import_customers.CustomerWriter.write

    def failing(self, records):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        original(self, records)

    monkeypatch.setattr(import_customers.CustomerWriter, "write", failing)
    before = table_counts()
    rows = [{**LI, "source_id": f"S{i}"} for i in range(5)]
    # when the file is imported
    report = _import("customers", _customers(tmp_path, rows))
    # then the run failed and the first batch is gone too
    assert report.status == "failed"
    assert "disk full" in report.errors[0].reason
    assert table_counts() == before


def test_progress_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 2)
    seen = []
    rows = [{**LI, "source_id": f"S{i}"} for i in range(5)]
    _import("customers", _customers(tmp_path, rows), progress=lambda d, t: seen.append(d))
    assert seen[-1] == 5 and seen == sorted(seen)
