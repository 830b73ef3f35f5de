"""Customers for the page tests, built through the ORM: one person with a full history
and one organisation with a key person."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from idic.identify import normalise
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    CustomerEvent,
    Identifier,
    Interaction,
    KeyPerson,
    Product,
    SourceRecord,
    Transaction,
)
from idic.protect import classification
from idic.protect import services as protect

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZHANG_WEI_ID_NUMBER = "110105199001012761"
ZHANG_WEI_PHONE = "+8613812345678"
PASSWORD = "correct-horse-battery-staple"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A time in Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def _customer(name: str, **fields) -> Customer:
    created = fields.pop("created_at", at(2023, 3, 1, 9, 0))
    return Customer.objects.create(
        name=name,
        name_key=normalise.name_key(name),
        created_at=created,
        updated_at=created,
        **fields,
    )


def _national_id(customer: Customer, record: SourceRecord, value: str) -> Identifier:
    return Identifier.objects.create(
        customer=customer,
        source_record=record,
        kind="national_id",
        issuer=record.source,
        digest=protect.identifier_digest("national_id", value),
        ciphertext=protect.seal_value(value),
        masked=classification.mask("id_number", value),
        first_seen_at=record.first_seen_at,
    )


def build_zhang_wei() -> Customer:
    """张伟: consumer in Beijing with two sources, contacts, sealed ID, attribute history,
    three orders, two contacts and two events spread over 2024."""
    zhang = _customer(
        "张伟",
        gender="M",
        birth_date=date(1990, 1, 1),
        province="北京",
        city="北京",
        district="朝阳区",
        address="建国路 88 号",
        company="北京星河科技有限公司",
        title="采购经理",
    )
    crm = SourceRecord.objects.create(
        source="crm",
        source_id="C-001",
        customer=zhang,
        first_seen_at=at(2023, 3, 1, 9, 0),
        last_seen_at=at(2024, 6, 1, 9, 0),
    )
    card = SourceRecord.objects.create(
        source="card",
        source_id="M-778",
        customer=zhang,
        first_seen_at=at(2023, 5, 1, 9, 0),
        last_seen_at=at(2024, 6, 1, 9, 0),
    )
    ContactPoint.objects.create(
        customer=zhang,
        source_record=crm,
        kind="phone",
        value=ZHANG_WEI_PHONE,
        raw_value="138 1234 5678",
        verified=True,
        first_seen_at=at(2023, 3, 1, 9, 0),
        last_seen_at=at(2024, 6, 1, 9, 0),
    )
    ContactPoint.objects.create(
        customer=zhang,
        source_record=card,
        kind="email",
        value="zhang.wei@example.com",
        opt_out=True,
        first_seen_at=at(2023, 5, 1, 9, 0),
        last_seen_at=at(2024, 6, 1, 9, 0),
    )
    ContactPoint.objects.create(
        customer=zhang,
        source_record=crm,
        kind="phone",
        value="+8613900001111",
        is_current=False,
        first_seen_at=at(2021, 1, 1, 9, 0),
        last_seen_at=at(2023, 2, 1, 9, 0),
    )
    _national_id(zhang, crm, ZHANG_WEI_ID_NUMBER)
    Identifier.objects.create(
        customer=zhang,
        source_record=card,
        kind="member_card",
        issuer="card",
        value="6200881234",
        digest="member-card-6200881234",
        masked=classification.mask("member_card", "6200881234"),
        first_seen_at=at(2023, 5, 1, 9, 0),
    )
    for name, group, value, source, collected, superseded in (
        ("income", "career", "12000", "crm", at(2023, 3, 1, 9, 0), at(2024, 6, 1, 9, 0)),
        ("income", "career", "18000", "crm", at(2024, 6, 1, 9, 0), None),
        ("marital_status", "family", "已婚", "crm", at(2023, 3, 1, 9, 0), None),
        ("favourite_channel", "preference", "微信", "card", at(2023, 5, 1, 9, 0), None),
    ):
        AttributeValue.objects.create(
            customer=zhang,
            source_record=crm if source == "crm" else card,
            group=group,
            name=name,
            value=value,
            source=source,
            collected_at=collected,
            confidence=0.9 if source == "crm" else 0.7,
            recorded_at=collected,
            superseded_at=superseded,
        )
    tea = Product.objects.create(sku="TEA-01", name="龙井礼盒")
    for order_id, ts, amount, cost, channel in (
        ("SO-1001", at(2024, 1, 15, 10, 30), "1280.00", "800.00", "store"),
        ("SO-1002", at(2024, 3, 8, 20, 5), "356.50", "200.00", "web"),
        ("SO-1003", at(2024, 5, 20, 14, 0), "2999.00", "2100.00", "app"),
    ):
        Transaction.objects.create(
            source="shop",
            order_id=order_id,
            customer=zhang,
            ts=ts,
            amount=Decimal(amount),
            cost=Decimal(cost),
            product=tea,
            channel=channel,
        )
    Interaction.objects.create(
        source="callcenter",
        external_id="CALL-9",
        customer=zhang,
        ts=at(2024, 2, 2, 11, 0),
        channel="phone",
        subject="咨询会员积分",
        summary="客户询问积分兑换规则，已说明。",
        staff="李娜",
        duration_seconds=240,
    )
    Interaction.objects.create(
        source="crm",
        external_id="WX-3",
        customer=zhang,
        ts=at(2024, 6, 1, 9, 30),
        channel="wechat",
        direction="outbound",
        subject="生日关怀",
        staff="王芳",
    )
    CustomerEvent.objects.create(
        customer=zhang, ts=at(2023, 3, 1, 9, 0), kind="customer_created", payload={"source": "crm"}
    )
    CustomerEvent.objects.create(
        customer=zhang,
        ts=at(2024, 6, 1, 9, 0),
        kind="attribute_changed",
        actor="import",
        payload={"name": "income", "group": "career", "source": "crm", "superseded": True},
    )
    return zhang


def build_organisation(person: Customer) -> Customer:
    """北京星河科技: an industrial organisation with ``person`` as its purchaser."""
    org = _customer(
        "北京星河科技有限公司",
        party_type="organisation",
        kind="industrial",
        status="potential",
        province="北京",
        city="北京",
        risk_flag="low_credit",
        created_at=at(2023, 4, 1, 9, 0),
    )
    KeyPerson.objects.create(organisation=org, person=person, role="purchaser", title="采购经理")
    return org
