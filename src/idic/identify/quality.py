"""Data-quality signals from the texts: old data is less trustworthy, and some
organisations are high-risk. Pure: no Django, no I/O.

**Confidence decays with age** (002:L93, L269: accuracy decays, so judge each batch's
confidence; 000 §3.6: demographic data changes rarely, attitude and behaviour often).
A value collected ``age`` ago with confidence ``c`` is worth ``c × 0.5 ** (age / half_life)``
today, with a half-life per attribute group:

========================  ==========  =============================================
group                     half-life   why
========================  ==========  =============================================
basic, org_basic          20 years    name, gender, birth date, founding data: stable
family                    8 years     marriage, children change over years
career                    4 years     employer and position change every few years
contact                   3 years     phones, emails, addresses (not an attribute
                                      group, used for contact points)
org_business              2 years     business status, licences, credit grade
org_transaction           2 years     terms, closeness, willingness
preference                2 years     channels, promotions, visits
psychological, behaviour  1 year      attitude and behaviour change often
========================  ==========  =============================================

A group not listed decays like ``career``. A value dated in the future keeps its
confidence.

**High-risk organisations** (002:L93): 破产 bankrupt, 注销 deregistered, 吊销 licence
revoked, 低信用等级 low credit. :func:`risk_flags` reads them from the ``risk_flag`` code and
from attribute text in Chinese or English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

DAYS_PER_YEAR = 365.25
HALF_LIFE_YEARS: dict[str, float] = {
    "basic": 20.0,
    "org_basic": 20.0,
    "family": 8.0,
    "career": 4.0,
    "contact": 3.0,
    "org_business": 2.0,
    "org_transaction": 2.0,
    "preference": 2.0,
    "psychological": 1.0,
    "behaviour": 1.0,
}
DEFAULT_HALF_LIFE_YEARS = HALF_LIFE_YEARS["career"]

# Flags in the order of severity (the most severe first), as stored in ``risk_flag``.
RISK_FLAGS = ("bankrupt", "licence_revoked", "deregistered", "low_credit")
_RISK_WORDS: dict[str, tuple[str, ...]] = {
    "bankrupt": ("破产", "bankrupt", "insolven", "清算"),
    "licence_revoked": ("吊销", "licence revoked", "license revoked"),
    "deregistered": ("注销", "deregistered", "dissolved"),
    "low_credit": ("低信用", "信用等级低", "信用差", "失信", "low credit", "poor credit"),
}
# Attributes whose value is a credit grade: C and D grades (and below) are low credit.
_CREDIT_ATTRIBUTES = ("credit_grade", "credit_rating", "信用等级")
_LOW_GRADE = re.compile(r"^(C{1,3}|D|[CD][+-]?|E)$")
# A negation in front of a risk word ("未破产", "not bankrupt") does not flag.
_NEGATED = re.compile(r"(未|没有|无|非|not |no )$")


def decayed_confidence(
    confidence: float, *, collected_at: datetime, now: datetime, group: str
) -> float:
    """The confidence a value collected at ``collected_at`` still deserves at ``now``."""
    age_days = (now - collected_at).total_seconds() / 86_400
    if age_days <= 0:
        return confidence
    half_life = HALF_LIFE_YEARS.get(group, DEFAULT_HALF_LIFE_YEARS) * DAYS_PER_YEAR
    return confidence * 0.5 ** (age_days / half_life)


def is_stale(
    confidence: float, *, collected_at: datetime, now: datetime, group: str, floor: float = 0.5
) -> bool:
    """True when the value has decayed below ``floor`` (by default: past one half-life)."""
    return decayed_confidence(confidence, collected_at=collected_at, now=now, group=group) < floor


def _mentions(text: str, word: str) -> bool:
    lowered = text.casefold()
    start = lowered.find(word)
    while start >= 0:
        if not _NEGATED.search(lowered[:start]):
            return True
        start = lowered.find(word, start + 1)
    return False


def flags_in_text(text: str) -> set[str]:
    """The risk flags a piece of text states (``营业执照已吊销`` → licence_revoked)."""
    found = set()
    for flag, words in _RISK_WORDS.items():
        if any(_mentions(text, w) for w in words):
            found.add(flag)
    return found


def risk_flags(*, risk_flag: str = "", attributes: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Every high-risk flag of an organisation, most severe first.

    ``attributes`` are (name, value) pairs of its current attribute values; a credit
    grade attribute of C or D counts as low credit.
    """
    found = {risk_flag} & set(RISK_FLAGS)
    for name, value in attributes:
        text = (value or "").strip()
        if name in _CREDIT_ATTRIBUTES and _LOW_GRADE.match(text.upper()):
            found.add("low_credit")
        found |= flags_in_text(text)
    return [f for f in RISK_FLAGS if f in found]


def most_severe(flags: Iterable[str]) -> str:
    """The most severe of some flags, or "" when there is none."""
    present = set(flags)
    return next((f for f in RISK_FLAGS if f in present), "")
