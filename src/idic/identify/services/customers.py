"""Reading customers: search, profile and the 360 view, masked for the viewer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from idic.differentiate.services import dashboard as differentiate
from idic.identify import normalise
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    CustomerEvent,
    Identifier,
    IdentifierKind,
    Interaction,
    KeyPerson,
    SourceRecord,
    Transaction,
)
from idic.protect import services as protect
from idic.protect.services import Viewer

PROTECTED_KINDS = {IdentifierKind.NATIONAL_ID, IdentifierKind.ACCOUNT_NUMBER}
# identifier kind → the field name that classifies it
IDENTIFIER_FIELD: dict[str, str] = {
    IdentifierKind.NATIONAL_ID: "id_number",
    IdentifierKind.ACCOUNT_NUMBER: "account_number",
    IdentifierKind.MEMBER_CARD: "member_card",
    IdentifierKind.WEB_USER: "web_user",
    IdentifierKind.OTHER: "identifier",
}


MATCH_LIMIT = 10_000  # customers one phone, email or identifier can lead to


class CustomerNotFound(LookupError):
    pass


@dataclass(frozen=True)
class SearchPage:
    items: list[dict[str, Any]]
    next_cursor: int | None
    matched_on: str


def customer_summary(customer: Customer, viewer: Viewer) -> dict[str, Any]:
    """The customer's own fields, each revealed or masked for the viewer."""
    r = viewer.reveal
    return {
        "id": customer.pk,
        "party_type": customer.party_type,
        "kind": customer.kind,
        "status": customer.status,
        "scope": customer.scope,
        "name": r("name", customer.name),
        "gender": r("gender", customer.gender),
        "birth_date": r(
            "birth_date", customer.birth_date.isoformat() if customer.birth_date else None
        ),
        "province": r("province", customer.province),
        "city": r("city", customer.city),
        "district": r("district", customer.district),
        "address": r("address", customer.address),
        "company": r("company", customer.company),
        "title": r("title", customer.title),
        "risk_flag": customer.risk_flag,
        "merged_into": customer.merged_into_id,
        "created_at": customer.created_at.isoformat(),
        "updated_at": customer.updated_at.isoformat(),
    }


def _customer_ids(*matches) -> list[int]:
    """The customers of a few matching contact or identifier rows, fetched first: the
    customer query is then a primary-key look-up (``IN (subquery) OR IN (subquery)`` makes
    PostgreSQL walk every customer)."""
    found: set[int] = set()
    for rows in matches:
        found.update(rows.values_list("customer_id", flat=True)[:MATCH_LIMIT])
    return sorted(found)


def _search_filter(query: str) -> tuple[Q, str]:
    """Decide what a free-text query means: email, ID number, phone, or name."""
    text = normalise.fold(query)
    if "@" in text:
        try:
            email = normalise.normalise_email(text)
        except normalise.InvalidValue:
            email = text.lower()
        ids = _customer_ids(ContactPoint.objects.filter(kind="email", value=email))
        return Q(pk__in=ids), "email"
    compact = text.replace(" ", "").upper()
    if len(compact) in (15, 18) and compact[:14].isdigit():
        try:
            id_number = normalise.parse_id_number(compact).value
        except normalise.InvalidValue:
            id_number = compact
        dig = protect.identifier_digest(IdentifierKind.NATIONAL_ID, id_number)
        id_ids = _customer_ids(
            Identifier.objects.filter(kind=IdentifierKind.NATIONAL_ID, digest=dig)
        )
        return Q(pk__in=id_ids), "id_number"
    digits = sum(ch.isdigit() for ch in compact)
    if digits >= 7 and digits >= len(compact) - 3:
        try:
            phone = normalise.normalise_phone(text, settings.IDIC_DEFAULT_COUNTRY_CODE)
        except normalise.InvalidValue:
            phone = compact
        cards = Q()
        for kind in (IdentifierKind.MEMBER_CARD, IdentifierKind.WEB_USER):
            cards |= Q(kind=kind, digest=protect.identifier_digest(kind, compact))
        ids = _customer_ids(
            ContactPoint.objects.filter(kind="phone", value=phone),
            Identifier.objects.filter(cards),
        )
        return Q(pk__in=ids), "phone"
    return Q(name_key__startswith=normalise.name_key(text)), "name"


