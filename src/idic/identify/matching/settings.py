"""The Splink model of our customer records: blocking rules and comparisons.

Blocking rules decide which pairs are scored at all (each pair must agree on one of
them, and on the party type: a person never matches an organisation); comparisons
give each field a few levels of agreement whose weights are learned without labels
(u by random sampling, m by expectation maximisation).

The comparisons are built from Splink's level library and a few SQL conditions of
our own (month and day swapped, street with a slip in the house number); the SQL is
fixed text over our own column names, never built from user input.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

# Every blocking rule also requires the same party type.
_PARTY = "party_type"

# The pairs scored: any shared phone, email, ID number, member card; the same name
# sound born the same year; the same name sound (or syllables in another order) in the
# same city.
PREDICTION_BLOCKS: tuple[tuple[str, ...], ...] = (
    ("phone",),
    ("email",),
    ("id_key",),
    ("member_card",),
    ("name_pinyin", "birth_year"),
    ("name_pinyin", "city"),
    ("name_syllables", "city"),
    ("street", "city"),
)
# Expectation maximisation runs once per rule; each estimates the fields not in it.
# Not on a shared phone or address: a household shares them, and EM would learn
# "same household" instead of "same person".
TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (("name_pinyin",), ("email",))
# Tried in turn when one of those finds no pairs (a small base, a source without emails).
FALLBACK_TRAINING_BLOCKS: tuple[tuple[str, ...], ...] = (("name_pinyin", "city"), ("phone",))
# Pairs that almost surely match, for the prior probability of a match.
DETERMINISTIC_RULES: tuple[str, ...] = (
    "l.id_key = r.id_key",
    "l.email = r.email and l.name_pinyin = r.name_pinyin",
    "l.phone = r.phone and l.name_pinyin = r.name_pinyin",
)
# The share of true matches those rules find: sources keep different fields, so many
# duplicates share no ID, email or phone (a guess, not fitted to labels).
DETERMINISTIC_RECALL = 0.6


def blocking_rule(columns: tuple[str, ...], *, explode: bool = True):
    """A blocking rule on ``columns`` (and the party type); a rule on ``phone`` matches
    any shared phone of the record by exploding the ``phones`` list (training, which
    cannot explode lists, uses the first phone)."""
    if columns == ("phone",) and explode:
        return block_on("phones", _PARTY, arrays_to_explode=["phones"])
    return block_on(*columns, _PARTY)


def _differs_at(position: int) -> str:
    return (
        f"case when substr(name_key_l, {position}, 1) <> substr(name_key_r, {position}, 1) "
        "then 1 else 0 end"
    )


# Same length, exactly one character different (names of up to four characters), but
# not the given name of a two-character name: 许强 and 许林 are brothers, not a typo.
# Not an edit distance: the engines count bytes, and a Chinese character is three.
_ONE_CHARACTER = (
    "length(name_key_l) = length(name_key_r) and length(name_key_l) between 2 and 4 and "
    "(" + " + ".join(_differs_at(p) for p in range(1, 5)) + ") = 1 and not "
    "(length(name_key_l) = 2 and substr(name_key_l, 2, 1) <> substr(name_key_r, 2, 1))"
)


# Two-character names with the same surname: a slip in the given name, or a sibling.
_OTHER_GIVEN = (
    "length(name_key_l) = 2 and length(name_key_r) = 2 and "
    "substr(name_key_l, 1, 1) = substr(name_key_r, 1, 1)"
)


def _name() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="name",
        comparison_description="name: characters, sound, spelling",
        comparison_levels=[
            cll.NullLevel("name_pinyin"),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True).configure(
                label_for_charts="same name (simplified characters)"
            ),
            cll.ExactMatchLevel("name_pinyin", term_frequency_adjustments=True).configure(
                label_for_charts="same pinyin"
            ),
            cll.ExactMatchLevel("name_syllables").configure(
                label_for_charts="same syllables, another order"
            ),
            cll.CustomLevel(_ONE_CHARACTER, label_for_charts="one character differs"),
            # two slips at once (a look-alike character and a swap, 王彤娟 → 玉娟桐)
            cll.ArrayIntersectLevel("name_triple", 2).configure(
                label_for_charts="two of three syllables in common"
            ),
            cll.CustomLevel(
                _OTHER_GIVEN, label_for_charts="same surname, other one-character given name"
            ),
            cll.JaroWinklerLevel("name_sound", 0.92),
            cll.JaroWinklerLevel("name_sound", 0.8),
            cll.JaroWinklerLevel("name_sound", 0.6),
            cll.ElseLevel(),
        ],
    )


_SWAPPED = (
    "substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) "
    "and substr(birth_date_l, 6, 2) = substr(birth_date_r, 9, 2) "
    "and substr(birth_date_l, 9, 2) = substr(birth_date_r, 6, 2)"
)


def _birth_date() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_description="birth date (the ID number's where the record has none)",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(_SWAPPED, label_for_charts="month and day swapped"),
            cll.CustomLevel(
                "substr(birth_date_l, 1, 7) = substr(birth_date_r, 1, 7)",
                label_for_charts="same year and month",
            ),
            cll.ExactMatchLevel("birth_year"),
            cll.ElseLevel(),
        ],
    )


def _email_slips(slips: int):
    """At most ``slips`` slips apart; the edit distance is computed only for addresses of
    about the same length (most pairs are not, and the distance is the dear part)."""
    return cll.And(
        cll.CustomLevel(f"abs(length(email_l) - length(email_r)) <= {slips}"),
        cll.DamerauLevenshteinLevel("email", slips),
    )


def _email() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="email",
        comparison_levels=[
            cll.NullLevel("email"),
            cll.ExactMatchLevel("email"),
            # a slip of one key or two letters swapped; not mere similarity, since
            # addresses are often built from the name (zhangwei1984@…, zhangwei88@…)
            _email_slips(1).configure(label_for_charts="email differs by a slip"),
            _email_slips(2).configure(label_for_charts="email differs by two slips"),
            cll.ExactMatchLevel("email_user").configure(
                label_for_charts="same user name, another domain"
            ),
            cll.ElseLevel(),
        ],
    )


def _phone_shared():
    return cll.ArrayIntersectLevel("phones", 1)


def _same_street():
    return cll.And(cll.ExactMatchLevel("street"), cll.ExactMatchLevel("city"))


def _contact() -> cl.CustomComparison:
    """Phones and address in one comparison: a household shares both, so counting them
    as two independent agreements would make family members look like one person.
    A city is weak evidence when a street is missing, and evidence against when both
    streets are known and differ; two different mobiles speak against a match, a
    mobile and a landline do not. The levels keep these apart."""

    def same_city():
        return cll.ExactMatchLevel("city")

    def no_street():
        return cll.NullLevel("street")

    return cl.CustomComparison(
        output_column_name="contact",
        comparison_description="phones (old numbers included) and the split address",
        comparison_levels=[
            cll.And(cll.NullLevel("phones"), cll.NullLevel("city")).configure(
                is_null_level=True, label_for_charts="no phone or address to compare"
            ),
            cll.ArrayIntersectLevel("mobiles", 1).configure(label_for_charts="a mobile in common"),
            cll.And(_phone_shared(), _same_street()).configure(
                label_for_charts="same phone and address"
            ),
            _phone_shared().configure(label_for_charts="a phone in common"),
            _same_street().configure(label_for_charts="same street address"),
            cll.And(cll.LevenshteinLevel("street", 2), same_city()).configure(
                label_for_charts="street differs by a slip"
            ),
            cll.And(same_city(), no_street(), cll.NullLevel("mobiles")).configure(
                label_for_charts="same city, a street missing"
            ),
            cll.And(same_city(), no_street()).configure(
                label_for_charts="same city, a street missing, other mobiles"
            ),
            cll.And(cll.ExactMatchLevel("district"), same_city()).configure(
                label_for_charts="same district, other street"
            ),
            same_city().configure(label_for_charts="same city, other street"),
            cll.ElseLevel(),
        ],
    )


def _exact(column: str, label: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(label_for_charts=f"same {label}"),
            cll.ElseLevel(),
        ],
    )


def comparisons() -> list[cl.CustomComparison]:
    return [
        _name(),
        _birth_date(),
        _exact("gender", "gender"),
        _exact("id_key", "ID number"),
        _email(),
        _exact("member_card", "member card"),
        _exact("company", "employer"),
        _contact(),
    ]


def settings(*, blocks: tuple[tuple[str, ...], ...] = PREDICTION_BLOCKS) -> SettingsCreator:
    """The untrained model: dedupe the records of all sources together."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),  # type: ignore[arg-type]
        blocking_rules_to_generate_predictions=[blocking_rule(b) for b in blocks],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        max_iterations=20,
        em_convergence=0.001,
    )


def field_names() -> list[str]:
    """The names of the compared fields, as ``gamma_<name>`` columns show them."""
    return [c.create_output_column_name() or "" for c in comparisons()]


def describe() -> dict[str, Any]:
    """A summary of the model for reports: the blocking rules and compared fields."""
    return {
        "blocking": [" + ".join(b) for b in PREDICTION_BLOCKS],
        "fields": field_names(),
    }
