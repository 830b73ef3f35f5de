"""Request and response shapes of the identify API.

Values a role may not see come back masked (``+86138****5678``, ``110105********2766``,
``1990-**-**``), so customer fields are text in responses even where the stored value is
a date. Money is text with two decimals, so no client rounds it through a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

PartyType = Literal["person", "organisation"]
Kind = Literal["consumer", "industrial", "intermediary", "public_interest"]
Status = Literal["actual", "potential"]
Scope = Literal["external", "internal"]
Gender = Literal["M", "F", ""]
RiskFlag = Literal["", "bankrupt", "deregistered", "licence_revoked", "low_credit"]
ContactKind = Literal["phone", "email", "address", "social", "fax"]
IdentifierKind = Literal["member_card", "account_number", "web_user", "national_id", "other"]
AttributeGroup = Literal[
    "basic",
    "family",
    "career",
    "psychological",
    "behaviour",
    "org_basic",
    "org_business",
    "org_transaction",
    "preference",
]
Direction = Literal["inbound", "outbound"]
Source = Field(default="api", max_length=50, description="source system of the data")


class StrictIn(Schema):
    """Input that rejects unknown fields, so a misspelt field is an error, not lost data."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    code: str = Field(description="machine-readable error code, e.g. invalid, not_found")
    message: str = Field(description="what went wrong and how to fix it")
    field: str | None = Field(default=None, description="the offending field, if one")


# ---- customers ---------------------------------------------------------------------


class CustomerIn(StrictIn):
    name: str = Field(min_length=1, max_length=200)
    party_type: PartyType = "person"
    kind: Kind = "consumer"
    status: Status = "actual"
    scope: Scope = "external"
    gender: Gender = ""
    birth_date: date | None = None
    province: str = Field(default="", max_length=50)
    city: str = Field(default="", max_length=50)
    district: str = Field(default="", max_length=50)
    address: str = Field(default="", max_length=300)
    company: str = Field(default="", max_length=200)
    title: str = Field(default="", max_length=100)
    risk_flag: RiskFlag = ""
    phone: str = Field(default="", max_length=40, description="normalised to E.164, +86 default")
    email: str = Field(default="", max_length=300)
    id_number: str = Field(
        default="", max_length=20, description="18-digit resident ID; stored sealed"
    )
    member_card: str = Field(default="", max_length=100)
    source: str = Source


