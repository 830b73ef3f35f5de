"""Writing one customer record at a time (API, forms).

Each use case checks its whole input first, then writes in one transaction that
locks the customer row, never overwrites history (a changed attribute supersedes
the old row; a changed address retires the old contact point), and appends a
timeline event. Bulk loading is ``services.imports``; this module does not use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from idic.identify import events, field_rules, normalise
from idic.identify.field_rules import FieldError
from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    IdentifierKind,
    Interaction,
    Product,
    Transaction,
)
from idic.identify.services import recognize
from idic.identify.services.customers import IDENTIFIER_FIELD, PROTECTED_KINDS, CustomerNotFound
from idic.protect import services as protect

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")


class Conflict(Exception):
    """The write would duplicate or contradict what is stored; nothing was written."""

    code = "conflict"

    def __init__(self, message: str, *, field: str = "") -> None:
        self.field = field
        super().__init__(message)


class DuplicateIdentifier(Conflict):
    code = "duplicate_identifier"


class DuplicateContactPoint(Conflict):
    code = "duplicate_contact_point"


class DuplicateTransaction(Conflict):
    code = "duplicate_transaction"


class DuplicateInteraction(Conflict):
    code = "duplicate_interaction"


class CustomerMerged(Conflict):
    code = "customer_merged"


class ContactPointNotFound(LookupError):
    pass


@contextmanager
def _as_field(field: str) -> Iterator[None]:
    """Report a value's error under the name the caller used for it."""
    try:
        yield
    except FieldError as exc:
        raise FieldError(field, exc.message) from None


def _locked_customer(customer_id: int) -> Customer:
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None:
        raise CustomerNotFound(f"customer {customer_id} does not exist")
    if customer.merged_into_id:
        raise CustomerMerged(
            f"customer {customer_id} was merged into customer {customer.merged_into_id}: "
            f"write to customer {customer.merged_into_id} instead"
        )
    return customer


def _past(field: str, value: datetime, now: datetime) -> datetime:
    """A moment not in the future; without a time zone it is local time (TIME_ZONE)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return field_rules.clean_past_time(field, value, now=now)


def _collected(collected_at: datetime | None, now: datetime) -> datetime:
    return now if collected_at is None else _past("collected_at", collected_at, now)


# ---- identifiers -------------------------------------------------------------------


def _identifier_row(*, kind: str, value: str, issuer: str, now: datetime) -> Identifier:
    """An unsaved identifier; protected kinds keep only digest, ciphertext and mask."""
    field = IDENTIFIER_FIELD.get(kind, "identifier")
    protected = kind in PROTECTED_KINDS
    return Identifier(
        kind=kind,
        issuer=issuer,
        value="" if protected else value,
        digest=protect.identifier_digest(kind, value),
        ciphertext=protect.seal_value(value) if protected else "",
        masked=protect.mask_value(field, value),
        first_seen_at=now,
    )


def _ensure_identifier_free(row: Identifier, *, value: str, field: str, customer_id=None) -> None:
    if row.kind in PROTECTED_KINDS:
        same = Identifier.objects.filter(kind=row.kind, digest=row.digest)
    else:
        same = Identifier.objects.filter(kind=row.kind, issuer=row.issuer, value=value)
    owner = same.values_list("customer_id", flat=True).first()
    if owner is not None:
        whose = "this customer" if owner == customer_id else f"customer {owner}"
        raise DuplicateIdentifier(
            f"this {row.kind} is already recorded for {whose}; "
            "look that customer up instead of adding it again",
            field=field,
        )


# ---- attributes --------------------------------------------------------------------


def _supersede(
    customer: Customer,
    *,
    name: str,
    group: str,
    value: str,
    source: str,
    collected_at: datetime,
    confidence: float,
    now: datetime,
) -> tuple[AttributeValue, bool]:
    """Add a value to the history. Returns the row and whether one was added.

    The same value as the current one adds nothing. A value collected before the current
    one arrived late: it is kept, already superseded, and the current value stays.
    """
    current = list(
        AttributeValue.objects.filter(customer=customer, name=name, superseded_at__isnull=True)
    )
    for row in current:
        if row.value == value:
            return row, False
    late = any(row.collected_at > collected_at for row in current)
    if not late and current:
        AttributeValue.objects.filter(pk__in=[row.pk for row in current]).update(superseded_at=now)
    added = AttributeValue.objects.create(
        customer=customer,
        group=group,
        name=name,
        value=value,
        source=source,
        collected_at=collected_at,
        confidence=confidence,
        recorded_at=now,
        superseded_at=now if late else None,
    )
    return added, True


def _postal_address(values: Mapping[str, Any]) -> str:
    return " ".join(str(values[f]) for f in field_rules.ADDRESS_FIELDS if values.get(f))


def _replace_address(customer: Customer, *, now: datetime) -> None:
    """Retire the current postal address and record the customer's new one (if any)."""
    ContactPoint.objects.filter(customer=customer, kind="address", is_current=True).update(
        is_current=False, last_seen_at=now
    )
    text = _postal_address({f: getattr(customer, f) for f in field_rules.ADDRESS_FIELDS})
    if text:
        ContactPoint.objects.create(
            customer=customer,
            kind="address",
            value=text[:300],
            raw_value=text[:300],
            first_seen_at=now,
            last_seen_at=now,
        )


