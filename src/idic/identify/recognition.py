"""Recognition scoring: is this input the same customer as that candidate? Pure: no Django.

A Fellegi–Sunter scorer. Each field of the input is compared with the candidate's and
falls into one agreement level; each level has an *m* probability (of that level among
true matches) and a *u* probability (among non-matches). The match weight is
``log2(λ/(1-λ)) + Σ log2(m/u)`` over the fields both sides have, and the probability is
``2**w / (1 + 2**w)``. A field missing on either side adds nothing.

Both sides are the feature rows of ``idic.identify.matching.features`` (simplified name
key, sorted pinyin tokens, E.164 phones, lower-case email, ID digest, birth date and
gender — read from the ID number when not given —, address split into province / city /
district / street). A candidate may add ``former_phones`` (old numbers kept in history),
``emails``, ``id_keys`` and ``member_cards`` (all it has).

Default m/u values (below) are set from what the fields mean in a base of about a
million people, where λ = 1e-6 (one true match among a million candidates):

- a mobile phone is shared by a household, so an exact phone has u 2e-6; a phone only
  in the history (an old number) is weaker evidence than a current one;
- a resident ID number or member card belongs to one person (u 1e-8; their m leaves
  room for a wrong number on file);
- about one pair in 5,000 share a full name (common names such as 张伟), so an exact
  name has u 2e-4; same pinyin but other characters (章伟 typed for 张伟 by an input
  method, the commonest entry error) has m 0.08 and u 1e-4;
- a birth date is shared by one pair in about 20,000 (u 5e-5); when the ID numbers
  agree, birth date and gender (encoded in the ID number) are not counted again.

So a phone and a name, or a name and a birth date, make a match; a phone alone is only a
possible match (a family shares it); a family member with the same phone but another name
and birth date is new. ``settings.DATA_DIR / "identity-model.json"`` (written by batch
resolution) replaces any of these values: see :func:`model_from_json`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import jellyfish

DEFAULT_PRIOR = 1e-6
MATCH_AT = 0.95  # at or above: the same customer
POSSIBLE_AT = 0.2  # at or above (and below MATCH_AT): a possible match for a person to check
NAME_SIMILAR_AT = 0.85  # Jaro–Winkler on the simplified name
PINYIN_SIMILAR_AT = 0.92  # Jaro–Winkler on the pinyin key
STREET_SIMILAR_AT = 0.88

Status = Literal["match", "possible", "new"]
MU = tuple[float, float]

# field → level → (m, u); the levels of each field, strongest agreement first.
DEFAULT_M_U: dict[str, dict[str, MU]] = {
    "name": {
        "exact": (0.85, 2e-4),
        "pinyin": (0.08, 1e-4),
        "similar": (0.04, 2e-3),
        "different": (0.03, 0.9977),
    },
    "phone": {
        "exact": (0.85, 2e-6),
        "former": (0.08, 2e-6),
        "different": (0.07, 1.0),
    },
    "email": {"exact": (0.85, 1e-6), "different": (0.15, 1.0)},
    "id_number": {"exact": (0.97, 1e-8), "different": (0.03, 1.0)},
    "member_card": {"exact": (0.95, 1e-8), "different": (0.05, 1.0)},
    "birth_date": {
        "exact": (0.90, 5e-5),
        "close": (0.04, 1e-3),
        "different": (0.06, 0.999),
    },
    "gender": {"agree": (0.97, 0.5), "different": (0.03, 0.5)},
    "address": {
        "exact": (0.45, 3e-6),
        "similar": (0.15, 1e-4),
        "same_city": (0.25, 0.05),
        "different": (0.15, 0.95),
    },
}
FIELDS = tuple(DEFAULT_M_U)


class BadModel(ValueError):
    """An identity model file that cannot be used; the message says what is wrong."""


@dataclass(frozen=True)
class Model:
    m_u: Mapping[str, Mapping[str, MU]] = field(default_factory=lambda: DEFAULT_M_U)
    prior: float = DEFAULT_PRIOR
    match_at: float = MATCH_AT
    possible_at: float = POSSIBLE_AT


DEFAULT_MODEL = Model()


@dataclass(frozen=True)
class FieldEvidence:
    field: str
    level: str
    weight: float  # log2(m/u): positive agrees, negative disagrees

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "level": self.level, "weight": round(self.weight, 2)}


@dataclass(frozen=True)
class Score:
    weight: float
    probability: float
    evidence: tuple[FieldEvidence, ...]

    @property
    def agreed(self) -> list[str]:
        return [e.field for e in self.evidence if e.weight > 0]

    @property
    def disagreed(self) -> list[str]:
        return [e.field for e in self.evidence if e.weight < 0]

    def why(self) -> dict[str, Any]:
        return {
            "agreed": self.agreed,
            "disagreed": self.disagreed,
            "fields": [e.as_dict() for e in self.evidence],
            "match_weight": round(self.weight, 2),
        }


# ---- comparisons ---------------------------------------------------------------------


def _values(features: Mapping[str, Any], many: str, one: str) -> set[str]:
    found = set(features.get(many) or ())
    if features.get(one):
        found.add(features[one])
    return {v for v in found if v}


def _near(a: str, b: str) -> bool:
    """Two characters swapped (郭雷莉 / 郭莉雷), or one character of three or more
    replaced (陈帅平 / 阵帅平, a look-alike typed by mistake)."""
    if len(a) != len(b):
        return False
    if sorted(a) == sorted(b):
        return True
    return len(a) >= 3 and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _name_level(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    key_a, key_b = a.get("name_key"), b.get("name_key")
    if not key_a or not key_b:
        return None
    if key_a == key_b:
        return "exact"
    sound_a, sound_b = a.get("name_pinyin"), b.get("name_pinyin")
    if sound_a and sound_a == sound_b:
        return "pinyin"
    if _near(key_a, key_b) or jellyfish.jaro_winkler_similarity(key_a, key_b) >= NAME_SIMILAR_AT:
        return "similar"
    if (
        sound_a
        and sound_b
        and jellyfish.jaro_winkler_similarity(sound_a, sound_b) >= PINYIN_SIMILAR_AT
    ):
        return "similar"
    return "different"


def _phone_level(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    given = _values(a, "phones", "phone")
    former = set(b.get("former_phones") or ())
    current = _values(b, "phones", "phone") - former
    if not given or not (current or former):
        return None
    if given & current:
        return "exact"
    if given & former:
        return "former"
    return "different"


def _set_level(a: Mapping[str, Any], b: Mapping[str, Any], many: str, one: str) -> str | None:
    left, right = _values(a, many, one), _values(b, many, one)
    if not left or not right:
        return None
    return "exact" if left & right else "different"


def _birth_level(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    left, right = a.get("birth_date"), b.get("birth_date")
    if not left or not right:
        return None
    if left == right:
        return "exact"
    try:
        x, y = date.fromisoformat(left), date.fromisoformat(right)
    except ValueError:
        return "different"
    swapped = x.year == y.year and x.month == y.day and x.day == y.month
    one_digit = sum(p != q for p, q in zip(left, right, strict=False)) == 1
    return "close" if swapped or one_digit else "different"


def _gender_level(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    left, right = a.get("gender"), b.get("gender")
    if not left or not right:
        return None
    return "agree" if left == right else "different"


def _address_level(a: Mapping[str, Any], b: Mapping[str, Any]) -> str | None:
    if not (a.get("street") or a.get("city")) or not (b.get("street") or b.get("city")):
        return None
    same = [a.get(p) == b.get(p) for p in ("province", "city", "district")]
    street_a, street_b = a.get("street") or "", b.get("street") or ""
    if all(same) and street_a and street_a == street_b:
        return "exact"
    if (
        all(same)
        and street_a
        and street_b
        and jellyfish.jaro_winkler_similarity(street_a, street_b) >= STREET_SIMILAR_AT
    ):
        return "similar"
    if a.get("city") and a.get("city") == b.get("city"):
        return "same_city"
    return "different"


def compare(given: Mapping[str, Any], candidate: Mapping[str, Any]) -> dict[str, str]:
    """The agreement level of each field both sides have."""
    levels = {
        "name": _name_level(given, candidate),
        "phone": _phone_level(given, candidate),
        "email": _set_level(given, candidate, "emails", "email"),
        "id_number": _set_level(given, candidate, "id_keys", "id_key"),
        "member_card": _set_level(given, candidate, "member_cards", "member_card"),
        "birth_date": _birth_level(given, candidate),
        "gender": _gender_level(given, candidate),
        "address": _address_level(given, candidate),
    }
    if levels["id_number"] == "exact":
        # the same ID number encodes the same birth date and gender: no further evidence
        levels["birth_date"] = levels["gender"] = None
    return {f: level for f, level in levels.items() if level is not None}


# ---- scoring -------------------------------------------------------------------------


def probability_of(weight: float) -> float:
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = 2.0**weight
    return odds / (1.0 + odds)


def score_levels(levels: Mapping[str, str], model: Model = DEFAULT_MODEL) -> Score:
    """The match weight and probability of some field levels."""
    weight = math.log2(model.prior / (1.0 - model.prior))
    evidence = []
    for name in FIELDS:
        level = levels.get(name)
        if level is None:
            continue
        m, u = model.m_u[name][level]
        part = math.log2(m / u)
        weight += part
        evidence.append(FieldEvidence(name, level, part))
    return Score(weight, probability_of(weight), tuple(evidence))


def score(
    given: Mapping[str, Any], candidate: Mapping[str, Any], model: Model = DEFAULT_MODEL
) -> Score:
    """How likely ``candidate`` is the customer ``given`` describes, and why."""
    return score_levels(compare(given, candidate), model)


def status_of(probability: float, model: Model = DEFAULT_MODEL) -> Status:
    if probability >= model.match_at:
        return "match"
    if probability >= model.possible_at:
        return "possible"
    return "new"


# A key that belongs to one person or one household: agreeing on it alone, with nothing
# disagreeing, is worth a person's look whatever the trained prior makes of it.
KEY_FIELDS = ("phone", "email", "id_number", "member_card")


def status_for(result: Score, model: Model = DEFAULT_MODEL) -> Status:
    """The status of a scored candidate: by its probability, except that a candidate who
    shares a phone, email, ID number or member card with the input and disagrees on
    nothing is at least "possible" (a caller who gives only a phone number is shown the
    customer to confirm, not told they are new)."""
    status = status_of(result.probability, model)
    key_agrees = any(e.field in KEY_FIELDS and e.weight > 0 for e in result.evidence)
    if status == "new" and key_agrees and not result.disagreed:
        return "possible"
    return status


# ---- a model from batch resolution ---------------------------------------------------


def _probability(value: Any, where: str) -> float:
    if not isinstance(value, int | float) or not 0.0 < float(value) <= 1.0:
        raise BadModel(f"{where} must be a number above 0 and at most 1, not {value!r}")
    return float(value)


def model_from_json(data: Mapping[str, Any]) -> Model:
    """A model from the identity-model file, which may give any of::

        {"probability_two_random_records_match": 1e-6,
         "match_threshold": 0.95, "possible_threshold": 0.2,
         "comparisons": {"phone": {"exact": {"m_probability": 0.9,
                                             "u_probability": 3e-6}, …}, …}}

    Fields and levels it does not give keep their defaults; unknown ones are ignored.
    """
    if not isinstance(data, Mapping):
        raise BadModel("the identity model must be a JSON object")
    m_u = {name: dict(levels) for name, levels in DEFAULT_M_U.items()}
    comparisons = data.get("comparisons") or {}
    if not isinstance(comparisons, Mapping):
        raise BadModel("comparisons must be an object of field → level → m/u")
    for name, levels in comparisons.items():
        if name not in m_u or not isinstance(levels, Mapping):
            continue
        for level, probs in levels.items():
            if level not in m_u[name] or not isinstance(probs, Mapping):
                continue
            old_m, old_u = m_u[name][level]
            where = f"comparisons.{name}.{level}"
            m = _probability(probs.get("m_probability", old_m), f"{where}.m_probability")
            u = _probability(probs.get("u_probability", old_u), f"{where}.u_probability")
            m_u[name][level] = (m, u)
    prior = data.get("probability_two_random_records_match", DEFAULT_PRIOR)
    prior = _probability(prior, "probability_two_random_records_match")
    if prior >= 1.0:
        raise BadModel("probability_two_random_records_match must be below 1")
    match_at = _probability(data.get("match_threshold", MATCH_AT), "match_threshold")
    possible_at = _probability(data.get("possible_threshold", POSSIBLE_AT), "possible_threshold")
    if possible_at > match_at:
        raise BadModel("possible_threshold must not be above match_threshold")
    return Model(m_u=m_u, prior=prior, match_at=match_at, possible_at=possible_at)
