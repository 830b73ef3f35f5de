"""Survivorship rules choose the displayed value; pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idic.identify import survivorship as sv
from idic.identify.survivorship import Candidate, Rule

OLD = datetime(2020, 1, 1, tzinfo=UTC)
NEW = OLD + timedelta(days=400)

CRM_OLD = Candidate("张伟", "crm", OLD, origin=1)
WEB_NEW = Candidate("张玮", "web", NEW, origin=2)
WEB_LONG = Candidate("张伟伟", "web", OLD, origin=3)


@pytest.mark.parametrize(
    ("rule", "candidates", "expected"),
    [
        (Rule("most_trusted_source"), [WEB_NEW, CRM_OLD], CRM_OLD),
        (Rule("most_recent"), [CRM_OLD, WEB_NEW], WEB_NEW),
        (Rule("most_complete"), [CRM_OLD, WEB_LONG, WEB_NEW], WEB_LONG),
        # a ranking of its own puts web first
        (Rule("most_trusted_source", ("web", "crm")), [CRM_OLD, WEB_NEW], WEB_NEW),
        # an unlisted source ranks after every listed one
        (Rule("most_trusted_source"), [Candidate("x", "zzz", NEW), CRM_OLD], CRM_OLD),
        # a blank value never wins
        (Rule("most_recent"), [CRM_OLD, Candidate(" ", "web", NEW)], CRM_OLD),
        # equal trust: the more recent
        (
            Rule("most_trusted_source"),
            [CRM_OLD, Candidate("章伟", "crm", NEW, origin=9)],
            Candidate("章伟", "crm", NEW, origin=9),
        ),
        # equal time: the higher confidence
        (
            Rule("most_recent"),
            [Candidate("a", "web", NEW, 0.5, 1), Candidate("b", "web", NEW, 0.9, 2)],
            Candidate("b", "web", NEW, 0.9, 2),
        ),
    ],
)
def test_rule_chooses(rule, candidates, expected):
    # given candidates / when the rule chooses / then the expected one wins
    assert sv.choose(candidates, rule) == expected


def test_address_is_chosen_as_one_unit_by_filled_parts():
    # given a full address and a newer one with only a province
    full = Candidate(("北京市", "北京市", "朝阳区", "朝阳路1号"), "crm", OLD, origin=1)
    thin = Candidate(("北京市", "", "", ""), "crm", NEW, origin=2)
    # then most_complete takes the full one, most_recent the newer one
    assert sv.choose([thin, full], Rule("most_complete")) is full
    assert sv.choose([thin, full], Rule("most_recent")) is thin


def test_no_value_no_choice():
    assert sv.choose([], Rule("most_recent")) is None
    assert sv.choose([Candidate("", "crm", OLD)], Rule("most_recent")) is None


def test_choose_all_uses_the_rule_of_each_field():
    # given names and companies from two sources
    chosen = sv.choose_all(
        {
            "name": [WEB_NEW, CRM_OLD],
            "company": [Candidate("甲", "crm", OLD), Candidate("乙", "web", NEW)],
            "hobby": [Candidate("跑步", "crm", OLD), Candidate("游泳", "web", NEW)],
        }
    )
    # then the name is the trusted one, the company and an unknown field the newest
    assert {k: v.value for k, v in chosen.items()} == {
        "name": "张伟",
        "company": "乙",
        "hobby": "游泳",
    }


@pytest.mark.parametrize(
    ("rule", "ranking", "message"),
    [("oldest", (), "is not one of"), ("most_recent", ("crm", ""), "list of source names")],
)
def test_bad_rule_is_refused(rule, ranking, message):
    with pytest.raises(sv.BadRule, match=message):
        sv.make_rule(rule, ranking)


candidate = st.builds(
    Candidate,
    value=st.text(max_size=4),
    source=st.sampled_from(["crm", "web", "pos", "other"]),
    collected_at=st.datetimes(timezones=st.just(UTC)),
    confidence=st.floats(0, 1),
    origin=st.integers(0, 100),
)


@given(st.lists(candidate, max_size=6), st.sampled_from(sv.RULES))
def test_choice_is_a_filled_candidate_and_does_not_depend_on_order(values, rule_name):
    # given any candidates / when chosen forwards and backwards
    rule = Rule(rule_name)
    forwards, backwards = sv.choose(values, rule), sv.choose(list(reversed(values)), rule)
    # then the same filled candidate (or none when none is filled)
    if not any(c.filled for c in values):
        assert forwards is None and backwards is None
    else:
        assert forwards is not None and forwards.filled
        assert sv._sort_key(forwards, rule) == sv._sort_key(backwards, rule)