class CustomerPatch(StrictIn):
    """Only the fields given change; each change keeps the old value in the history."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    party_type: PartyType | None = None
    kind: Kind | None = None
    status: Status | None = None
    scope: Scope | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    province: str | None = Field(default=None, max_length=50)
    city: str | None = Field(default=None, max_length=50)
    district: str | None = Field(default=None, max_length=50)
    address: str | None = Field(default=None, max_length=300)
    company: str | None = Field(default=None, max_length=200)
    title: str | None = Field(default=None, max_length=100)
    risk_flag: RiskFlag | None = None
    source: str = Source


class CustomerOut(Schema):
    id: int
    party_type: str
    kind: str
    status: str
    scope: str
    name: str
    gender: str
    birth_date: str | None = Field(description="YYYY-MM-DD, or YYYY-**-** when masked")
    province: str
    city: str
    district: str
    address: str
    company: str
    title: str
    risk_flag: str
    merged_into: int | None
    created_at: datetime
    updated_at: datetime


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: int | None = Field(description="pass as cursor for the next page; null at end")
    matched_on: str = Field(description="how q was read: name, phone, email, id_number or all")


# ---- contact points and identifiers --------------------------------------------------


class ContactPointIn(StrictIn):
    kind: ContactKind
    value: str = Field(min_length=1, max_length=300)
    verified: bool = False
    opt_out: bool = False


class ContactFlagsIn(StrictIn):
    verified: bool | None = None
    opt_out: bool | None = Field(default=None, description="true: no marketing to this contact")


class ContactPointOut(Schema):
    id: int
    kind: str
    value: str
    verified: bool
    opt_out: bool
    is_current: bool
    source: str
    last_seen_at: datetime


class IdentifierIn(StrictIn):
    kind: IdentifierKind
    value: str = Field(min_length=1, max_length=100)
    issuer: str = Field(default="", max_length=50, description="system that issued it")


class IdentifierOut(Schema):
    id: int
    kind: str
    issuer: str
    value: str = Field(description="in clear only for roles cleared to see it; masked otherwise")
    first_seen_at: datetime


# ---- attributes --------------------------------------------------------------------


class AttributeIn(StrictIn):
    name: str = Field(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9_]*$")
    value: str = Field(max_length=2000)
    group: AttributeGroup | None = Field(
        default=None, description="required for an attribute the customer has never had"
    )
    source: str = Source
    collected_at: datetime | None = Field(default=None, description="default: now")
    confidence: float | None = Field(default=None, ge=0, le=1, description="default 1")


class AttributeOut(Schema):
    id: int
    group: str
    name: str
    value: str
    source: str
    collected_at: datetime
    confidence: float
    recorded_at: datetime
    superseded_at: datetime | None = Field(description="null while the value is current")


# ---- transactions and interactions ---------------------------------------------------


class TransactionIn(StrictIn):
    order_id: str = Field(min_length=1, max_length=100)
    ts: datetime
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    cost: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    product: str = Field(default="", max_length=100)
    channel: str = Field(default="", max_length=30)
    source: str = Source


class TransactionOut(Schema):
    id: int
    source: str
    order_id: str
    ts: datetime
    amount: str
    cost: str | None
    product: str
    channel: str


class TransactionPage(Schema):
    items: list[TransactionOut]
    next_cursor: str | None


class InteractionIn(StrictIn):
    channel: str = Field(min_length=1, max_length=30)
    ts: datetime | None = Field(default=None, description="default: now")
    direction: Direction = "inbound"
    subject: str = Field(default="", max_length=200)
    summary: str = Field(default="", max_length=10_000)
    staff: str = Field(default="", max_length=100, description="default: the caller")
    duration_seconds: int | None = Field(default=None, ge=0)
    source: str = Source
    external_id: str = Field(default="", max_length=100, description="default: generated")


class InteractionOut(Schema):
    id: int
    source: str
    external_id: str
    ts: datetime
    channel: str
    direction: str
    subject: str
    summary: str
    staff: str
    duration_seconds: int | None


class InteractionPage(Schema):
    items: list[InteractionOut]
    next_cursor: str | None


# ---- the 360 view --------------------------------------------------------------------


class SourceRecordOut(Schema):
    source: str
    source_id: str
    last_seen_at: datetime


class RelatedPartyOut(Schema):
    customer_id: int
    name: str
    role: str
    title: str


class TotalsOut(Schema):
    transactions: int
    amount: str
    margin: str | None
    first_purchase: datetime | None
    last_purchase: datetime | None


class RecentInteractionOut(Schema):
    id: int
    ts: datetime
    channel: str
    direction: str
    subject: str
    summary: str
    staff: str


class EventOut(Schema):
    ts: datetime
    kind: str
    actor: str
    payload: dict[str, Any]


class Customer360Out(Schema):
    customer: CustomerOut
    sources: list[SourceRecordOut]
    identifiers: list[IdentifierOut]
    contact_points: list[ContactPointOut]
    attributes: list[AttributeOut] = Field(description="current values only")
    key_persons: list[RelatedPartyOut]
    organisations: list[RelatedPartyOut]
    totals: TotalsOut
    transactions: list[TransactionOut] = Field(description="the most recent")
    interactions: list[RecentInteractionOut] = Field(description="the most recent")
    events: list[EventOut] = Field(description="the most recent timeline events")
    value: dict[str, Any] | None = Field(
        description="the latest scores (run_id, as_of, RFM, segment, decile, tier, ABC, "
        "values, CLV, classes, lifecycle stage, churn risk) with `history`: the scores of "
        "each run, newest first; null until a scoring run has scored the customer"
    )
