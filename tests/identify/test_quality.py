"""Data-quality signals: confidence decays with age; high-risk organisations are flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idic.identify import quality

NOW = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365.25)


@pytest.mark.parametrize(
    ("group", "age_years", "expected"),
    [
        ("behaviour", 1, 0.5),  # one half-life
        ("behaviour", 2, 0.25),
        ("career", 4, 0.5),
        ("basic", 20, 0.5),
        ("contact", 3, 0.5),
        ("unknown_group", 4, 0.5),  # decays like career
        ("basic", 0, 1.0),
        ("behaviour", -1, 1.0),  # dated in the future: kept
    ],
)
def test_confidence_halves_every_half_life(group, age_years, expected):
    # given a value of confidence 1 collected age_years ago
    value = quality.decayed_confidence(
        1.0, collected_at=NOW - age_years * YEAR, now=NOW, group=group
    )
    # then it is worth the expected share today
    assert value == pytest.approx(expected)


def test_attitude_goes_stale_before_demographics():
    # given two values collected three years ago
    collected = NOW - 3 * YEAR
    # then the behaviour value is stale, the birth date not
    assert quality.is_stale(1.0, collected_at=collected, now=NOW, group="behaviour")
    assert not quality.is_stale(1.0, collected_at=collected, now=NOW, group="basic")


@given(
    confidence=st.floats(0, 1),
    days=st.integers(0, 36_500),
    later=st.integers(1, 3650),
    group=st.sampled_from(sorted(quality.HALF_LIFE_YEARS)),
)
def test_decay_never_rises_with_age(confidence, days, later, group):
    collected = NOW - timedelta(days=days)
    now_value = quality.decayed_confidence(confidence, collected_at=collected, now=NOW, group=group)
    later_value = quality.decayed_confidence(
        confidence, collected_at=collected, now=NOW + timedelta(days=later), group=group
    )
    assert 0.0 <= later_value <= now_value <= confidence


@pytest.mark.parametrize(
    ("risk_flag", "attributes", "expected"),
    [
        ("", [("business_status", "已破产清算")], ["bankrupt"]),
        ("", [("business_status", "营业执照已吊销")], ["licence_revoked"]),
        ("", [("business_status", "已注销")], ["deregistered"]),
        ("", [("credit_grade", "C")], ["low_credit"]),
        ("", [("credit_grade", "AA")], []),
        ("", [("note", "信用等级低")], ["low_credit"]),
        ("", [("note", "Company deregistered in 2023")], ["deregistered"]),
        ("", [("business_status", "未破产，正常经营")], []),  # a negation does not flag
        ("low_credit", [("business_status", "破产")], ["bankrupt", "low_credit"]),
        ("", [], []),
    ],
)
def test_high_risk_flags(risk_flag, attributes, expected):
    # given an organisation's flag and attributes / then its flags, most severe first
    assert quality.risk_flags(risk_flag=risk_flag, attributes=attributes) == expected


def test_most_severe_flag():
    assert quality.most_severe(["low_credit", "deregistered"]) == "deregistered"
    assert quality.most_severe([]) == ""
