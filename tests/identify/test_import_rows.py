"""Parsing one raw row into a typed record or its errors (pure, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idic.identify.importing import customer_rows, interaction_rows, transaction_rows
from idic.identify.importing.columns import check_header
from idic.identify.importing.values import parse_amount, parse_date, parse_datetime
from idic.identify.normalise import InvalidValue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _parser(module, header, **kw):
    columns, errors = check_header(
        header,
        known=module.KNOWN,
        required=module.REQUIRED,
        allow_attributes=module is customer_rows,
    )
    assert not errors
    cls = {
        customer_rows: customer_rows.CustomerRowParser,
        transaction_rows: transaction_rows.TransactionRowParser,
        interaction_rows: interaction_rows.InteractionRowParser,
    }[module]
    return cls(columns, tz=SHANGHAI, **kw)


def _customer(**cells):
    row = {"source": "crm", "source_id": "1", "name": "张三", **cells}
    return _parser(customer_rows, list(row)).parse(2, list(row.values()))


@pytest.mark.parametrize(
    ("column", "raw", "field", "value"),
    [
        ("gender", "男", "gender", "M"),
        ("gender", "female", "gender", "F"),
        ("gender", "Ｆ", "gender", "F"),
        ("party_type", "企业", "party_type", "organisation"),
        ("kind", "中间客户", "kind", "intermediary"),
        ("status", "潜在客户", "status", "potential"),
        ("scope", "内部", "scope", "internal"),
        ("risk_flag", "吊销", "risk_flag", "licence_revoked"),
        ("phone", "１３８ １２３４ ５６７８", "phone", "+8613812345678"),
        ("phone", "010-6512 3456", "phone", "+861065123456"),
        ("email", " Li@Example.COM ", "email", "li@example.com"),
        ("id_number", "11010519900101276１", "id_number", "110105199001012761"),
        ("birth_date", "1990/1/2", "birth_date", dt.date(1990, 1, 2)),
        ("birth_date", "19900102", "birth_date", dt.date(1990, 1, 2)),
        ("birth_date", "1990年1月2日", "birth_date", dt.date(1990, 1, 2)),
        ("birth_date", "1990-01-02 00:00:00", "birth_date", dt.date(1990, 1, 2)),
        ("member_card", " M 001 ", "member_card", "M001"),
        ("name", "  张　三 ", "name", "张 三"),
    ],
)
def test_customer_values_are_normalised(column, raw, field, value):
    record = _customer(**{column: raw})
    assert not isinstance(record, list), record
    assert getattr(record, field) == value


@pytest.mark.parametrize(
    ("column", "raw", "words"),
    [
        ("gender", "X", "not one of M, F"),
        ("birth_date", "02/01/1990", "YYYY-MM-DD"),
        ("birth_date", "1990-02-30", "not a real calendar date"),
        ("birth_date", "1850-01-01", "year outside"),
        ("phone", "12345", "11-digit mobile"),
        ("email", "nobody", "name@domain.tld"),
        ("id_number", "110105199001012766", "check digit"),
        ("income", "-5", "negative"),
        ("employees", "many", "whole number"),
        ("key_role", "决策者", "needs org_source_id"),
        ("created_at", "yesterday", "YYYY-MM-DD"),
        ("province", "省" * 51, "at most 50"),
    ],
)
def test_bad_customer_values_are_errors(column, raw, words):
    errors = _customer(**{column: raw})
    assert isinstance(errors, list)
    assert [(e.row, e.column) for e in errors] == [(2, column)]
    assert words in errors[0].reason


def test_attributes_keep_their_groups_and_payload_masks_the_id():
    record = _customer(
        gender="女",
        marital_status="已婚",
        income="8,000",
        id_number="110105199001012761",
        **{"attr.preference.colour": "蓝"},
    )
    assert not isinstance(record, list)
    assert set(record.attributes) == {
        ("basic", "name", "张三"),
        ("basic", "gender", "F"),
        ("family", "marital_status", "married"),
        ("career", "income", "8000.00"),
        ("preference", "colour", "蓝"),
    }
    assert record.payload["id_number"] == "110105********2761"


def test_missing_required_values_are_all_reported():
    parser = _parser(customer_rows, ["source", "source_id", "name"])
    errors = parser.parse(7, ["", " ", ""])
    assert [e.column for e in errors] == ["source", "source_id", "name"]
    assert all(e.row == 7 for e in errors)


def test_transaction_row():
    header = ["source", "source_id", "order_id", "ts", "amount", "cost", "channel"]
    parser = _parser(transaction_rows, header)
    record = parser.parse(2, ["shop", "S1", "O1", "2024-03-01 10:00", "¥1,200.005", "", "门店"])
    assert record.ts == dt.datetime(2024, 3, 1, 10, tzinfo=SHANGHAI)
    assert (record.amount, record.cost, record.channel) == (Decimal("1200.01"), None, "store")
    errors = parser.parse(3, ["shop", "S1", "O2", "soon", "abc", "-1", ""])
    assert [e.column for e in errors] == ["ts", "amount", "cost"]


def test_interaction_row():
    header = [
        "source",
        "source_id",
        "interaction_id",
        "ts",
        "channel",
        "direction",
        "duration_seconds",
        "summary",
    ]
    parser = _parser(interaction_rows, header)
    record = parser.parse(
        2, ["crm", "C1", "I1", "2024-03-01T10:00:00Z", "微信", "外呼", "90", "第一行\n第二行"]
    )
    assert record.ts == dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC)
    assert (record.channel, record.direction, record.duration_seconds) == (
        "wechat",
        "outbound",
        90,
    )
    assert record.summary == "第一行\n第二行"
    errors = parser.parse(3, ["crm", "C1", "I2", "2024-03-01", "", "sideways", "1.5", ""])
    assert [e.column for e in errors] == ["channel", "direction", "duration_seconds"]


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_written_date_form_reads_back(day):
    for text in (
        day.isoformat(),
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y%m%d"),
        f"{day.year}年{day.month}月{day.day}日",
    ):
        assert parse_date(text) == day


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_amounts_read_back_with_thousands_separators(amount):
    assert parse_amount(f"{amount:,.2f}") == amount
    assert parse_amount(f"¥{amount}") == amount


@given(
    st.datetimes(
        min_value=dt.datetime.fromisoformat("1901-01-01"),
        max_value=dt.datetime.fromisoformat("2099-12-31"),
        timezones=st.just(dt.UTC),
    )
)
def test_datetimes_with_offsets_keep_their_instant(moment):
    assert parse_datetime(moment.isoformat(), SHANGHAI) == moment


def test_naive_datetime_is_local_time():
    assert parse_datetime("2024-01-01 08:00", SHANGHAI).utcoffset() == dt.timedelta(hours=8)
    with pytest.raises(InvalidValue):
        parse_datetime("2024-13-01", SHANGHAI)
