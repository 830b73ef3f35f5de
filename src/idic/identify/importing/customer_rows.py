"""One row of a customers file → a :class:`CustomerRecord`, or the row's errors.

The columns are those of docs/import-format.md. Phones, emails and ID numbers go
through :mod:`idic.identify.normalise`; coded columns accept their Chinese names
(男/女, 个人/企业, 现实客户/潜在客户 …). Every given attribute is kept with its group
(:data:`ATTRIBUTE_GROUP_OF`) so the importer can keep its history.
"""

from __future__ import annotations

import datetime as dt
from itertools import compress
from typing import NamedTuple

from idic.identify import normalise
from idic.identify.importing import RowError
from idic.identify.importing.columns import Columns
from idic.identify.importing.values import (
    about,
    choice,
    clean,
    parse_amount,
    parse_count,
    parse_date,
    parse_datetime,
    required,
    synonyms,
    too_long,
)
from idic.identify.normalise import InvalidValue
from idic.identify.reasons import reason


# the masking the protect area applies to ID numbers (``110105********2766``); kept
# here because pure logic may not call services
def mask_id_number(value: str) -> str:
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


REQUIRED = ("source", "source_id", "name")
KNOWN = (
    "source",
    "source_id",
    "name",
    "party_type",
    "kind",
    "status",
    "scope",
    "gender",
    "birth_date",
    "phone",
    "email",
    "id_number",
    "member_card",
    "province",
    "city",
    "district",
    "address",
    "company",
    "title",
    "income",
    "marital_status",
    "industry",
    "employees",
    "founded",
    "credit_grade",
    "risk_flag",
    "org_source_id",
    "key_role",
    "created_at",
)
# Columns that are attributes of the customer, and their group (the texts' 客户信息 groups).
ATTRIBUTE_GROUP_OF = {
    "name": "basic",
    "party_type": "basic",
    "kind": "basic",
    "status": "basic",
    "scope": "basic",
    "gender": "basic",
    "birth_date": "basic",
    "marital_status": "family",
    "company": "career",
    "title": "career",
    "income": "career",
    "industry": "org_basic",
    "employees": "org_basic",
    "founded": "org_basic",
    "risk_flag": "org_business",
    "credit_grade": "org_transaction",
}
MAX_LENGTH = {
    "source": 50,
    "source_id": 100,
    "name": 200,
    "member_card": 100,
    "province": 50,
    "city": 50,
    "district": 50,
    "address": 300,
    "company": 200,
    "title": 100,
    "org_source_id": 100,
}

PARTY_TYPES = ("person", "organisation")
KINDS = ("consumer", "industrial", "intermediary", "public_interest")
STATUSES = ("actual", "potential")
SCOPES = ("external", "internal")
GENDERS = ("M", "F", "")
RISK_FLAGS = ("bankrupt", "deregistered", "licence_revoked", "low_credit")
MARITAL = ("single", "married", "divorced", "widowed")
KEY_ROLES = ("decision_maker", "purchaser", "user", "influencer", "executive", "other")

