"""Source records: how each source system writes down a person or an organisation.

Sources collect different fields in their own formats: the CRM keeps the full profile,
the shop a delivery address, the membership-card system the card number and birthday
(as 19850307), the web shop an email, the call centre little more than a phone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from idic.identify.demo.phones import format_landline, format_mobile
from idic.identify.demo.population import OrganisationCustomer, Person

SOURCES = ("crm", "shop", "card", "web", "callcenter")
PRIMARY_WEIGHTS = (45, 30, 15, 7, 3)
# sources that keep a postal address: a family's records show its shared home
ADDRESS_SOURCES = ("crm", "shop", "card")
_PREFIX = {"crm": "C", "shop": "S", "card": "K", "web": "W", "callcenter": "H"}
_GENDER = {
    "crm": {"M": "M", "F": "F"},
    "shop": {"M": "male", "F": "female"},
    "card": {"M": "男", "F": "女"},
}
_DATE_FORMAT = {"crm": "%Y-%m-%d", "shop": "%Y/%m/%d", "card": "%Y%m%d"}
Row = dict[str, str]


class SourceIds:
    """Running record numbers per source: unique within each source."""

    def __init__(self) -> None:
        self._next = dict.fromkeys(SOURCES, 1)

    def next(self, source: str) -> str:
        number = self._next[source]
        self._next[source] = number + 1
        return f"{_PREFIX[source]}{number:08d}"


def created_at(rng: random.Random, source: str, day: date) -> str:
    """When the source system created the record: a date, or a date-time for web sources."""
    if source in {"crm", "card"}:
        return day.isoformat()
    moment = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randrange(86400))
    return moment.isoformat()


def person_row(
    rng: random.Random,
    person: Person,
    *,
    source: str,
    source_id: str,
    created: date,
    status: str,
    scope: str,
    home_phone: bool,
) -> Row:
    """The record ``source`` keeps of ``person``; ``home_phone`` writes the landline."""
    phone = (
        format_landline(rng, person.landline)
        if home_phone and person.landline
        else format_mobile(rng, person.mobile)
    )
    row: Row = {
        "source": source,
        "source_id": source_id,
        "name": person.name,
        "phone": phone,
        "city": person.district.city,
        "created_at": created_at(rng, source, created),
    }
    if status != "actual":
        row["status"] = status
    if scope != "external":
        row["scope"] = scope
    if source in _GENDER and (source != "shop" or rng.random() < 0.5):
        row["gender"] = _GENDER[source][person.gender]
    if source in _DATE_FORMAT and source != "shop":
        row["birth_date"] = person.birth.strftime(_DATE_FORMAT[source])
    if source in ADDRESS_SOURCES:
        row["province"] = person.district.province
        row["district"] = person.district.name
        row["address"] = person.address
    if source in {"crm", "shop", "web"} and person.email:
        row["email"] = person.email
    if (source == "crm" and rng.random() < 0.6) or (source == "card" and rng.random() < 0.4):
        row["id_number"] = person.id_number
    if source == "card" or (source == "shop" and rng.random() < 0.4):
        row["member_card"] = person.member_card
    if source == "crm":
        if person.company:
            row["company"] = person.company
        if person.title:
            row["title"] = person.title
        if rng.random() < 0.4:
            row["income"] = str(person.income)
        if rng.random() < 0.5:
            row["marital_status"] = person.marital
    return row


def key_person_row(
    rng: random.Random, person: Person, *, source_id: str, org_source_id: str, created: date
) -> Row:
    """A key person as the CRM keeps them: work contact details and their role."""
    row: Row = {
        "source": "crm",
        "source_id": source_id,
        "name": person.name,
        "gender": person.gender,
        "phone": format_mobile(rng, person.mobile),
        "email": person.email,
        "province": person.district.province,
        "city": person.district.city,
        "company": person.company,
        "title": person.title,
        "org_source_id": org_source_id,
        "key_role": person.key_role,
        "created_at": created_at(rng, "crm", created),
    }
    if rng.random() < 0.3:
        row["birth_date"] = person.birth.isoformat()
    return row


def organisation_row(
    rng: random.Random,
    customer: OrganisationCustomer,
    *,
    source: str,
    source_id: str,
    created: date,
) -> Row:
    """The record ``source`` keeps of an organisation; only the CRM has its business data."""
    org = customer.org
    row: Row = {
        "source": source,
        "source_id": source_id,
        "name": org.name,
        "party_type": "organisation",
        "kind": org.kind,
        "phone": format_landline(rng, customer.phone),
        "email": customer.email,
        "province": customer.district.province,
        "city": customer.district.city,
        "district": customer.district.name,
        "address": customer.address,
        "created_at": created_at(rng, source, created),
    }
    if source == "crm":
        row["industry"] = org.industry
        row["employees"] = str(org.employees)
        row["founded"] = str(org.founded)
        if org.credit_grade:
            row["credit_grade"] = org.credit_grade
        if org.risk_flag:
            row["risk_flag"] = org.risk_flag
    return row
