"""Rules for single customer values written one record at a time (API, forms): pure, no Django.

Each ``clean_*`` returns the value as stored or raises :class:`FieldError`, which names
the field and says how to fix it. The codes and attribute groups agree with
docs/import-format.md, so a customer reads the same however it arrived.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from idic.identify import normalise
from idic.identify.reasons import reason

ATTRIBUTE_GROUPS = (
    "basic",
    "family",
    "career",
    "psychological",
    "behaviour",
    "org_basic",
    "org_business",
    "org_transaction",
    "preference",
)
# Customer columns whose every value is kept in the attribute history, with their group.
PROFILE_GROUP = {
    "name": "basic",
    "party_type": "basic",
    "kind": "basic",
    "status": "basic",
    "scope": "basic",
    "gender": "basic",
    "birth_date": "basic",
    "company": "career",
    "title": "career",
    "risk_flag": "org_business",
}
# Customer columns kept on the postal-address contact point (old addresses stay, not current).
ADDRESS_FIELDS = ("province", "city", "district", "address")
CUSTOMER_FIELDS = (*PROFILE_GROUP, *ADDRESS_FIELDS)

CHOICES: dict[str, tuple[str, ...]] = {
    "party_type": ("person", "organisation"),
    "kind": ("consumer", "industrial", "intermediary", "public_interest"),
    "status": ("actual", "potential"),
    "scope": ("external", "internal"),
    "gender": ("M", "F", ""),
    "risk_flag": ("", "bankrupt", "deregistered", "licence_revoked", "low_credit"),
}
MAX_LENGTH = {
    "name": 200,
    "province": 50,
    "city": 50,
    "district": 50,
    "address": 300,
    "company": 200,
    "title": 100,
    "source": 50,
    "issuer": 50,
    "identifier": 100,
    "contact": 300,
    "order_id": 100,
    "external_id": 100,
    "channel": 30,
    "product": 100,
    "subject": 200,
    "staff": 100,
    "attribute_value": 2000,
}
CONTACT_KINDS = ("phone", "email", "address", "social", "fax")
IDENTIFIER_KINDS = ("member_card", "account_number", "web_user", "national_id", "other")
DIRECTIONS = ("inbound", "outbound")
_ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
CLOCK_SKEW = timedelta(minutes=5)


class FieldError(ValueError):
    """A value that cannot be stored; ``field`` names it, the message says how to fix it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message  # a Reason where the message can be translated
        super().__init__(message)


def clean_text(field: str, value: str | None, *, required: bool = False, limit: str = "") -> str:
    """Folded text within the column's length; required fields must not be blank."""
    text = normalise.fold(value or "")
    if required and not text:
        raise FieldError(field, reason("{field} is required: give a non-blank value", field=field))
    most = MAX_LENGTH.get(limit or field)
    if most is not None and len(text) > most:
        raise FieldError(
            field,
            reason(
                "{field} is {length} characters long; at most {limit} fit",
                field=field,
                length=len(text),
                limit=most,
            ),
        )
    return text


def clean_code(field: str, value: str | None, *, required: bool = True) -> str:
    """A code such as a source system or an order id: letters, digits and ``_.:-``."""
    text = clean_text(field, value, required=required)
    if text and not _CODE.match(text):
        raise FieldError(
            field,
            reason(
                "{field} {text!r} may hold only letters, digits and _ . : - (no spaces)",
                field=field,
                text=text,
            ),
        )
    return text


def clean_choice(field: str, value: str | None) -> str:
    text = (value or "").strip()
    allowed = CHOICES[field]
    if text not in allowed:
        shown = ", ".join(repr(a) for a in allowed)
        raise FieldError(
            field,
            reason("{field} {text!r} is not one of {shown}", field=field, text=text, shown=shown),
        )
    return text


