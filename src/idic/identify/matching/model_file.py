"""The identity-model file that batch resolution leaves for recognition to reuse.

One JSON object:

- ``splink``: the trained model as Splink saves it (settings with every level's m and
  u); ``Linker(table, document["splink"])`` scores with it again;
- ``probability_two_random_records_match``, ``match_threshold``,
  ``possible_threshold`` and ``comparisons`` (field → level → m/u) in the form the
  recognition scorer reads (``idic.identify.recognition.model_from_json``). Each of
  its levels sums the m and u of the Splink levels it stands for; fields the scorer
  compares on its own terms (the postal address, which our model compares together
  with the phones) are left out so the scorer keeps its own values;
- ``trained_at``, ``records`` and ``model``: when, on how many records, and the
  blocking rules and fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idic.identify.matching import settings as model_settings

# recognition field → its level → the labels of our levels it sums
RECOGNITION_LEVELS: dict[str, dict[str, tuple[str, ...]]] = {
    "name": {
        "exact": ("same name (simplified characters)",),
        "pinyin": ("same pinyin", "same syllables, another order"),
        "similar": (
            "one character differs",
            "two of three syllables in common",
            "same surname, other one-character given name",
            "Jaro-Winkler distance of name_sound >= 0.92",
            "Jaro-Winkler distance of name_sound >= 0.8",
            "Jaro-Winkler distance of name_sound >= 0.6",
        ),
        "different": ("All other comparisons",),
    },
    "birth_date": {
        "exact": ("Exact match on birth_date",),
        "close": ("month and day swapped", "same year and month"),
        "different": ("Exact match on birth_year", "All other comparisons"),
    },
    "gender": {"agree": ("same gender",), "different": ("All other comparisons",)},
    "id_number": {"exact": ("same ID number",), "different": ("All other comparisons",)},
    "member_card": {"exact": ("same member card",), "different": ("All other comparisons",)},
    "email": {
        "exact": ("Exact match on email",),
        "different": (
            "email differs by a slip",
            "email differs by two slips",
            "same user name, another domain",
            "All other comparisons",
        ),
    },
    "phone": {
        "exact": ("a mobile in common", "same phone and address", "a phone in common"),
        "different": (
            "same street address",
            "street differs by a slip",
            "same city, a street missing",
            "same city, a street missing, other mobiles",
            "same district, other street",
            "same city, other street",
            "All other comparisons",
        ),
    },
}
# our comparison that holds each recognition field's levels
_SOURCE = {"id_number": "id_key", "phone": "contact"}


def _levels(splink: Mapping[str, Any], name: str) -> dict[str, tuple[float, float]]:
    for comparison in splink["comparisons"]:
        if comparison.get("output_column_name") == name:
            return {
                level.get("label_for_charts", ""): (
                    float(level["m_probability"]),
                    float(level["u_probability"]),
                )
                for level in comparison["comparison_levels"]
                if not level.get("is_null_level")
            }
    return {}


def recognition_values(splink: Mapping[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """The m and u of each recognition field's levels, summed from the trained levels."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for field, levels in RECOGNITION_LEVELS.items():
        trained = _levels(splink, _SOURCE.get(field, field))
        if not trained:
            continue
        values: dict[str, dict[str, float]] = {}
        for level, labels in levels.items():
            picked = [trained[label] for label in labels if label in trained]
            if picked:
                values[level] = {
                    "m_probability": min(1.0, sum(m for m, _u in picked)),
                    "u_probability": min(1.0, sum(u for _m, u in picked)),
                }
        out[field] = values
    return out


def document(
    splink: Mapping[str, Any],
    *,
    match_threshold: float,
    possible_threshold: float,
    records: int,
    trained_at: str,
) -> dict[str, Any]:
    """The identity-model file's content for a trained model."""
    return {
        "probability_two_random_records_match": splink["probability_two_random_records_match"],
        "match_threshold": match_threshold,
        "possible_threshold": possible_threshold,
        "comparisons": recognition_values(splink),
        "trained_at": trained_at,
        "records": records,
        "model": model_settings.describe(),
        "splink": dict(splink),
    }
