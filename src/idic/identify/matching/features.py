"""Comparison features of a source record: the columns the matching model compares.

A :class:`RecordFacts` is what one source record says (as the importer kept it, or as
a file row gives it); :func:`record_features` turns it into one row of derived
columns, :func:`feature_frame` into a pandas table with one row per record:

- ``name_key``: the name in simplified characters (an organisation: its core name);
- ``name_pinyin``: toneless pinyin tokens in sorted order (张伟 = 章伟 = Wei Zhang);
  ``name_sound`` the same as ``surname given`` for string similarity;
  ``name_syllables`` the sorted syllables (周东德 = 周德东), and ``name_triple`` the
  same as a list for a name of three syllables (王彤娟 and 玉桐娟 share two of them);
- ``phones``: every phone of the record in E.164, old numbers included; ``phone``
  the first of them; ``mobiles`` the Chinese mobile numbers among them;
- ``email``, ``email_user`` (the part before ``@``);
- ``id_key`` (the ID number, or its keyed digest when the caller gives one),
  ``id_valid``, and the birth date and gender the ID number encodes, used where the
  record gives none of its own;
- ``birth_date`` (ISO), ``birth_year``; ``gender`` (``M``/``F``);
- ``province``, ``city``, ``district``, ``street`` from the address splitter;
- ``member_card``; ``company``, a person's employer as its core name (without legal
  form, brackets, or the record's own province and city: :func:`names.organisation_core`).

Missing values are ``None`` so the model treats them as "no evidence".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from idic.identify import normalise
from idic.identify.importing.values import parse_date
from idic.identify.matching import addresses, names

_GENDERS = {
    "m": "M", "male": "M", "man": "M", "男": "M", "1": "M",
    "f": "F", "female": "F", "woman": "F", "女": "F", "2": "F",
}  # fmt: skip
ORGANISATION = "organisation"
_ORGANISATION_WORDS = frozenset(
    ("organisation", "organization", "org", "company", "企业", "组织", "单位", "公司", "机构")
)
_MOBILE = re.compile(r"^\+861[3-9]\d{9}$")
COLUMNS = (
    "unique_id", "party_type", "name_key", "name_pinyin", "name_sound", "name_syllables",
    "name_triple",
    "phones", "mobiles", "phone", "email", "email_user", "id_key", "id_valid", "birth_date", "birth_year", "gender", "member_card",
    "company", "province", "city", "district", "street",
)  # fmt: skip


@dataclass(frozen=True)
class RecordFacts:
    """What one source record says, in its raw or normalised form."""

    record_id: int
    name: str
    party_type: str = "person"
    gender: str = ""
    birth_date: str = ""
    phones: Sequence[str] = field(default_factory=tuple)
    emails: Sequence[str] = field(default_factory=tuple)
    id_number: str = ""
    id_digest: str = ""  # when given, compared instead of the ID number itself
    member_card: str = ""
    company: str = ""  # a person's employer
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""


@lru_cache(maxsize=256)
def gender_code(raw: str) -> str | None:
    """``M``, ``F`` or None from the ways sources write a gender (男, female, 1 …)."""
    return _GENDERS.get(normalise.fold(raw).casefold()) if raw else None


@lru_cache(maxsize=1 << 16)
def birth_date_of(raw: str) -> str | None:
    """The ISO form of a birth date in any accepted format, or None if not a date."""
    if not raw:
        return None
    try:
        return parse_date(normalise.fold(raw)).isoformat()
    except ValueError:
        return None


def phones_of(raws: Iterable[str]) -> list[str]:
    """The E.164 forms of the phones, sorted, without repeats; unreadable ones dropped."""
    out = set()
    for raw in raws:
        if not raw:
            continue
        if raw.startswith("+") and raw[1:].isdigit():
            out.add(raw)
            continue
        try:
            out.add(normalise.normalise_phone(raw))
        except normalise.InvalidValue:
            continue
    return sorted(out)


def email_of(raws: Iterable[str]) -> str | None:
    """The first readable email address, lower-cased."""
    for raw in raws:
        if raw:
            try:
                return normalise.normalise_email(raw)
            except normalise.InvalidValue:
                continue
    return None


def id_facts(raw: str) -> normalise.IdNumber | None:
    """The parsed ID number (check digit verified), or None when absent or invalid."""
    if not raw:
        return None
    try:
        return normalise.parse_id_number(raw)
    except normalise.InvalidValue:
        return None


_Names = tuple[str | None, str | None, str | None, str | None]


@lru_cache(maxsize=1 << 18)
def _person_name(name: str) -> _Names:
    keys = names.name_keys(name)
    return tuple(k or None for k in keys)  # type: ignore[return-value]


@lru_cache(maxsize=1 << 16)
def _organisation_name(name: str, province: str, city: str) -> _Names:
    core = names.organisation_core(name, province, city)
    sound = " ".join(names.char_pinyin(ch) for ch in core) if core else ""
    return core or None, sound or None, sound or None, sound or None


@lru_cache(maxsize=1 << 18)
def _address(province: str, city: str, district: str, address: str) -> addresses.Address:
    return addresses.address_parts(province, city, district, address)


@lru_cache(maxsize=1 << 16)
def _employer(company: str, province: str, city: str) -> str | None:
    return (names.organisation_core(company, province, city) or None) if company else None


def _triple(syllables: str | None) -> list[str] | None:
    parts = syllables.split(" ") if syllables else []
    return parts if len(parts) == 3 else None


def record_features(facts: RecordFacts) -> dict:
    """One row of comparison columns (see the module docstring) for ``facts``."""
    place = _address(facts.province, facts.city, facts.district, facts.address)
    if facts.party_type == ORGANISATION:
        name_keys = _organisation_name(facts.name, place.province, place.city)
    else:
        name_keys = _person_name(facts.name)
    ident = id_facts(facts.id_number)
    birth = birth_date_of(facts.birth_date)
    if birth is None and ident is not None:
        birth = ident.birth_date.isoformat()
    gender = gender_code(facts.gender)
    if gender is None and ident is not None:
        gender = ident.gender
    phones = phones_of(facts.phones)
    email = email_of(facts.emails)
    card = normalise.fold(facts.member_card).replace(" ", "") if facts.member_card else ""
    id_key = facts.id_digest or (ident.value if ident else "")
    return {
        "unique_id": facts.record_id,
        "party_type": facts.party_type or "person",
        "name_key": name_keys[0],
        "name_pinyin": name_keys[1],
        "name_sound": name_keys[2],
        "name_syllables": name_keys[3],
        "name_triple": _triple(name_keys[3]) if facts.party_type != ORGANISATION else None,
        "phones": phones or None,
        "mobiles": [p for p in phones if _MOBILE.match(p)] or None,
        "phone": phones[0] if phones else None,
        "email": email,
        "email_user": email.split("@", 1)[0] if email else None,
        "id_key": id_key or None,
        "id_valid": ident is not None if facts.id_number else None,
        "birth_date": birth,
        "birth_year": birth[:4] if birth else None,
        "gender": gender,
        "member_card": card or None,
        "company": (
            _employer(facts.company, place.province, place.city)
            if facts.party_type != ORGANISATION
            else None
        ),
        "province": place.province or None,
        "city": place.city or None,
        "district": place.district or None,
        "street": place.street or None,
    }


def facts_from_row(record_id: int, row: dict[str, str]) -> RecordFacts:
    """The facts of one row of a customers file (``docs/import-format.md``), as written."""
    get = row.get
    party = (get("party_type") or "").strip().lower()
    return RecordFacts(
        record_id=record_id,
        name=get("name") or "",
        party_type=ORGANISATION if party in _ORGANISATION_WORDS else "person",
        gender=get("gender") or "",
        birth_date=get("birth_date") or "",
        phones=(get("phone") or "",),
        emails=(get("email") or "",),
        id_number=get("id_number") or "",
        member_card=get("member_card") or "",
        company=get("company") or "",
        province=get("province") or "",
        city=get("city") or "",
        district=get("district") or "",
        address=get("address") or "",
    )


def feature_frame(records: Iterable[RecordFacts]) -> pd.DataFrame:
    """The feature rows of ``records`` as a table with the columns :data:`COLUMNS`."""
    rows = [record_features(r) for r in records]
    return pd.DataFrame.from_records(rows, columns=list(COLUMNS))