_PARTY = synonyms(
    {
        "person": ("个人", "自然人", "individual"),
        "organisation": ("organization", "org", "company", "企业", "组织", "单位", "公司", "机构"),
    }
)
_KIND = synonyms(
    {
        "consumer": ("消费客户", "消费者", "消费"),
        "industrial": ("产业客户", "产业", "企业客户", "b2b"),
        "intermediary": ("中间客户", "中间商", "经销商", "dealer", "reseller"),
        "public_interest": ("公利客户", "公利", "public interest", "public-interest", "government"),
    }
)
_STATUS = synonyms(
    {
        "actual": ("现实客户", "现实", "现有", "current"),
        "potential": ("潜在客户", "潜在", "prospect"),
    }
)
_SCOPE = synonyms({"external": ("外部客户", "外部"), "internal": ("内部客户", "内部")})
_GENDER = synonyms(
    {
        "M": ("男", "male", "man", "1"),
        "F": ("女", "female", "woman", "2"),
        "": ("未知", "unknown", "0", "9"),
    }
)
_RISK = synonyms(
    {
        "bankrupt": ("破产",),
        "deregistered": ("注销", "已注销"),
        "licence_revoked": ("license_revoked", "吊销", "吊销营业执照", "已吊销"),
        "low_credit": ("信用低", "低信用", "失信"),
    }
)
_MARITAL = synonyms(
    {
        "single": ("未婚", "单身"),
        "married": ("已婚",),
        "divorced": ("离异", "离婚"),
        "widowed": ("丧偶",),
    }
)
_ROLE = synonyms(
    {
        "decision_maker": ("决策者", "决策人", "decision maker"),
        "purchaser": ("采购者", "采购", "采购人", "buyer"),
        "user": ("使用者", "用户"),
        "influencer": ("影响者", "影响人"),
        "executive": ("执行者", "高管", "管理者"),
        "other": ("其他",),
    }
)
_CODED: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    "party_type": (_PARTY, PARTY_TYPES),
    "kind": (_KIND, KINDS),
    "status": (_STATUS, STATUSES),
    "scope": (_SCOPE, SCOPES),
    "gender": (_GENDER, GENDERS),
    "risk_flag": (_RISK, RISK_FLAGS),
    "marital_status": (_MARITAL, MARITAL),
    "key_role": (_ROLE, KEY_ROLES),
}


# columns whose own parser folds and checks the text
_PARSED = frozenset(_CODED) | {
    "phone", "email", "id_number", "birth_date", "created_at", "income", "employees", "founded"
}  # fmt: skip


class CustomerRecord(NamedTuple):
    """A checked customer row; empty strings / None for what the row does not give."""

    row: int
    source: str
    source_id: str
    name: str
    party_type: str
    kind: str
    status: str
    scope: str
    gender: str
    birth_date: dt.date | None
    phone: str  # E.164
    email: str
    id_number: str  # checked 18-character resident ID
    member_card: str
    province: str
    city: str
    district: str
    address: str
    company: str
    title: str
    risk_flag: str
    org_source_id: str
    key_role: str
    created_at: dt.datetime | None
    attributes: tuple[tuple[str, str, str], ...]  # (group, name, value) given in the row
    payload: dict[str, str]  # the row as written (non-empty cells)

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.source_id)

    @property
    def postal_address(self) -> str:
        """The address parts joined, as kept on the postal-address contact point."""
        return " ".join([p for p in (self.province, self.city, self.district, self.address) if p])


