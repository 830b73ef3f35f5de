"""Data-quality signals of one customer (``quality.py``): what its values are still worth
given their age, and the high-risk flags its data states."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from idic.identify import quality
from idic.identify.models import AttributeValue, Customer, PartyType


def with_current_confidence(
    attributes: list[dict[str, Any]], *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Attribute views (``customers.attribute_view``) with ``current_confidence``: the
    recorded confidence decayed by the value's age and its group's half-life."""
    now = now or timezone.now()
    out = []
    for view in attributes:
        collected = datetime.fromisoformat(view["collected_at"])
        decayed = quality.decayed_confidence(
            view["confidence"], collected_at=collected, now=now, group=view["group"]
        )
        out.append({**view, "current_confidence": round(decayed, 4)})
    return out


def risk_flags(*, customer_id: int) -> list[str]:
    """The high-risk flags of an organisation (bankrupt, licence revoked, deregistered,
    low credit), most severe first, from its flag and its current attribute values; a
    person has none."""
    customer = Customer.objects.filter(pk=customer_id).values("party_type", "risk_flag").first()
    if customer is None or customer["party_type"] != PartyType.ORGANISATION:
        return []
    values = AttributeValue.objects.filter(
        customer_id=customer_id, superseded_at__isnull=True
    ).values_list("name", "value")
    return quality.risk_flags(risk_flag=customer["risk_flag"], attributes=list(values))
