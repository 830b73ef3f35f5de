"""From scored pairs to groups of records: the step between the model and the merge.

The Fellegi–Sunter model scores each field on its own, so a family shows up as strong
evidence: two members share the street address and the home landline, and a sibling's
name often differs from one's own in a single character. Whatever the model says, two
records that share a *home* and agree on nothing *personal* are never merged by
themselves; they go to the review queue. Home: the same street address in the same
city, or a phone in common that is not a mobile (a landline rings for the whole
family). Personal: the name in the same characters, the birth date, the ID number, the
member card, a mobile in common, or an email at most two slips apart. A name that is
alike without being the same — the same sound (宋平, 宋萍), the syllables in another
order (泽飞, 飞泽), a given name of two characters under another surname (a slip in the
surname, 王宁德 → 玉宁德; 李悦 and 王悦 may be mother and daughter) — counts only when
nothing personal differs: birth date (month and day swapped is the same date), ID
number, member card, gender, or an email more than two slips away. Organisations have
no family.

Then :func:`decide` clusters the pairs (:mod:`clusters`): pairs at or above the match
threshold are joined strongest first; pairs the model scores below
:data:`model.APART_BELOW` with a field against them keep their records apart; pairs
from :data:`POSSIBLE_AT` up to the match threshold join only where unambiguous — the
records resemble one another and nobody else, or are each other's clearly best
partner. A record that holds little (a call-centre record: a name, a phone, a city)
shares only its name and city with the person's other records; that evidence is too
weak to merge on when the name is common, but it is enough when nobody else in the
base resembles the record. Pure: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from idic.identify.matching import clusters, features, names

# the least probability of a pair that joins when unambiguous (measured on the demo
# data with bench/identify_cn.py: 0.1 to 0.3 do about as well)
POSSIBLE_AT = 0.2
_PERSONAL = ("name_key", "birth_date", "id_key", "email", "member_card")
_DIFFERENT = ("birth_date", "id_key", "member_card", "gender")  # besides the email
_NEEDED = (
    "unique_id", "party_type", "street", "city", "phones", "mobiles", "name_pinyin",
    "name_syllables", "gender", *_PERSONAL,
)  # fmt: skip


@dataclass
class Decision:
    """The clusters, and the pairs held back because they look like one family."""

    clusters: clusters.Clusters
    household: set[tuple[int, int]] = field(default_factory=set)


def _listed(value: object) -> frozenset[str]:
    if value is None or isinstance(value, float):  # None or NaN: no value
        return frozenset()
    return frozenset(str(v) for v in value)  # type: ignore[attr-defined]


def _same_given(a: object, b: object) -> bool:
    """Two Chinese names of three characters or more that differ only in the first."""
    if not isinstance(a, str) or not isinstance(b, str) or len(a) != len(b) or len(a) < 3:
        return False
    return a[1:] == b[1:] and not names.is_latin(a) and not names.is_latin(b)


def edits(a: str, b: str, *, limit: int = 2) -> int:
    """The number of slips between two strings (a character replaced, added or dropped,
    or two neighbours swapped), counted up to ``limit + 1``: the optimal string
    alignment distance, over the band of the table within ``limit`` of its diagonal."""
    if a == b:
        return 0
    big = limit + 1
    if abs(len(a) - len(b)) > limit:
        return big
    width = len(b)
    before: list[int] = []
    row = [min(j, big) for j in range(width + 1)]
    for i in range(1, len(a) + 1):
        current = [big] * (width + 1)
        current[0] = min(i, big)
        low, high = max(1, i - limit), min(width, i + limit)
        x = a[i - 1]
        for j in range(low, high + 1):
            y = b[j - 1]
            cost = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, before[j - 2] + 1)
            current[j] = min(cost, big)
        if current[0] >= big and min(current[low : high + 1]) >= big:
            return big
        before, row = row, current
    return row[width]


def _alike_emails(a: object, b: object) -> bool:
    """Two email addresses at most two slips apart (a typo and a swap)."""
    return isinstance(a, str) and isinstance(b, str) and edits(a, b) <= 2


def _swapped(a: object, b: object) -> bool:
    """Two ISO dates with month and day swapped."""
    return (
        isinstance(a, str)
        and isinstance(b, str)
        and a[:4] == b[:4]
        and a[5:7] == b[8:10]
        and a[8:10] == b[5:7]
    )


def _known(left: pd.DataFrame, right: pd.DataFrame, column: str) -> np.ndarray:
    return left[column].notna().to_numpy() & right[column].notna().to_numpy()


def _equal(left: pd.DataFrame, right: pd.DataFrame, column: str) -> np.ndarray:
    return _known(left, right, column) & (left[column].to_numpy() == right[column].to_numpy())


def _pairwise(test, left: pd.DataFrame, right: pd.DataFrame, column: str) -> np.ndarray:
    values = zip(left[column].to_numpy(), right[column].to_numpy(), strict=True)
    return np.fromiter((test(a, b) for a, b in values), dtype=bool, count=len(left))


def household_pairs(pairs: pd.DataFrame, frame: pd.DataFrame) -> set[tuple[int, int]]:
    """The pairs (``unique_id_l``, ``unique_id_r``) of ``pairs`` whose records share a
    home and agree on nothing personal (see the module docstring); ``frame`` holds the
    feature rows of :mod:`features`."""
    if pairs.empty:
        return set()
    missing = [c for c in _NEEDED if c not in frame.columns]
    if missing:
        return set()  # another model (FEBRL's): no homes to compare
    rows = frame.loc[:, list(_NEEDED)].set_index("unique_id")
    found: set[tuple[int, int]] = set()
    left_ids = [int(v) for v in pairs["unique_id_l"]]
    right_ids = [int(v) for v in pairs["unique_id_r"]]
    left = rows.loc[left_ids]
    right = rows.loc[right_ids]
    same_street = _equal(left, right, "street") & (
        left["city"].to_numpy() == right["city"].to_numpy()
    )
    # what only one person has: the same characters of the name, birth date, ID number,
    # member card, an email at most two slips apart; organisations have no family
    personal = left["party_type"].to_numpy() == features.ORGANISATION
    for column in _PERSONAL:
        personal |= _equal(left, right, column)
    personal |= _pairwise(_alike_emails, left, right, "email")
    # a name alike but not the same: relatives' names may sound alike, so it counts only
    # when nothing personal disagrees
    alike = _equal(left, right, "name_pinyin") | _equal(left, right, "name_syllables")
    alike |= _pairwise(_same_given, left, right, "name_key")
    disagree = np.zeros(len(pairs), dtype=bool)
    for column in _DIFFERENT:
        disagree |= _known(left, right, column) & ~_equal(left, right, column)
    disagree &= ~_pairwise(_swapped, left, right, "birth_date")
    disagree |= _known(left, right, "email") & ~_pairwise(_alike_emails, left, right, "email")
    personal |= alike & ~disagree
    for i, (a, b) in enumerate(zip(left_ids, right_ids, strict=True)):
        if personal[i]:
            continue
        mobiles = _listed(left["mobiles"].iat[i]) & _listed(right["mobiles"].iat[i])
        if mobiles:
            continue
        shared = _listed(left["phones"].iat[i]) & _listed(right["phones"].iat[i])
        if same_street[i] or shared:
            found.add((a, b) if a <= b else (b, a))
    return found


def _edges(pairs: pd.DataFrame) -> list[clusters.Edge]:
    return [
        clusters.Edge(int(a), int(b), float(p))
        for a, b, p in zip(
            pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"], strict=True
        )
    ]


def decide(
    records: Iterable[int],
    pairs: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    threshold_match: float,
    possible_at: float = POSSIBLE_AT,
    apart: pd.DataFrame | Sequence[tuple[int, int]] = (),
    fixed: Iterable[tuple[int, int]] = (),
    matches: Iterable[tuple[int, int]] = (),
    non_matches: Iterable[tuple[int, int]] = (),
) -> Decision:
    """Cluster ``records`` from the scored ``pairs`` (``unique_id_l``, ``unique_id_r``,
    ``match_probability``) and the review decisions; see the module docstring.

    Pairs at or above ``threshold_match`` are matches; pairs from ``possible_at`` up to
    it join only where unambiguous; ``apart`` pairs (:func:`model.predict_links`) keep
    their records apart. Pairs held back as one household are in the result's
    ``household``, for review."""
    scored = pairs[pairs["match_probability"] >= min(possible_at, threshold_match)]
    household = household_pairs(scored, frame)
    if household:
        ids = zip(scored["unique_id_l"].astype(int), scored["unique_id_r"].astype(int), strict=True)
        free = [(min(p), max(p)) not in household for p in ids]
        scored = scored[free]
    strong = scored["match_probability"] >= threshold_match
    if isinstance(apart, pd.DataFrame):
        apart_pairs = list(
            zip(apart["unique_id_l"].astype(int), apart["unique_id_r"].astype(int), strict=True)
        )
    else:
        apart_pairs = list(apart)
    result = clusters.cluster(
        records,
        _edges(scored[strong]),
        fixed=fixed,
        matches=matches,
        non_matches=non_matches,
        apart=apart_pairs,
        possible=_edges(scored[~strong]),
    )
    return Decision(result, household)