# ---- customers ---------------------------------------------------------------------


def create_customer(
    *,
    actor: str,
    name: str,
    party_type: str = "person",
    kind: str = "consumer",
    status: str = "actual",
    scope: str = "external",
    gender: str = "",
    birth_date: date | str | None = None,
    province: str = "",
    city: str = "",
    district: str = "",
    address: str = "",
    company: str = "",
    title: str = "",
    risk_flag: str = "",
    phone: str = "",
    email: str = "",
    id_number: str = "",
    member_card: str = "",
    source: str = "api",
    collected_at: datetime | None = None,
    link_returning: bool = True,
) -> Customer:
    """Create a customer with its attribute history, contact points and identifiers.

    An ID number fills in birth date and gender when they are not given, and must agree
    with them when they are. A duplicate ID number or member card writes nothing.

    With ``link_returning`` the input is first recognised (``services.recognize``): when
    it is a match on a stored customer of the same party type, nothing is written and
    that customer is returned with its ``recognition`` attribute set (a returning
    customer is linked, not duplicated). A created customer has ``recognition`` None.
    """
    now = timezone.now()
    values, source, collected, contacts, identifiers = _checked_new_customer(
        now=now,
        given={
            "name": name,
            "party_type": party_type,
            "kind": kind,
            "status": status,
            "scope": scope,
            "gender": gender,
            "birth_date": birth_date,
            "province": province,
            "city": city,
            "district": district,
            "address": address,
            "company": company,
            "title": title,
            "risk_flag": risk_flag,
        },
        phone=phone,
        email=email,
        id_number=id_number,
        member_card=member_card,
        source=source,
        collected_at=collected_at,
    )
    if link_returning:
        known = _returning_customer(
            values, phone=phone, email=email, id_number=id_number, member_card=member_card
        )
        if known is not None:
            return known
    with transaction.atomic():
        for row, value, field in identifiers:
            _ensure_identifier_free(row, value=value, field=field)
        customer = Customer.objects.create(
            **values, name_key=normalise.name_key(values["name"]), created_at=now, updated_at=now
        )
        AttributeValue.objects.bulk_create(
            AttributeValue(
                customer=customer,
                group=group,
                name=field,
                value=field_rules.as_attribute_text(values[field]),
                source=source,
                collected_at=collected,
                confidence=1.0,
                recorded_at=now,
            )
            for field, group in field_rules.PROFILE_GROUP.items()
            if values[field] not in ("", None)
        )
        postal = _postal_address(values)
        if postal:
            contacts.append(("address", postal[:300], postal[:300]))
        ContactPoint.objects.bulk_create(
            ContactPoint(
                customer=customer,
                kind=contact_kind,
                value=value,
                raw_value=raw[:300],
                first_seen_at=now,
                last_seen_at=now,
            )
            for contact_kind, value, raw in contacts
        )
        for row, _value, _field in identifiers:
            row.customer = customer
            row.save()
        events.customer_created_event(customer=customer, actor=actor, source=source, at=now).save()
    customer.recognition = None  # type: ignore[attr-defined]
    return customer


