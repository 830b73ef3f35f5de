"""Data classification and masking: pure rules, no Django.

The texts (000 §3.7.1) grade customer information as 高度保密 (secret),
中等机密 (confidential) and 一般 (general). Every customer field has a level;
a role sees a field up to its clearance and a masked form beyond it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import IntEnum


class Level(IntEnum):
    """Classification levels, ordered so a higher clearance covers the lower ones."""

    GENERAL = 1  # 一般
    CONFIDENTIAL = 2  # 中等机密
    SECRET = 3  # 高度保密

    @property
    def label_zh(self) -> str:
        return {1: "一般", 2: "中等机密", 3: "高度保密"}[int(self)]


ROLE_CLEARANCE: dict[str, Level] = {
    "admin": Level.SECRET,
    "agent": Level.CONFIDENTIAL,
    "analyst": Level.GENERAL,
}
ROLES = tuple(ROLE_CLEARANCE)

# Customer fields and their level. Anything not listed is confidential by default,
# so a new field is never shown by accident.
FIELD_LEVELS: dict[str, Level] = {
    "id": Level.GENERAL,
    "party_type": Level.GENERAL,
    "kind": Level.GENERAL,
    "status": Level.GENERAL,
    "scope": Level.GENERAL,
    "name": Level.GENERAL,
    "gender": Level.GENERAL,
    "province": Level.GENERAL,
    "city": Level.GENERAL,
    "company": Level.GENERAL,
    "title": Level.GENERAL,
    "created_at": Level.GENERAL,
    "updated_at": Level.GENERAL,
    "risk_flag": Level.GENERAL,
    "birth_date": Level.CONFIDENTIAL,
    "district": Level.CONFIDENTIAL,
    "address": Level.CONFIDENTIAL,
    "phone": Level.CONFIDENTIAL,
    "email": Level.CONFIDENTIAL,
    "fax": Level.CONFIDENTIAL,
    "social": Level.CONFIDENTIAL,
    "member_card": Level.CONFIDENTIAL,
    "account_number": Level.SECRET,
    "income": Level.SECRET,
    "id_number": Level.SECRET,
    "national_id": Level.SECRET,
    "credit_grade": Level.CONFIDENTIAL,
}

# Contact-point and identifier kinds map onto field names above.
CONTACT_FIELD = {
    "phone": "phone",
    "email": "email",
    "address": "address",
    "fax": "fax",
    "social": "social",
}


def level_of(field: str) -> Level:
    """The classification of a field; unknown fields are confidential."""
    return FIELD_LEVELS.get(field, Level.CONFIDENTIAL)


def clearance_of(role: str) -> Level:
    """A role's clearance; an unknown role sees only general fields."""
    return ROLE_CLEARANCE.get(role, Level.GENERAL)


def can_see(role: str, field: str) -> bool:
    return clearance_of(role) >= level_of(field)


def mask_id_number(value: str) -> str:
    """``110105199001012766`` → ``110105********2766``: region and check part kept."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """``+8613812345678`` → ``+86138****5678``; short numbers keep the last two digits."""
    digits_at = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits_at) < 7:
        return re.sub(r"\d(?=\d{2})", "*", value)
    chars = list(value)
    for i in digits_at[-8:-4]:
        chars[i] = "*"
    return "".join(chars)


def mask_email(value: str) -> str:
    """``zhang.wei@example.com`` → ``z***@example.com``."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_text(value)
    return (local[:1] or "*") + "***@" + domain


def mask_text(value: str) -> str:
    """Keep the first character, hide the rest (addresses, names, free text)."""
    if not value:
        return value
    return value[:1] + "*" * min(len(value) - 1, 8)


def mask_date(value: str) -> str:
    """``1990-01-01`` → ``1990-**-**``: the year stays for age bands."""
    return value[:4] + "-**-**" if len(value) >= 4 else "****"


MASKERS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "national_id": mask_id_number,
    "account_number": mask_id_number,
    "member_card": mask_id_number,
    "phone": mask_phone,
    "fax": mask_phone,
    "email": mask_email,
    "birth_date": mask_date,
}


def mask(field: str, value: str) -> str:
    """The masked form of a field's value."""
    if value in ("", None):
        return value
    return MASKERS.get(field, mask_text)(str(value))


def reveal(role: str, field: str, value):
    """What ``role`` may see of ``value``: the value itself, or its mask."""
    if value is None or value == "":
        return value
    if can_see(role, field):
        return value
    return mask(field, str(value))
