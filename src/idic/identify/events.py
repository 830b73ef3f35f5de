"""Named builders of customer timeline events (the append-only ``CustomerEvent`` table).

Each builder returns an unsaved event, so a use case can save one or bulk-create many
inside its own transaction. Payloads name what changed but never carry the values:
the timeline is shown to every role, and values are masked per role elsewhere.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from idic.identify.models import Customer, CustomerEvent

CUSTOMER_CREATED = "customer_created"
CUSTOMER_UPDATED = "customer_updated"
ATTRIBUTE_CHANGED = "attribute_changed"
CONTACT_POINT_ADDED = "contact_point_added"
CONTACT_FLAGS_CHANGED = "contact_flags_changed"
IDENTIFIER_ADDED = "identifier_added"
TRANSACTION_ADDED = "transaction_added"
INTERACTION_ADDED = "interaction_added"
CUSTOMER_MERGED = "customer_merged"
CUSTOMER_UNMERGED = "customer_unmerged"


def _event(
    event_kind: str, customer: Customer, actor: str, at: datetime | None, /, **payload
) -> CustomerEvent:
    return CustomerEvent(
        customer=customer, ts=at or timezone.now(), kind=event_kind, actor=actor, payload=payload
    )


def customer_created_event(
    *, customer: Customer, actor: str, source: str, at: datetime | None = None
) -> CustomerEvent:
    return _event(CUSTOMER_CREATED, customer, actor, at, source=source)


def customer_updated_event(
    *, customer: Customer, actor: str, fields: list[str], at: datetime | None = None
) -> CustomerEvent:
    return _event(CUSTOMER_UPDATED, customer, actor, at, fields=sorted(fields))


def attribute_changed_event(
    *,
    customer: Customer,
    actor: str,
    name: str,
    group: str,
    source: str,
    current: bool,
    at: datetime | None = None,
) -> CustomerEvent:
    """``current`` is false when the value arrived late (collected before the current one)
    and went straight into the history."""
    return _event(
        ATTRIBUTE_CHANGED,
        customer,
        actor,
        at,
        name=name,
        group=group,
        source=source,
        current=current,
    )


def contact_point_added_event(
    *, customer: Customer, actor: str, kind: str, contact_point_id: int, at: datetime | None = None
) -> CustomerEvent:
    return _event(
        CONTACT_POINT_ADDED, customer, actor, at, kind=kind, contact_point_id=contact_point_id
    )


def contact_flags_changed_event(
    *,
    customer: Customer,
    actor: str,
    contact_point_id: int,
    flags: dict[str, bool],
    at: datetime | None = None,
) -> CustomerEvent:
    return _event(
        CONTACT_FLAGS_CHANGED,
        customer,
        actor,
        at,
        contact_point_id=contact_point_id,
        **flags,
    )


def identifier_added_event(
    *, customer: Customer, actor: str, kind: str, issuer: str, at: datetime | None = None
) -> CustomerEvent:
    return _event(IDENTIFIER_ADDED, customer, actor, at, kind=kind, issuer=issuer)


def transaction_added_event(
    *, customer: Customer, actor: str, source: str, order_id: str, at: datetime | None = None
) -> CustomerEvent:
    return _event(TRANSACTION_ADDED, customer, actor, at, source=source, order_id=order_id)


def interaction_added_event(
    *,
    customer: Customer,
    actor: str,
    channel: str,
    direction: str,
    at: datetime | None = None,
) -> CustomerEvent:
    return _event(INTERACTION_ADDED, customer, actor, at, channel=channel, direction=direction)


def customer_merged_event(
    *,
    customer: Customer,
    actor: str,
    merge_id: int,
    merged_ids: list[int],
    reason: str,
    fields: list[str],
    at: datetime | None = None,
) -> CustomerEvent:
    """Customers ``merged_ids`` became part of ``customer`` (the golden record); ``fields``
    are the displayed fields survivorship changed."""
    return _event(
        CUSTOMER_MERGED,
        customer,
        actor,
        at,
        merge_id=merge_id,
        merged=sorted(merged_ids),
        reason=reason,
        fields=sorted(fields),
    )


def customer_unmerged_event(
    *,
    customer: Customer,
    actor: str,
    merge_id: int,
    merged_ids: list[int],
    golden_id: int,
    at: datetime | None = None,
) -> CustomerEvent:
    """Merge ``merge_id`` was undone: ``merged_ids`` are separate customers again."""
    return _event(
        CUSTOMER_UNMERGED,
        customer,
        actor,
        at,
        merge_id=merge_id,
        merged=sorted(merged_ids),
        golden=golden_id,
    )