def check_new_customer(
    *,
    phone: str = "",
    email: str = "",
    id_number: str = "",
    member_card: str = "",
    source: str = "api",
    **fields: Any,
) -> None:
    """Check the data of a new customer as :func:`create_customer` does, writing nothing.

    Raises:
        FieldError: naming the first field whose value is refused.
    """
    unknown = set(fields) - set(_NEW_CUSTOMER_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown customer fields: {', '.join(sorted(unknown))}")
    _checked_new_customer(
        now=timezone.now(),
        given={**_NEW_CUSTOMER_DEFAULTS, **fields},
        phone=phone,
        email=email,
        id_number=id_number,
        member_card=member_card,
        source=source,
        collected_at=None,
    )


_NEW_CUSTOMER_DEFAULTS: dict[str, Any] = {
    "name": "",
    "party_type": "person",
    "kind": "consumer",
    "status": "actual",
    "scope": "external",
    "gender": "",
    "birth_date": None,
    "province": "",
    "city": "",
    "district": "",
    "address": "",
    "company": "",
    "title": "",
    "risk_flag": "",
}


def _checked_new_customer(
    *,
    now: datetime,
    given: dict[str, Any],
    phone: str,
    email: str,
    id_number: str,
    member_card: str,
    source: str,
    collected_at: datetime | None,
) -> tuple[dict[str, Any], str, datetime, list[tuple[str, str, str]], list]:
    """The new customer's values, source, collected time, contact points and identifier
    rows, checked; a refused value raises :class:`FieldError`."""
    today = timezone.localdate(now)
    values = {f: field_rules.clean_customer_field(f, v, today=today) for f, v in given.items()}
    source = field_rules.clean_code("source", source)
    collected = _collected(collected_at, now)
    country = settings.IDIC_DEFAULT_COUNTRY_CODE
    contacts: list[tuple[str, str, str]] = []
    for contact_kind, raw in (("phone", phone), ("email", email)):
        if raw:
            with _as_field(contact_kind):
                contacts.append(
                    (
                        contact_kind,
                        field_rules.clean_contact_value(contact_kind, raw, country=country),
                        raw,
                    )
                )
    identifiers: list[tuple[Identifier, str, str]] = []
    if id_number:
        try:
            parsed = normalise.parse_id_number(id_number)
        except normalise.InvalidValue as exc:
            raise FieldError("id_number", str(exc)) from None
        for field, implied in (("birth_date", parsed.birth_date), ("gender", parsed.gender)):
            if not values[field]:
                values[field] = implied
            elif values[field] != implied:
                raise FieldError(
                    field,
                    f"{field} {field_rules.as_attribute_text(values[field])} disagrees with the "
                    f"ID number ({field_rules.as_attribute_text(implied)}); correct one of them",
                )
        row = _identifier_row(
            kind=IdentifierKind.NATIONAL_ID, value=parsed.value, issuer=source, now=now
        )
        identifiers.append((row, parsed.value, "id_number"))
    if member_card:
        with _as_field("member_card"):
            card = field_rules.clean_identifier_value(IdentifierKind.MEMBER_CARD, member_card)
        row = _identifier_row(kind=IdentifierKind.MEMBER_CARD, value=card, issuer=source, now=now)
        identifiers.append((row, card, "member_card"))

    return values, source, collected, contacts, identifiers


def _returning_customer(values: Mapping[str, Any], **keys: str) -> Customer | None:
    """The stored customer the new customer's data is recognised as, if a match."""
    answer = recognize.recognize(
        name=values["name"],
        birth_date=values["birth_date"],
        address=_postal_address(values) or None,
        **{k: v for k, v in keys.items() if v},
    )
    if answer.status != "match" or answer.customer_id is None:
        return None
    known = Customer.objects.filter(
        pk=answer.customer_id, party_type=values["party_type"], merged_into__isnull=True
    ).first()
    if known is not None:
        known.recognition = answer  # type: ignore[attr-defined]
    return known


def update_customer(
    *,
    customer_id: int,
    actor: str,
    changes: Mapping[str, Any],
    source: str = "api",
    collected_at: datetime | None = None,
) -> Customer:
    """Change some of a customer's own fields; each changed value supersedes the old one."""
    now = timezone.now()
    today = timezone.localdate(now)
    cleaned = {f: field_rules.clean_customer_field(f, v, today=today) for f, v in changes.items()}
    source = field_rules.clean_code("source", source)
    collected = _collected(collected_at, now)
    with transaction.atomic():
        customer = _locked_customer(customer_id)
        changed = [f for f, v in cleaned.items() if getattr(customer, f) != v]
        if not changed:
            return customer
        for field in changed:
            setattr(customer, field, cleaned[field])
        customer.name_key = normalise.name_key(customer.name)
        customer.updated_at = now
        customer.save(update_fields=[*changed, "name_key", "updated_at"])
        for field in changed:
            if field in field_rules.PROFILE_GROUP:
                _supersede(
                    customer,
                    name=field,
                    group=field_rules.PROFILE_GROUP[field],
                    value=field_rules.as_attribute_text(cleaned[field]),
                    source=source,
                    collected_at=collected,
                    confidence=1.0,
                    now=now,
                )
        if set(changed) & set(field_rules.ADDRESS_FIELDS):
            _replace_address(customer, now=now)
        events.customer_updated_event(customer=customer, actor=actor, fields=changed, at=now).save()
    return customer


def set_attribute(
    *,
    customer_id: int,
    name: str,
    value: str,
    actor: str,
    group: str | None = None,
    source: str = "api",
    collected_at: datetime | None = None,
    confidence: float | None = None,
) -> tuple[AttributeValue, bool]:
    """Record a value of one attribute. Returns the row and whether it was added.

    The new value supersedes the current one (which keeps its row, with ``superseded_at``);
    the same value again adds nothing. Attributes that are customer columns (name, gender,
    company …) update the column too. ``group`` may be left out for a known attribute.
    """
    now = timezone.now()
    name = field_rules.clean_attribute_name(name)
    if name in field_rules.ADDRESS_FIELDS:
        raise FieldError(
            "name", f"{name} is part of the postal address: change it on the customer (PATCH)"
        )
    column = name in field_rules.PROFILE_GROUP
    if column:
        expected = field_rules.PROFILE_GROUP[name]
        if group not in (None, expected):
            raise FieldError("group", f"{name} belongs to group {expected!r}, not {group!r}")
        group = expected
        with _as_field("value"):
            stored = field_rules.clean_customer_field(name, value, today=timezone.localdate(now))
        text = field_rules.as_attribute_text(stored)
    else:
        text = field_rules.clean_text("value", value, limit="attribute_value")
    if group is not None:
        group = field_rules.clean_group(group)
    source = field_rules.clean_code("source", source)
    weight = field_rules.clean_confidence(confidence)
    collected = _collected(collected_at, now)
    with transaction.atomic():
        customer = _locked_customer(customer_id)
        if group is None:
            group = (
                AttributeValue.objects.filter(customer=customer, name=name)
                .order_by("-recorded_at", "-pk")
                .values_list("group", flat=True)
                .first()
            )
            if group is None:
                raise FieldError(
                    "group",
                    f"{name} is a new attribute: give its group, one of "
                    f"{', '.join(field_rules.ATTRIBUTE_GROUPS)}",
                )
        row, added = _supersede(
            customer,
            name=name,
            group=group,
            value=text,
            source=source,
            collected_at=collected,
            confidence=weight,
            now=now,
        )
        if not added:
            return row, False
        is_current = row.superseded_at is None
        if column and is_current:
            setattr(customer, name, stored)
            customer.name_key = normalise.name_key(customer.name)
            customer.updated_at = now
            customer.save(update_fields=[name, "name_key", "updated_at"])
        events.attribute_changed_event(
            customer=customer,
            actor=actor,
            name=name,
            group=group,
            source=source,
            current=is_current,
            at=now,
        ).save()
    return row, True


# ---- contact points ----------------------------------------------------------------


def add_contact_point(
    *,
    customer_id: int,
    kind: str,
    value: str,
    actor: str,
    verified: bool = False,
    opt_out: bool = False,
) -> ContactPoint:
    """Add a phone, email, address, social handle or fax, normalised."""
    now = timezone.now()
    normalised = field_rules.clean_contact_value(
        kind, value, country=settings.IDIC_DEFAULT_COUNTRY_CODE
    )
    with transaction.atomic():
        customer = _locked_customer(customer_id)
        if ContactPoint.objects.filter(
            customer=customer, kind=kind, value=normalised, is_current=True
        ).exists():
            raise DuplicateContactPoint(
                f"customer {customer_id} already has this {kind}", field="value"
            )
        contact = ContactPoint.objects.create(
            customer=customer,
            kind=kind,
            value=normalised,
            raw_value=(value or "")[:300],
            verified=verified,
            opt_out=opt_out,
            first_seen_at=now,
            last_seen_at=now,
        )
        Customer.objects.filter(pk=customer.pk).update(updated_at=now)
        events.contact_point_added_event(
            customer=customer, actor=actor, kind=kind, contact_point_id=contact.pk, at=now
        ).save()
    return contact


def set_contact_flags(
    *,
    customer_id: int,
    contact_point_id: int,
    actor: str,
    verified: bool | None = None,
    opt_out: bool | None = None,
) -> ContactPoint:
    """Mark a contact point verified or not, and opted out (no marketing) or not."""
    flags = {k: v for k, v in (("verified", verified), ("opt_out", opt_out)) if v is not None}
    if not flags:
        raise FieldError("verified", "give verified, opt_out or both")
    now = timezone.now()
    with transaction.atomic():
        customer = _locked_customer(customer_id)
        contact = ContactPoint.objects.filter(pk=contact_point_id, customer=customer).first()
        if contact is None:
            raise ContactPointNotFound(
                f"customer {customer_id} has no contact point {contact_point_id}"
            )
        changed = {k: v for k, v in flags.items() if getattr(contact, k) != v}
        if not changed:
            return contact
        for key, flag in changed.items():
            setattr(contact, key, flag)
        contact.save(update_fields=list(changed))
        events.contact_flags_changed_event(
            customer=customer, actor=actor, contact_point_id=contact.pk, flags=changed, at=now
        ).save()
    return contact


# ---- identifiers -------------------------------------------------------------------


def add_identifier(
    *, customer_id: int, kind: str, value: str, actor: str, issuer: str = ""
) -> Identifier:
    """Add an identifier; national ID and account numbers are stored sealed, never in clear.

    The same national ID on any customer, or the same other identifier from the same
    issuer, is a duplicate and writes nothing.
    """
    now = timezone.now()
    clean = field_rules.clean_identifier_value(kind, value)
    issuer = field_rules.clean_text("issuer", issuer)
    row = _identifier_row(kind=kind, value=clean, issuer=issuer, now=now)
    with transaction.atomic():
        customer = _locked_customer(customer_id)
        _ensure_identifier_free(row, value=clean, field="value", customer_id=customer.pk)
        row.customer = customer
        row.save()
        Customer.objects.filter(pk=customer.pk).update(updated_at=now)
        events.identifier_added_event(
            customer=customer, actor=actor, kind=kind, issuer=issuer, at=now
        ).save()
    return row


# ---- transactions and interactions ---------------------------------------------------


def _money(field: str, value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise FieldError(field, f"{field} {value} must be a number from 0 up to 1,000,000,000,000")
    return amount.quantize(CENT)


def add_transaction(
    *,
    customer_id: int,
    actor: str,
    order_id: str,
    ts: datetime,
    amount: Decimal,
    source: str = "api",
    cost: Decimal | None = None,
    product: str = "",
    channel: str = "",
) -> Transaction:
    """Record one order of the customer; ``(source, order_id)`` must be new."""
    now = timezone.now()
    source = field_rules.clean_code("source", source)
    order_id = field_rules.clean_code("order_id", order_id)
    ts = _past("ts", ts, now)
    price = _money("amount", amount)
    if price is None:
        raise FieldError("amount", "amount is required")
    spent = _money("cost", cost)
    sku = field_rules.clean_text("product", product)
    channel = field_rules.clean_text("channel", channel).lower()
    with transaction.atomic():
        customer = _locked_customer(customer_id)
        if Transaction.objects.filter(source=source, order_id=order_id).exists():
            raise DuplicateTransaction(
                f"order {order_id} of source {source} is already recorded", field="order_id"
            )
        item = Product.objects.get_or_create(sku=sku, defaults={"name": sku})[0] if sku else None
        try:
            with transaction.atomic():
                row = Transaction.objects.create(
                    source=source,
                    order_id=order_id,
                    customer=customer,
                    ts=ts,
                    amount=price,
                    cost=spent,
                    product=item,
                    channel=channel,
                )
        except IntegrityError:
            raise DuplicateTransaction(
                f"order {order_id} of source {source} is already recorded", field="order_id"
            ) from None
        events.transaction_added_event(
            customer=customer, actor=actor, source=source, order_id=order_id, at=now
        ).save()
    return row


def add_interaction(
    *,
    customer_id: int,
    actor: str,
    channel: str,
    ts: datetime | None = None,
    direction: str = "inbound",
    subject: str = "",
    summary: str = "",
    staff: str = "",
    duration_seconds: int | None = None,
    source: str = "api",
    external_id: str = "",
) -> Interaction:
    """Record a contact with the customer on the timeline (staff defaults to the actor)."""
    now = timezone.now()
    source = field_rules.clean_code("source", source)
    external_id = field_rules.clean_code("external_id", external_id, required=False)
    external_id = external_id or uuid.uuid4().hex
    when = _past("ts", ts, now) if ts is not None else now
    channel = field_rules.clean_text("channel", channel, required=True).lower()
    if direction not in field_rules.DIRECTIONS:
        raise FieldError("direction", f"direction {direction!r} is not inbound or outbound")
    subject = field_rules.clean_text("subject", subject)
    staff = field_rules.clean_text("staff", staff or actor)
    if duration_seconds is not None and not 0 <= duration_seconds <= 7 * 24 * 3600:
        raise FieldError("duration_seconds", "duration_seconds must be between 0 and one week")
    with transaction.atomic():
        customer = _locked_customer(customer_id)
        if Interaction.objects.filter(source=source, external_id=external_id).exists():
            raise DuplicateInteraction(
                f"interaction {external_id} of source {source} is already recorded",
                field="external_id",
            )
        row = Interaction.objects.create(
            source=source,
            external_id=external_id,
            customer=customer,
            ts=when,
            channel=channel,
            direction=direction,
            subject=subject,
            summary=(summary or "").strip(),
            staff=staff,
            duration_seconds=duration_seconds,
        )
        events.interaction_added_event(
            customer=customer, actor=actor, channel=channel, direction=direction, at=now
        ).save()
    return row
