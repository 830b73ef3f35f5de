"""The pure Fellegi–Sunter scorer of recognition: levels, weights, the model file."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idic.identify import recognition as rc
from idic.identify.matching.features import RecordFacts, record_features


def facts(**fields) -> dict:
    return record_features(RecordFacts(record_id=1, **({"name": ""} | fields)))


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("张伟", "张伟", "exact"),
        ("張偉", "张伟", "exact"),  # traditional and simplified
        ("章伟", "张伟", "pinyin"),  # same sound, another character
        ("Zhang Wei", "张伟", "pinyin"),
        ("Wei ZHANG", "张伟", "pinyin"),
        ("郭莉雷", "郭雷莉", "similar"),  # given name's characters swapped
        ("阵帅平", "陈帅平", "similar"),  # a look-alike character
        ("张伟", "李娜", "different"),
        ("张伟", "李伟", "different"),  # two characters, one replaced: not near
    ],
)
def test_name_levels(left, right, level):
    assert rc.compare(facts(name=left), facts(name=right))["name"] == level


@pytest.mark.parametrize(
    ("left", "right", "level"),
    [
        ("1985-03-14", "1985-03-14", "exact"),
        ("1985-03-04", "1985-04-03", "close"),  # day and month swapped
        ("1985-03-14", "1986-03-14", "close"),  # one digit
        ("1985-03-14", "1990-07-01", "different"),
    ],
)
def test_birth_date_levels(left, right, level):
    assert rc.compare(facts(birth_date=left), facts(birth_date=right))["birth_date"] == level


def test_phone_levels_current_former_and_missing():
    caller = facts(phones=("13812345678",))
    stored = facts(phones=("+8613812345678", "+8613900000000"))
    assert rc.compare(caller, stored)["phone"] == "exact"
    assert rc.compare(caller, stored | {"former_phones": ["+8613812345678"]})["phone"] == "former"
    assert rc.compare(facts(phones=("13700000000",)), stored)["phone"] == "different"
    assert "phone" not in rc.compare(facts(name="张伟"), stored)  # missing: no evidence


def test_same_id_number_does_not_count_its_birth_date_again():
    # given two records with the same ID digest and the birth date and gender it encodes
    one = facts(id_digest="d1", birth_date="1963-11-15", gender="F")
    # then only the ID number counts
    assert rc.compare(one, dict(one)) == {"id_number": "exact"}


def test_weight_is_prior_plus_log_likelihood_ratios():
    # given a name and phone that agree
    score = rc.score_levels({"name": "exact", "phone": "exact"})
    # then the weight is the sum of log2(m/u) and the prior's log odds
    expected = math.log2(1e-6 / (1 - 1e-6)) + math.log2(0.85 / 2e-4) + math.log2(0.85 / 2e-6)
    assert score.weight == pytest.approx(expected)
    assert score.probability == pytest.approx(2**expected / (1 + 2**expected))
    assert score.agreed == ["name", "phone"] and score.disagreed == []
    assert rc.status_of(score.probability) == "match"


@pytest.mark.parametrize(
    ("levels", "status"),
    [
        ({"phone": "exact"}, "possible"),  # a household shares a phone
        ({"id_number": "exact"}, "match"),
        ({"name": "exact", "birth_date": "exact"}, "match"),
        ({"name": "exact"}, "new"),
        ({"phone": "exact", "name": "different", "birth_date": "different"}, "new"),
    ],
)
def test_default_model_decisions(levels, status):
    assert rc.status_of(rc.score_levels(levels).probability) == status


# A model trained on a small base: agreement on any value is common there (u at least
# 0.005), so a phone alone scores below its possible threshold.
SMALL_BASE = rc.Model(
    m_u={
        f: {level: (m, max(u, 5e-3)) for level, (m, u) in levels.items()}
        for f, levels in rc.DEFAULT_M_U.items()
    },
    prior=1e-3,
    possible_at=0.5,
)


@pytest.mark.parametrize(
    ("levels", "status"),
    [
        ({"phone": "exact"}, "possible"),  # nothing disagrees: shown to the agent
        ({"phone": "former"}, "possible"),
        ({"email": "exact", "gender": "agree"}, "possible"),
        ({"phone": "exact", "name": "different"}, "new"),  # a family member
        ({"name": "exact"}, "new"),  # a name is no key
        ({"address": "same_city"}, "new"),
    ],
)
def test_a_shared_key_with_nothing_against_it_is_at_least_possible(levels, status):
    # given a model whose prior puts a phone-only score below the possible threshold
    scored = rc.score_levels(levels, SMALL_BASE)
    assert scored.probability < SMALL_BASE.possible_at
    # when the status is decided / then a key with nothing against it is worth a look
    assert rc.status_for(scored, SMALL_BASE) == status


def test_status_for_keeps_the_probability_decision_above_the_threshold():
    strong = rc.score_levels({"id_number": "exact", "name": "exact", "phone": "different"})
    assert rc.status_for(strong) == rc.status_of(strong.probability) == "match"


@given(
    st.dictionaries(
        st.sampled_from(rc.FIELDS), st.just("placeholder"), min_size=0, max_size=len(rc.FIELDS)
    ),
    st.sampled_from(rc.FIELDS),
)
def test_an_agreeing_field_never_lowers_the_probability(fields, extra):
    # given any set of fields at their strongest level
    levels = {f: next(iter(rc.DEFAULT_M_U[f])) for f in fields}
    levels.pop(extra, None)
    before = rc.score_levels(levels)
    # when one more field agrees at its strongest level / then the weight does not fall
    after = rc.score_levels(levels | {extra: next(iter(rc.DEFAULT_M_U[extra]))})
    assert after.weight > before.weight
    assert 0.0 <= after.probability <= 1.0


def test_model_file_values_replace_the_defaults():
    model = rc.model_from_json(
        {
            "probability_two_random_records_match": 1e-5,
            "match_threshold": 0.9,
            "comparisons": {
                "phone": {"exact": {"m_probability": 0.9, "u_probability": 1e-5}},
                "unknown_field": {"x": {}},
            },
        }
    )
    assert model.prior == 1e-5 and model.match_at == 0.9
    assert model.m_u["phone"]["exact"] == (0.9, 1e-5)
    assert model.m_u["name"] == rc.DEFAULT_M_U["name"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({"probability_two_random_records_match": 0}, "above 0"),
        ({"probability_two_random_records_match": 1}, "below 1"),
        ({"comparisons": {"phone": {"exact": {"m_probability": "high"}}}}, "phone.exact"),
        ({"match_threshold": 0.3, "possible_threshold": 0.6}, "possible_threshold"),
        ({"comparisons": ["phone"]}, "comparisons must be"),
    ],
)
def test_bad_model_file_is_refused(data, message):
    with pytest.raises(rc.BadModel, match=message):
        rc.model_from_json(data)
