"""Helpers of the merge, review and recognition tests: customers with a row in every
table, and a snapshot of every table that points at a customer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from idic.identify import normalise
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    CustomerEvent,
    Identifier,
    Interaction,
    KeyPerson,
    SourceRecord,
    Transaction,
)
from idic.identify.services.merge_rows import customer_relations
from idic.protect import services as protect

T0 = datetime(2024, 1, 1, tzinfo=UTC)
MERGE_EVENTS = ("customer_merged", "customer_unmerged")


def make_customer(
    n: int,
    *,
    name: str = "",
    phone: str = "",
    email: str = "",
    id_number: str = "",
    birth_date: date | None = None,
    gender: str = "",
    source: str = "crm",
    at: datetime = T0,
    party_type: str = "person",
    city: str = "北京市",
    address: str = "",
    rows: int = 1,
) -> Customer:
    """A customer with a source record and ``rows`` rows of each kind (contacts,
    attributes, an identifier, transactions, interactions, events)."""
    name = name or f"客户{n}"
    customer = Customer.objects.create(
        name=name,
        name_key=normalise.name_key(name),
        party_type=party_type,
        gender=gender,
        birth_date=birth_date,
        province="北京市",
        city=city,
        address=address or f"朝阳路{n}号",
        created_at=at,
        updated_at=at,
    )
    record = SourceRecord.objects.create(
        source=source,
        source_id=f"S{n}",
        customer=customer,
        payload={"name": name, "phone": phone},
        first_seen_at=at,
        last_seen_at=at,
    )
    for kind, value in (("phone", phone), ("email", email)):
        if value:
            ContactPoint.objects.create(
                customer=customer,
                source_record=record,
                kind=kind,
                value=value,
                raw_value=value,
                first_seen_at=at,
                last_seen_at=at,
            )
    postal = f"北京市 {city} {customer.address}"
    ContactPoint.objects.create(
        customer=customer,
        source_record=record,
        kind="address",
        value=postal,
        raw_value=postal,
        first_seen_at=at,
        last_seen_at=at,
    )
    if id_number:
        Identifier.objects.create(
            customer=customer,
            source_record=record,
            kind="national_id",
            issuer=source,
            digest=protect.identifier_digest("national_id", id_number),
            ciphertext=protect.seal_value(id_number),
            masked=protect.mask_value("id_number", id_number),
            first_seen_at=at,
        )
    card = f"88{n:08d}"
    Identifier.objects.create(
        customer=customer,
        source_record=record,
        kind="member_card",
        issuer=source,
        value=card,
        digest=protect.identifier_digest("member_card", card),
        masked=card,
        first_seen_at=at,
    )
    AttributeValue.objects.create(
        customer=customer,
        source_record=record,
        group="basic",
        name="name",
        value=name,
        source=source,
        collected_at=at,
        recorded_at=at,
    )
    for i in range(rows):
        AttributeValue.objects.create(
            customer=customer,
            source_record=record,
            group="family",
            name="marital_status",
            value=f"v{i}",
            source=source,
            collected_at=at + timedelta(days=i),
            recorded_at=at + timedelta(days=i),
            superseded_at=None if i == rows - 1 else at + timedelta(days=i + 1),
        )
        Transaction.objects.create(
            source=source,
            order_id=f"O{n}-{i}",
            customer=customer,
            source_record=record,
            ts=at + timedelta(hours=i),
            amount=Decimal("10.00") * (i + 1),
        )
        Interaction.objects.create(
            source=source,
            external_id=f"I{n}-{i}",
            customer=customer,
            source_record=record,
            ts=at + timedelta(hours=i),
            channel="phone",
        )
        CustomerEvent.objects.create(
            customer=customer, ts=at + timedelta(hours=i), kind="customer_created", actor="t"
        )
    return customer


def link(organisation: Customer, person: Customer, role: str = "purchaser") -> KeyPerson:
    return KeyPerson.objects.create(organisation=organisation, person=person, role=role)


def tables() -> dict[str, list[dict[str, Any]]]:
    """Every row of the customer table and of every table pointing at a customer, except
    the merge and unmerge events (appended, never undone)."""
    found = {"identify.Customer": list(Customer.objects.order_by("pk").values())}
    for model, _field in customer_relations():
        rows = model.objects.order_by("pk")
        if model is CustomerEvent:
            rows = rows.exclude(kind__in=MERGE_EVENTS)
        found[model._meta.label] = list(rows.values())
    return found


def owners(model, field: str = "customer_id") -> dict[int, int]:
    return dict(model.objects.values_list("pk", field))