def search_customers(
    *,
    viewer: Viewer,
    query: str = "",
    kind: str = "",
    status: str = "",
    province: str = "",
    city: str = "",
    cursor: int | None = None,
    limit: int = 20,
    include_merged: bool = False,
) -> SearchPage:
    """Find customers by name (prefix), phone, email, ID number or member card, with filters.

    Results come newest id first; ``cursor`` is the last id of the previous page.
    """
    limit = max(1, min(limit, 200))
    qs = Customer.objects.all()
    matched_on = "all"
    if query.strip():
        condition, matched_on = _search_filter(query.strip())
        qs = qs.filter(condition)
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    for field, value in (
        ("kind", kind),
        ("status", status),
        ("province", province),
        ("city", city),
    ):
        if value:
            qs = qs.filter(**{field: value})
    if cursor is not None:
        qs = qs.filter(pk__lt=cursor)
    rows = list(qs.order_by("-pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    items = [customer_summary(c, viewer) for c in rows]
    return SearchPage(
        items=items, next_cursor=rows[-1].pk if more and rows else None, matched_on=matched_on
    )


def get_customer(customer_id: int) -> Customer:
    try:
        return Customer.objects.get(pk=customer_id)
    except Customer.DoesNotExist as exc:
        raise CustomerNotFound(f"customer {customer_id} does not exist") from exc


def _identifier_view(ident: Identifier, viewer: Viewer) -> dict[str, Any]:
    field = IDENTIFIER_FIELD.get(ident.kind, "identifier")
    if ident.kind in PROTECTED_KINDS:
        shown = (
            protect.unseal_value(ident.ciphertext)
            if viewer.can_see(field) and ident.ciphertext
            else ident.masked
        )
    else:
        shown = viewer.reveal(field, ident.value)
    return {
        "id": ident.pk,
        "kind": ident.kind,
        "issuer": ident.issuer,
        "value": shown,
        "first_seen_at": ident.first_seen_at.isoformat(),
    }


def _contact_view(cp: ContactPoint, viewer: Viewer) -> dict[str, Any]:
    return {
        "id": cp.pk,
        "kind": cp.kind,
        "value": viewer.reveal(cp.kind, cp.value),
        "verified": cp.verified,
        "opt_out": cp.opt_out,
        "is_current": cp.is_current,
        "source": cp.source_record.source if cp.source_record_id and cp.source_record else "",
        "last_seen_at": cp.last_seen_at.isoformat(),
    }


def attribute_view(av: AttributeValue, viewer: Viewer) -> dict[str, Any]:
    return {
        "id": av.pk,
        "group": av.group,
        "name": av.name,
        "value": viewer.reveal(av.name, av.value),
        "source": av.source,
        "collected_at": av.collected_at.isoformat(),
        "confidence": av.confidence,
        "recorded_at": av.recorded_at.isoformat(),
        "superseded_at": av.superseded_at.isoformat() if av.superseded_at else None,
    }


def _cents(value) -> str:
    """Money as text with two decimals (SQLite's SUM returns long decimal tails)."""
    return str(Decimal(value or 0).quantize(Decimal("0.01")))


def customer_360(*, customer_id: int, viewer: Viewer, recent: int = 20) -> dict[str, Any]:
    """Everything about one customer on one page: profile, identities, contacts, attributes,
    totals, recent transactions and interactions, and the timeline of events."""
    customer = get_customer(customer_id)
    contacts = (
        ContactPoint.objects.filter(customer=customer)
        .select_related("source_record")
        .order_by("kind", "-is_current", "-last_seen_at")
    )
    identifiers = Identifier.objects.filter(customer=customer).order_by("kind", "pk")
    attributes = AttributeValue.objects.filter(
        customer=customer, superseded_at__isnull=True
    ).order_by("group", "name")
    sources = SourceRecord.objects.filter(customer=customer).order_by("source", "source_id")
    txns = (
        Transaction.objects.filter(customer=customer)
        .select_related("product")
        .order_by("-ts")[:recent]
    )
    totals = Transaction.objects.filter(customer=customer).aggregate(
        count=Count("pk"), amount=Sum("amount"), cost=Sum("cost"), first=Min("ts"), last=Max("ts")
    )
    interactions = Interaction.objects.filter(customer=customer).order_by("-ts")[:recent]
    events = CustomerEvent.objects.filter(customer=customer).order_by("-ts")[:recent]
    key_persons = KeyPerson.objects.filter(organisation=customer).select_related("person")
    organisations = KeyPerson.objects.filter(person=customer).select_related("organisation")
    return {
        "customer": customer_summary(customer, viewer),
        "sources": [
            {
                "source": s.source,
                "source_id": s.source_id,
                "last_seen_at": s.last_seen_at.isoformat(),
            }
            for s in sources
        ],
        "identifiers": [_identifier_view(i, viewer) for i in identifiers],
        "contact_points": [_contact_view(c, viewer) for c in contacts],
        "attributes": [attribute_view(a, viewer) for a in attributes],
        "key_persons": [
            {
                "customer_id": k.person_id,
                "name": viewer.reveal("name", k.person.name),
                "role": k.role,
                "title": k.title,
            }
            for k in key_persons
        ],
        "organisations": [
            {
                "customer_id": k.organisation_id,
                "name": k.organisation.name,
                "role": k.role,
                "title": k.title,
            }
            for k in organisations
        ],
        "totals": {
            "transactions": totals["count"] or 0,
            "amount": _cents(totals["amount"]),
            "margin": _cents((totals["amount"] or 0) - totals["cost"])
            if totals["cost"] is not None
            else None,
            "first_purchase": totals["first"].isoformat() if totals["first"] else None,
            "last_purchase": totals["last"].isoformat() if totals["last"] else None,
        },
        "transactions": [
            {
                "id": t.pk,
                "source": t.source,
                "order_id": t.order_id,
                "ts": t.ts.isoformat(),
                "amount": str(t.amount),
                "cost": str(t.cost) if t.cost is not None else None,
                "product": t.product.name if t.product else "",
                "channel": t.channel,
            }
            for t in txns
        ],
        "interactions": [
            {
                "id": i.pk,
                "ts": i.ts.isoformat(),
                "channel": i.channel,
                "direction": i.direction,
                "subject": i.subject,
                "summary": i.summary,
                "staff": i.staff,
            }
            for i in interactions
        ],
        "events": [
            {"ts": e.ts.isoformat(), "kind": e.kind, "actor": e.actor, "payload": e.payload}
            for e in events
        ],
        "value": differentiate.customer_value(customer.pk),
    }


def any_customers() -> bool:
    """True once the base holds at least one customer."""
    return Customer.objects.exists()


def last_purchase_day() -> date | None:
    """The local calendar day of the latest transaction, or None without transactions."""
    last = Transaction.objects.aggregate(last=Max("ts"))["last"]
    return None if last is None else timezone.localtime(last).date()
