"""Template filters of the customer pages: display names of codes, times, money, icons.

The codes come from import files and models; their names are translated lazily, so
each request shows its own language and ``makemessages`` finds every one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from idic.identify.models import (
    AttributeGroup,
    ContactKind,
    CustomerKind,
    CustomerScope,
    CustomerStatus,
    Direction,
    Gender,
    IdentifierKind,
    ImportRun,
    KeyPersonRole,
    PartyType,
)

register = template.Library()

CHANNELS = {
    "store": _("Store"),
    "web": _("Web"),
    "app": _("Mobile app"),
    "phone": _("Phone"),
    "wechat": _("WeChat"),
    "email": _("Email"),
    "sms": _("SMS"),
    "visit": _("Visit"),
    "mail": _("Mail"),
    "callcenter": _("Call centre"),
    "crm": _("CRM"),
    "shop": _("Shop"),
    "card": _("Member card"),
}

ATTRIBUTES = {
    "name": _("Name"),
    "gender": _("Gender"),
    "birth_date": _("Date of birth"),
    "province": _("Province"),
    "city": _("City"),
    "district": _("District"),
    "address": _("Address"),
    "company": _("Employer"),
    "title": _("Position"),
    "income": _("Monthly income"),
    "marital_status": _("Marital status"),
    "industry": _("Industry"),
    "employees": _("Employees"),
    "founded": _("Founded"),
    "credit_grade": _("Credit grade"),
    "risk_flag": _("Risk flag"),
    "phone": _("Phone"),
    "email": _("Email"),
    "id_number": _("ID number"),
    "member_card": _("Member card"),
    "party_type": _("Person or organisation"),
    "kind": _("Customer kind"),
    "scope": _("Internal or external"),
    "status": _("Actual or potential"),
}

RISK_FLAGS = {
    "bankrupt": _("Bankrupt"),
    "deregistered": _("Deregistered"),
    "licence_revoked": _("Licence revoked"),
    "low_credit": _("Low credit grade"),
}

IMPORT_KINDS = {
    "customers": _("Customers"),
    "transactions": _("Transactions"),
    "interactions": _("Interactions"),
}

EVENTS = {
    "customer_created": _("Customer created"),
    "customer_updated": _("Profile updated"),
    "attribute_changed": _("Attribute changed"),
    "contact_point_added": _("Contact point added"),
    "contact_flags_changed": _("Contact flags changed"),
    "identifier_added": _("Identifier added"),
    "transaction_added": _("Order recorded"),
    "interaction_added": _("Contact recorded"),
    "merged": _("Merged"),
    "unmerged": _("Merge undone"),
    "customer_merged": _("Merged"),
    "customer_unmerged": _("Merge undone"),
}

MATCHED_ON = {
    "name": _("name"),
    "phone": _("phone or member card"),
    "email": _("email"),
    "id_number": _("ID number"),
}

SURVIVORSHIP = {
    "most_trusted_source": _("Most trusted source"),
    "most_recent": _("Most recent"),
    "most_complete": _("Most complete"),
}

VOCABULARIES = {
    "party_type": dict(PartyType.choices),
    "kind": dict(CustomerKind.choices),
    "status": dict(CustomerStatus.choices),
    "scope": dict(CustomerScope.choices),
    "gender": dict(Gender.choices),
    "contact": dict(ContactKind.choices),
    "identifier": dict(IdentifierKind.choices),
    "group": dict(AttributeGroup.choices),
    "key_role": dict(KeyPersonRole.choices),
    "direction": dict(Direction.choices),
    "import_status": dict(ImportRun.Status.choices),
    "import_kind": IMPORT_KINDS,
    "channel": CHANNELS,
    "attribute": ATTRIBUTES,
    "risk_flag": RISK_FLAGS,
    "event": EVENTS,
    "matched_on": MATCHED_ON,
    "survivorship": SURVIVORSHIP,
}


@register.filter
def label(code, vocabulary: str) -> str:
    """The display name of ``code`` in a vocabulary (``"consumer"|label:"kind"`` → 消费客户);
    an unknown code is shown as written, underscores as spaces."""
    if code is None:
        return ""
    names = VOCABULARIES.get(vocabulary, {})
    name = names.get(code)
    return str(name) if name is not None else str(code).replace("_", " ")


@register.filter
def shown(value):
    """A value as the viewer may see it; a masked one is marked so the reader knows why."""
    if value is None or value == "":
        return mark_safe('<span class="muted">—</span>')
    text = str(value)
    if "**" in text or (len(text) > 1 and set(text[1:]) == {"*"}):
        return format_html(
            '<span class="masked" title="{}">{}</span>', _("Masked for your role"), text
        )
    return text


@register.filter
def iso_dt(value):
    """An ISO date-time text as a datetime (for the ``date`` filter); other values pass."""
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


@register.filter
def money(value) -> str:
    """``"12345.5"`` → ``12,345.50``; empty stays empty."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{amount:,.2f}"


@register.filter
def percent(value) -> str:
    """A confidence 0‥1 as a whole percentage."""
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return ""


# Simple line icons drawn for this project (24×24, stroke only).
_ICON_PATHS = {
    "order": "M6 6h15l-2 8H8L6 3H3M9 20a1 1 0 1 0 0-.01M18 20a1 1 0 1 0 0-.01",
    "phone": "M5 3h4l2 5-2.5 1.5a11 11 0 0 0 6 6L16 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 5a2 2 0 0 1 2-2z",
    "mail": "M3 6h18v12H3zM3 7l9 6 9-6",
    "chat": "M4 5h16v11H9l-5 4z",
    "web": "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM3 12h18M12 3c3 3.5 3 14.5 0 18M12 3c-3 3.5-3 14.5 0 18",
    "store": "M4 10h16M5 10l1-5h12l1 5M6 10v10h12V10M10 20v-5h4v5",
    "visit": "M12 21s-7-6.5-7-12a7 7 0 0 1 14 0c0 5.5-7 12-7 12zM12 11a2 2 0 1 0 0-.01",
    "event": "M12 3v4M12 17v4M3 12h4M17 12h4M12 8a4 4 0 1 0 0 8 4 4 0 0 0 0-8z",
}
_CHANNEL_ICON = {
    "phone": "phone",
    "callcenter": "phone",
    "email": "mail",
    "mail": "mail",
    "wechat": "chat",
    "sms": "chat",
    "web": "web",
    "app": "web",
    "store": "store",
    "shop": "store",
    "visit": "visit",
}


@register.simple_tag
def timeline_icon(stream: str, channel: str = ""):
    """An inline SVG for a timeline entry: orders a cart, events a mark, contacts their channel."""
    if stream == "transaction":
        name = "order"
    elif stream == "event":
        name = "event"
    else:
        name = _CHANNEL_ICON.get(channel, "chat")
    return format_html(
        '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
        '<path d="{}"/></svg>',
        _ICON_PATHS[name],
    )