def clean_birth_date(value: date | str | None, *, today: date) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise FieldError(
                "birth_date", reason("{value!r} is not a date: write YYYY-MM-DD", value=value)
            ) from None
    if isinstance(value, datetime):
        value = value.date()
    assert isinstance(value, date)
    if value.year < 1900 or value > today:
        raise FieldError(
            "birth_date",
            reason(
                "birth_date {value} is not between 1900-01-01 and today", value=value.isoformat()
            ),
        )
    return value


def clean_customer_field(field: str, value, *, today: date):
    """The stored form of one customer column (a ``date`` for birth_date, text otherwise)."""
    if field not in CUSTOMER_FIELDS:
        raise FieldError(
            field,
            reason(
                "{field} is not a customer field: use one of {fields}",
                field=field,
                fields=", ".join(CUSTOMER_FIELDS),
            ),
        )
    if field == "birth_date":
        return clean_birth_date(value, today=today)
    if field in CHOICES:
        return clean_choice(field, value)
    return clean_text(field, value, required=field == "name")


def as_attribute_text(value) -> str:
    """How a customer column's value is written in the attribute history."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def clean_attribute_name(name: str | None) -> str:
    text = (name or "").strip()
    if not _ATTRIBUTE_NAME.match(text):
        raise FieldError(
            "name",
            reason(
                "attribute name {text!r} must start with a-z and hold only a-z, 0-9 and _ (≤ 60)",
                text=text,
            ),
        )
    return text


def clean_group(group: str | None) -> str:
    if group not in ATTRIBUTE_GROUPS:
        raise FieldError(
            "group",
            reason(
                "group {group!r} is not one of {groups}",
                group=group,
                groups=", ".join(ATTRIBUTE_GROUPS),
            ),
        )
    return group


def clean_confidence(value: float | None) -> float:
    if value is None:
        return 1.0
    if not 0.0 <= value <= 1.0:
        raise FieldError(
            "confidence", reason("confidence {value} must be between 0 and 1", value=value)
        )
    return float(value)


def clean_past_time(field: str, value: datetime, *, now: datetime) -> datetime:
    """A time-zone-aware moment that is not in the future (allowing a little clock skew)."""
    if value.tzinfo is None:
        raise FieldError(field, reason("{field} needs a time zone (e.g. +08:00)", field=field))
    if value > now + CLOCK_SKEW:
        raise FieldError(
            field, reason("{field} {time} is in the future", field=field, time=value.isoformat())
        )
    if value.year < 1900:
        raise FieldError(
            field, reason("{field} {time} is before 1900", field=field, time=value.isoformat())
        )
    return value


def clean_contact_value(kind: str, value: str | None, *, country: str) -> str:
    """The normalised form of a contact point: E.164 phones, lower-case emails."""
    if kind not in CONTACT_KINDS:
        raise FieldError(
            "kind",
            reason(
                "contact kind {kind!r} is not one of {kinds}",
                kind=kind,
                kinds=", ".join(CONTACT_KINDS),
            ),
        )
    try:
        if kind in ("phone", "fax"):
            return normalise.normalise_phone(value or "", country)
        if kind == "email":
            return normalise.normalise_email(value or "")
    except normalise.InvalidValue as exc:
        raise FieldError("value", exc.reason) from None
    return clean_text("value", value, required=True, limit="contact")


def clean_identifier_value(kind: str, value: str | None) -> str:
    """A checked identifier: national IDs by their check digit, others without spaces."""
    if kind not in IDENTIFIER_KINDS:
        raise FieldError(
            "kind",
            reason(
                "identifier kind {kind!r} is not one of {kinds}",
                kind=kind,
                kinds=", ".join(IDENTIFIER_KINDS),
            ),
        )
    if kind == "national_id":
        try:
            return normalise.parse_id_number(value or "").value
        except normalise.InvalidValue as exc:
            raise FieldError("value", exc.reason) from None
    return clean_text("value", value, required=True, limit="identifier").replace(" ", "")
