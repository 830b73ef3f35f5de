"""The customer 360 page: profile, contacts, identifiers, attributes, totals, timeline."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from idic.identify.models import AttributeGroup
from idic.identify.services import quality_signals
from idic.identify.services.customers import CustomerNotFound
from idic.identify.services.provenance import provenance
from idic.identify.services.records import attribute_values, audited_customer_360
from idic.identify.timeline_merge import merge_timeline
from idic.identify.views.access import viewer_required
from idic.protect.services import Viewer

RECENT = 20  # what the 360 service returns of each stream
# The pieces a source record brings, in the order the page lists them, with the
# vocabulary that names each piece's kind ("" for pieces named by their source).
PIECES = (
    ("contact_points", _("Contact points"), "contact"),
    ("identifiers", _("Identifiers"), "identifier"),
    ("attributes", _("Attributes"), "attribute"),
    ("transactions", _("Orders"), ""),
    ("interactions", _("Contacts"), ""),
)
# These events announce an order or a contact the timeline already shows as itself.
_SHOWN_ELSEWHERE = {"transaction_added", "interaction_added"}
# Event payload keys that describe the event rather than the customer.
_PLAIN_KEYS = {
    "source",
    "source_id",
    "order_id",
    "run_id",
    "kind",
    "group",
    "issuer",
    "channel",
    "direction",
    "attribute",
    "field",
    "fields",
    "name",
    "reason",
    "superseded",
    "verified",
    "opt_out",
    "is_current",
}
_VALUE_KEYS = {"value", "old", "new", "old_value", "new_value", "previous"}


def _event_payload(payload: Any, viewer: Viewer) -> list[tuple[str, Any]]:
    """An event's details as (key, value) pairs, each value masked like the field it holds."""
    if not isinstance(payload, dict):
        return [("", payload)] if payload not in (None, "") else []
    field = payload.get("attribute") or payload.get("field") or payload.get("name")
    pairs = []
    for key, value in payload.items():
        if isinstance(value, dict) or (key.endswith("_id") and key not in _PLAIN_KEYS):
            continue
        if key in _PLAIN_KEYS:
            pairs.append((key, value))
        elif key in _VALUE_KEYS and isinstance(field, str):
            pairs.append((key, viewer.reveal(field, value)))
        else:
            pairs.append((key, viewer.reveal(key, value)))
    return pairs


def _attribute_groups(
    attributes: list[dict[str, Any]], history: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """Current attributes grouped in the texts' order, each with the values it replaced."""
    earlier_by_name: dict[str, list[dict[str, Any]]] = {}
    for value in history:
        if value["superseded_at"]:
            earlier_by_name.setdefault(value["name"], []).append(value)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for attr in attributes:
        earlier = earlier_by_name.get(attr["name"], [])
        by_group.setdefault(attr["group"], []).append({**attr, "history": earlier})
    order = [g.value for g in AttributeGroup] + sorted(set(by_group) - set(AttributeGroup))
    return [(group, by_group[group]) for group in order if group in by_group]


@require_GET
@viewer_required
def customer_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    viewer: Viewer = request.viewer  # type: ignore[attr-defined]
    try:
        data = audited_customer_360(customer_id=customer_id, viewer=viewer)
    except CustomerNotFound:
        return render(request, "identify/not_found.html", {"customer_id": customer_id}, status=404)
    history = attribute_values(customer_id=customer_id, viewer=viewer)
    events = [
        {**e, "details": _event_payload(e["payload"], viewer)}
        for e in data["events"]
        if e["kind"] not in _SHOWN_ELSEWHERE
    ]
    timeline = merge_timeline(
        transactions=data["transactions"], interactions=data["interactions"], events=events
    )
    current_contacts = [c for c in data["contact_points"] if c["is_current"]]
    origins = provenance(customer_id=customer_id, viewer=viewer)
    return render(
        request,
        "identify/customer_360.html",
        {
            "c": data["customer"],
            "data": data,
            "contacts": data["contact_points"],
            "current_contacts": current_contacts,
            "identifiers": data["identifiers"],
            "attribute_groups": _attribute_groups(
                quality_signals.with_current_confidence(data["attributes"]), history
            ),
            "more_risk_flags": [
                f
                for f in quality_signals.risk_flags(customer_id=customer_id)
                if f != data["customer"]["risk_flag"]
            ],
            "totals": data["totals"],
            "timeline": timeline,
            "recent": RECENT,
            "origins": origins,
            "origin_records": [
                {**r, "sections": _piece_sections(r["pieces"], r["counts"])}
                for r in origins["records"]
            ],
            "direct_sections": _piece_sections(origins["direct"], origins["direct_counts"]),
            "can_undo": viewer.role == "admin",
            "value": data["value"],
            "value_spark": _sparkline(data["value"]),
        },
    )


def _piece_sections(pieces: dict[str, list], counts: dict[str, int]) -> list[dict[str, Any]]:
    """The kinds of pieces a source record brought, each with its first items and count."""
    return [
        {"label": label, "vocabulary": vocabulary, "items": pieces[key], "count": counts[key]}
        for key, label, vocabulary in PIECES
        if counts[key]
    ]


def _sparkline(value: dict[str, Any] | None, field: str = "npv_value") -> dict[str, Any] | None:
    """A small line of ``field`` across the customer's scoring runs, oldest first (needs
    two runs with a value)."""
    if not value:
        return None
    points = [
        (h["as_of"], float(h[field])) for h in reversed(value["history"]) if h[field] is not None
    ]
    if len(points) < 2:
        return None
    width, height, pad = 140.0, 34.0, 3.0
    low, high = min(v for _, v in points), max(v for _, v in points)
    spread = (high - low) or 1.0
    step = (width - 2 * pad) / (len(points) - 1)
    coords = [
        (pad + i * step, height - pad - (height - 2 * pad) * (v - low) / spread)
        for i, (_, v) in enumerate(points)
    ]
    return {
        "width": width,
        "height": height,
        "line": " ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        "last": {"x": round(coords[-1][0], 1), "y": round(coords[-1][1], 1)},
        "first_as_of": points[0][0],
        "last_as_of": points[-1][0],
    }