class CustomerRowParser:
    """Parses the rows of one customers file (its header already checked)."""

    def __init__(self, columns: Columns, *, tz: dt.tzinfo, country: str = "86") -> None:
        self.names = columns.names
        self.extra = columns.attributes
        self.tz = tz
        self.country = country
        given = set(columns.names)
        self.plain = frozenset(_PARSED) & given
        # only the columns this file has are looked at, row after row
        self.limits = [(c, n) for c, n in MAX_LENGTH.items() if c in given]
        # a row none of whose values is longer than this needs no length check
        self.shortest_limit = min((n for _, n in self.limits), default=0)
        self.coded = [(c, t) for c, t in _CODED.items() if c in given]
        self.attribute_columns = [(c, g) for c, g in ATTRIBUTE_GROUP_OF.items() if c in given]
        self.address_parts = [c for c in ("province", "city", "district", "address") if c in given]

    def parse(self, row: int, cells: list[str]) -> CustomerRecord | list[RowError]:
        # the cells as written, empty ones left out (the payload kept of the record)
        raw = dict(compress(zip(self.names, cells, strict=False), cells))
        errors: list[RowError] = []
        # free text is cleaned here; phones, emails, IDs, dates and codes by their parsers
        plain = self.plain
        val = {
            name: (
                text.strip()
                if name in plain
                # ``clean`` of ASCII text, without the call (every cell of every row)
                else " ".join(text.split())
                if text.isascii()
                else clean(text)
            )
            for name, text in raw.items()
        }
        if "" in val.values():
            val = {name: text for name, text in val.items() if text}

        def fail(column: str, reason: str) -> None:
            errors.append(RowError(row, column, raw.get(column, ""), reason))

        for column in REQUIRED:
            if not val.get(column):
                fail(column, required(column))
        if max(map(len, val.values()), default=0) > self.shortest_limit:
            for column, limit in self.limits:
                text = val.get(column)
                if text and len(text) > limit:
                    fail(column, too_long(column, len(text), limit))
        parts = [val[c] for c in self.address_parts if c in val]
        if sum(map(len, parts)) + len(parts) - 1 > MAX_LENGTH["address"]:
            fail(
                "address",
                reason("province, city, district and address together exceed 300 characters"),
            )
        coded: dict[str, str] = {}
        for column, (table, codes) in self.coded:
            if column in val:  # every value in ``val`` is non-empty
                try:
                    coded[column] = choice(val[column], table, codes)
                except InvalidValue as exc:
                    fail(column, about(column, exc))
        birth_date = self._date(val, "birth_date", fail)
        created_at = None
        if "created_at" in val:
            try:
                created_at = parse_datetime(val["created_at"], self.tz)
            except InvalidValue as exc:
                fail("created_at", about("created_at", exc))
        phone = email = id_number = ""
        if "phone" in val:
            try:
                phone = normalise.normalise_phone(val["phone"], self.country)
            except InvalidValue as exc:
                fail("phone", exc.reason)
        if "email" in val:
            try:
                email = normalise.normalise_email(val["email"])
            except InvalidValue as exc:
                fail("email", exc.reason)
        if "id_number" in val:
            try:
                id_number = normalise.checked_id_number(val["id_number"])
            except InvalidValue as exc:
                fail(
                    "id_number",
                    reason(
                        "{problem}; in a workbook, store ID numbers as text", problem=exc.reason
                    ),
                )
        typed: dict[str, str] = {}
        if "income" in val:
            try:
                typed["income"] = str(parse_amount(val["income"]))
            except InvalidValue as exc:
                fail("income", about("income", exc))
        if "employees" in val:
            try:
                typed["employees"] = str(parse_count(val["employees"]))
            except InvalidValue as exc:
                fail("employees", about("employees", exc))
        if "founded" in val:
            founded = val["founded"]
            if not (len(founded) == 4 and founded.isdigit()):
                parsed = self._date(val, "founded", fail)
                founded = parsed.isoformat() if parsed else founded
            typed["founded"] = founded
        org_source_id = val.get("org_source_id", "")
        key_role = coded.get("key_role", "")
        if key_role and not org_source_id:
            fail("key_role", reason("key_role needs org_source_id: the organisation's source_id"))
        if org_source_id and org_source_id == val.get("source_id"):
            fail(
                "org_source_id",
                reason("org_source_id names the row itself: give the organisation's id"),
            )
        if errors:
            return errors
        typed.update(coded)
        if birth_date is not None:
            typed["birth_date"] = birth_date.isoformat()
        attributes = [
            (group, column, typed.get(column, val[column]))
            for column, group in self.attribute_columns
            if column in val
        ]
        for position, group, name in self.extra:
            text = cells[position] if position < len(cells) else ""
            if text:
                attributes.append((group, name, clean(text)))
        # positional, in field order: a record is built for every row of the file
        return CustomerRecord(
            row,
            val["source"],
            val["source_id"],
            val["name"],
            coded.get("party_type", "person"),
            coded.get("kind", "consumer"),
            coded.get("status", "actual"),
            coded.get("scope", "external"),
            coded.get("gender", ""),
            birth_date,
            phone,
            email,
            id_number,
            val.get("member_card", "").replace(" ", ""),
            val.get("province", ""),
            val.get("city", ""),
            val.get("district", ""),
            val.get("address", ""),
            val.get("company", ""),
            val.get("title", ""),
            coded.get("risk_flag", ""),
            org_source_id,
            key_role or ("other" if org_source_id else ""),
            created_at,
            tuple(attributes),
            # the payload: the row as written, but the ID number masked (it is kept sealed)
            {**raw, "id_number": mask_id_number(id_number)} if id_number else raw,
        )

    @staticmethod
    def _date(val: dict[str, str], column: str, fail) -> dt.date | None:
        text = val.get(column)
        if not text:
            return None
        try:
            return parse_date(text)
        except InvalidValue as exc:
            fail(column, about(column, exc))
            return None
