"""Reading a customer's records one kind at a time: contact points, identifiers, the
attribute history, transactions and interactions, each masked for the viewer; and the
360 view with its audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    Identifier,
    Interaction,
    Transaction,
)
from idic.identify.services.customers import (
    CustomerNotFound,
    _contact_view,
    _identifier_view,
    attribute_view,
    customer_360,
)
from idic.protect import services as protect
from idic.protect.services import Viewer

MAX_LIMIT = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class TimelinePage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def _require_customer(customer_id: int) -> None:
    if not Customer.objects.filter(pk=customer_id).exists():
        raise CustomerNotFound(f"customer {customer_id} does not exist")


def contact_points(*, customer_id: int, viewer: Viewer) -> list[dict[str, Any]]:
    """Every contact point, current ones first within each kind."""
    _require_customer(customer_id)
    rows = (
        ContactPoint.objects.filter(customer_id=customer_id)
        .select_related("source_record")
        .order_by("kind", "-is_current", "-last_seen_at", "-pk")
    )
    return [_contact_view(cp, viewer) for cp in rows]


def contact_point(cp: ContactPoint, viewer: Viewer) -> dict[str, Any]:
    return _contact_view(cp, viewer)


def identifiers(*, customer_id: int, viewer: Viewer) -> list[dict[str, Any]]:
    _require_customer(customer_id)
    rows = Identifier.objects.filter(customer_id=customer_id).order_by("kind", "pk")
    return [_identifier_view(i, viewer) for i in rows]


def identifier(ident: Identifier, viewer: Viewer) -> dict[str, Any]:
    return _identifier_view(ident, viewer)


def attribute_values(
    *,
    customer_id: int,
    viewer: Viewer,
    since: datetime | None = None,
    name: str = "",
    current_only: bool = False,
) -> list[dict[str, Any]]:
    """Attribute values, newest first per name, with source, collection time and confidence.

    ``since`` keeps the values recorded or superseded at or after that moment, so one call
    shows what changed since then: each new value and the value it replaced.
    """
    _require_customer(customer_id)
    rows = AttributeValue.objects.filter(customer_id=customer_id)
    if name:
        rows = rows.filter(name=name)
    if current_only:
        rows = rows.filter(superseded_at__isnull=True)
    if since is not None:
        if timezone.is_naive(since):
            since = timezone.make_aware(since)  # a bare date or time is local (TIME_ZONE)
        rows = rows.filter(Q(recorded_at__gte=since) | Q(superseded_at__gte=since))
    return [attribute_view(a, viewer) for a in rows.order_by("name", "-recorded_at", "-pk")]


def attribute(av: AttributeValue, viewer: Viewer) -> dict[str, Any]:
    return attribute_view(av, viewer)


def encode_cursor(ts: datetime, pk: int) -> str:
    delta = ts - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    micros, dot, pk = cursor.partition(".")
    try:
        if not dot:
            raise ValueError(cursor)
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        raise BadCursor(
            f"cursor {cursor!r} is not one this API gave: pass next_cursor back unchanged"
        ) from None


def _timeline_page(rows: QuerySet, cursor: str | None, limit: int, view) -> TimelinePage:
    limit = max(1, min(limit, MAX_LIMIT))
    if cursor:
        ts, pk = decode_cursor(cursor)
        rows = rows.filter(Q(ts__lt=ts) | Q(ts=ts, pk__lt=pk))
    found = list(rows.order_by("-ts", "-pk")[: limit + 1])
    page = found[:limit]
    more = len(found) > limit
    return TimelinePage(
        items=[view(r) for r in page],
        next_cursor=encode_cursor(page[-1].ts, page[-1].pk) if more else None,
    )


def transaction_view(t: Transaction) -> dict[str, Any]:
    return {
        "id": t.pk,
        "source": t.source,
        "order_id": t.order_id,
        "ts": t.ts.isoformat(),
        "amount": str(t.amount),
        "cost": str(t.cost) if t.cost is not None else None,
        "product": t.product.name if t.product else "",
        "channel": t.channel,
    }


def interaction_view(i: Interaction) -> dict[str, Any]:
    return {
        "id": i.pk,
        "source": i.source,
        "external_id": i.external_id,
        "ts": i.ts.isoformat(),
        "channel": i.channel,
        "direction": i.direction,
        "subject": i.subject,
        "summary": i.summary,
        "staff": i.staff,
        "duration_seconds": i.duration_seconds,
    }


def transactions(*, customer_id: int, cursor: str | None = None, limit: int = 50) -> TimelinePage:
    """The customer's orders, newest first, a page at a time."""
    _require_customer(customer_id)
    rows = Transaction.objects.filter(customer_id=customer_id).select_related("product")
    return _timeline_page(rows, cursor, limit, transaction_view)


def interactions(*, customer_id: int, cursor: str | None = None, limit: int = 50) -> TimelinePage:
    """The customer's contacts in every channel, newest first, a page at a time."""
    _require_customer(customer_id)
    rows = Interaction.objects.filter(customer_id=customer_id)
    return _timeline_page(rows, cursor, limit, interaction_view)


def audited_customer_360(*, customer_id: int, viewer: Viewer) -> dict[str, Any]:
    """The 360 view (see ``customers.customer_360``), recorded in the audit log as seen."""
    view = customer_360(customer_id=customer_id, viewer=viewer)
    protect.audit(viewer=viewer, action="view_360", object_type="customer", object_id=customer_id)
    return view
