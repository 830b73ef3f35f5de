"""From scored pairs to groups of records: the step between the model and the merge.

The Fellegi–Sunter model scores each field on its own, so a family shows up as strong
evidence: two members share the street address and the home landline, and a sibling's
name often differs from one's own in a single character. Whatever the model says, two
records that share a *home* and agree on nothing *personal* are never merged by
themselves; they go to the review queue. Home: the same street address in the same
city, or a phone in common that is not a mobile (a landline rings for the whole
family). Personal: the name's sound, a given name of two characters (a slip in the
surname, 王宁德 → 玉宁德, does not make a relative; 李悦 and 王悦 may be mother and
daughter), the birth date, the ID number, the email, the member card
or a mobile in common; the name's syllables in another order count only
when birth date, email and gender do not disagree (brothers 泽飞 and 飞泽 share them).

Then :func:`decide` clusters the pairs (:mod:`clusters`): pairs at or above the match
threshold are joined strongest first; pairs the model scores below
:data:`model.APART_BELOW` keep their records apart; pairs from :data:`POSSIBLE_AT` up
to the match threshold join only where unambiguous — the two sides have no other such
partner. A record that holds little (a call-centre record: a name, a phone, a city)
shares only its name and city with the person's other records; that evidence is
too weak to merge on when the name is common, but it is enough when nobody else in
the base resembles the record. Pure: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from idic.identify.matching import clusters, names

# the least probability of a pair that joins when unambiguous (measured on the demo
# data with bench/identify_cn.py: 0.1 to 0.3 do about as well)
POSSIBLE_AT = 0.2
_PERSONAL = ("name_pinyin", "birth_date", "id_key", "email", "member_card")
_CHECKED = ("birth_date", "email", "gender")  # what must not disagree for syllables
_NEEDED = (
    "unique_id", "street", "city", "phones", "mobiles", "name_key", "name_syllables", "gender",
    *_PERSONAL,
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
    same_street = (
        left["street"].notna().to_numpy()
        & (left["street"].to_numpy() == right["street"].to_numpy())
        & (left["city"].to_numpy() == right["city"].to_numpy())
    )
    personal = np.zeros(len(pairs), dtype=bool)
    for column in _PERSONAL:
        personal |= left[column].notna().to_numpy() & (
            left[column].to_numpy() == right[column].to_numpy()
        )
    syllables = left["name_syllables"].notna().to_numpy() & (
        left["name_syllables"].to_numpy() == right["name_syllables"].to_numpy()
    )
    for column in _CHECKED:
        syllables &= ~(
            left[column].notna().to_numpy()
            & right[column].notna().to_numpy()
            & (left[column].to_numpy() != right[column].to_numpy())
        )
    personal |= syllables
    personal |= [
        _same_given(a, b)
        for a, b in zip(left["name_key"].to_numpy(), right["name_key"].to_numpy(), strict=True)
    ]
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
