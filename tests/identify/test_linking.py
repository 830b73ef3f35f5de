"""From scored pairs to groups (pure): the household guard, apart pairs, possible matches."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.identify.matching import features, linking, model
from idic.identify.matching import settings as model_settings

_HOME = {
    "phones": ("0451-72768308",),
    "province": "黑龙江",
    "city": "哈尔滨",
    "district": "南岗区",
    "address": "花园街337号26栋3单元1803室",
}


def _frame(*records: features.RecordFacts) -> pd.DataFrame:
    return features.feature_frame(records)


def _person(record_id: int, name: str, **facts) -> features.RecordFacts:
    return features.RecordFacts(record_id=record_id, name=name, **facts)


def _pairs(*rows: tuple[int, int, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unique_id_l", "unique_id_r", "match_probability"])


def _household(left: features.RecordFacts, right: features.RecordFacts) -> bool:
    pair = _pairs((left.record_id, right.record_id, 0.99))
    return bool(linking.household_pairs(pair, _frame(left, right)))


def test_brothers_at_one_home_are_held_back():
    # given 沈宇博 and 沈宇志 at one address with one landline, nothing personal in common
    assert _household(_person(0, "沈宇博", **_HOME), _person(1, "沈宇志", **_HOME))
    # and a mother and daughter 李悦 / 王悦 (one given character in common)
    assert _household(_person(0, "李悦", **_HOME), _person(1, "王悦", **_HOME))
    # and brothers 唐泽飞 / 唐飞泽 born on other days (same syllables, other order)
    older = _person(0, "唐泽飞", birth_date="1955-08-10", **_HOME)
    assert _household(older, _person(1, "唐飞泽", birth_date="1980-02-22", **_HOME))


def test_a_shared_home_with_something_personal_is_not_held_back():
    one = _person(0, "沈宇博", birth_date="1962-08-14", **_HOME)
    # given the same birth date / an email / a mobile in common / the name's sound
    assert not _household(one, _person(1, "沈宇志", birth_date="1962-08-14", **_HOME))
    mobile = {**_HOME, "phones": ("13570466740",)}
    assert not _household(_person(0, "沈宇博", **mobile), _person(1, "沈宇波", **mobile))
    assert not _household(_person(0, "章伟", **_HOME), _person(1, "张伟", **_HOME))
    # and a slip in the surname of a three-character name (王宁德 / 玉宁德)
    assert not _household(_person(0, "王宁德", **_HOME), _person(1, "玉宁德", **_HOME))
    # and a swapped given name with nothing that disagrees
    assert not _household(_person(0, "唐泽飞", **_HOME), _person(1, "唐飞泽", **_HOME))


def test_organisations_at_one_address_are_no_household():
    # given a firm's two records at one address with one switchboard, names unlike
    one = features.RecordFacts(0, "城关区社区卫生服务中心", party_type="organisation", **_HOME)
    two = features.RecordFacts(1, "兰州卫生服务中心", party_type="organisation", **_HOME)
    # then they are not held back: an organisation has no family
    assert not _household(one, two)


def test_an_email_two_slips_apart_is_personal():
    # given brothers' names at one home, with one email written with a typo and a swap
    one = _person(0, "沈宇博", emails=("shenyubo88@163.com",), **_HOME)
    two = _person(1, "沈宇志", emails=("shneyubo89@163.com",), **_HOME)
    # then the email makes them one person
    assert not _household(one, two)
    # and an email of someone else does not
    three = _person(2, "沈宇志", emails=("215742011@qq.com",), **_HOME)
    assert _household(one, three)


def test_a_name_that_only_sounds_alike_counts_unless_something_personal_differs():
    # given 宋平 and 宋萍 at one home with their own emails / then a family is held back
    ping = _person(0, "宋平", emails=("714670644@qq.com",), **_HOME)
    assert _household(ping, _person(1, "宋萍", emails=("215742011@qq.com",), **_HOME))
    # and with another gender too
    assert _household(
        _person(0, "宋平", gender="M", **_HOME), _person(1, "宋萍", gender="F", **_HOME)
    )
    # but month and day swapped is one birth date written two ways: not held back
    older = _person(0, "唐泽飞", birth_date="1955-08-10", **_HOME)
    assert not _household(older, _person(1, "唐飞泽", birth_date="1955-10-08", **_HOME))
    # and the same characters are one person whatever else differs
    assert not _household(
        _person(0, "宋平", emails=("714670644@qq.com",), **_HOME),
        _person(1, "宋平", emails=("215742011@qq.com",), **_HOME),
    )


def _slips(a: str, b: str) -> int:
    """Reference: optimal string alignment distance, the textbook table."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@pytest.mark.parametrize(
    ("a", "b", "slips"),
    [
        ("zhangwei@163.com", "zhangwei@163.com", 0),
        ("zhangwei@163.com", "zhnagwei@163.com", 1),  # swapped
        ("zhangwei@163.com", "zhangwe@163.com", 1),  # dropped
        ("zhangwei@163.com", "xhnagwei@163.com", 2),  # a neighbour key and a swap
        ("714670644@qq.com", "215742011@qq.com", 3),  # another person: "more than two"
        ("", "abcd", 3),
    ],
)
def test_slips_between_two_emails(a, b, slips):
    assert linking.edits(a, b) == slips == min(_slips(a, b), 3)


@settings(max_examples=300, deadline=None)
@given(a=st.text("abxy", max_size=12), b=st.text("abxy", max_size=12))
def test_slips_agree_with_the_reference_up_to_the_limit(a, b):
    assert linking.edits(a, b) == min(_slips(a, b), 3) == linking.edits(b, a)


def test_records_without_a_shared_home_are_not_a_household():
    elsewhere = {**_HOME, "phones": ("0451-11111111",), "address": "中山路1号"}
    assert not _household(_person(0, "沈宇博", **_HOME), _person(1, "沈宇志", **elsewhere))


def test_decide_holds_the_household_back_and_keeps_apart_pairs_apart():
    # given brothers scored 0.99, and a call-centre record 3 that resembles 2 and 4
    records = [
        _person(0, "沈宇博", **_HOME),
        _person(1, "沈宇志", **_HOME),
        _person(2, "徐阳", phones=("13800001111",), city="温州"),
        _person(3, "徐阳", phones=("0577-86656268",), city="温州"),
        _person(4, "徐阳", phones=("13900002222",), city="温州", birth_date="1980-01-01"),
    ]
    pairs = _pairs((0, 1, 0.99), (2, 3, 0.97), (3, 4, 0.96))
    decision = linking.decide(
        range(5), pairs, _frame(*records), threshold_match=0.95, apart=[(2, 4)]
    )
    # then the brothers stay two customers, reported for review
    assert decision.household == {(0, 1)}
    # and 3 joins the stronger match only
    assert set(decision.clusters.groups) == {(0,), (1,), (2, 3), (4,)}


def test_decide_joins_a_possible_match_only_when_nobody_else_resembles_it():
    records = [_person(i, "刘媛", city="西安", phones=(f"1380000000{i}",)) for i in range(5)]
    frame = _frame(*records)
    # given 0–1 a lone possible match, and 2 possibly either 3 or 4
    pairs = _pairs((0, 1, 0.6), (2, 3, 0.6), (2, 4, 0.6))
    decision = linking.decide(range(5), pairs, frame, threshold_match=0.95, possible_at=0.2)
    assert set(decision.clusters.groups) == {(0, 1), (2,), (3,), (4,)}
    # and below the possible level nothing joins
    low = linking.decide(range(5), pairs, frame, threshold_match=0.95, possible_at=0.7)
    assert len(low.clusters.groups) == 5


def _fixed_model() -> dict:
    model_dict = model_settings.settings().create_settings_dict("duckdb")
    for comparison in model_dict["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        total = sum(range(1, len(levels) + 1))
        for i, level in enumerate(levels):
            level["m_probability"] = (len(levels) - i) / total
            level["u_probability"] = (i + 1) / total
    model_dict["probability_two_random_records_match"] = 0.01
    return model_dict


def test_predict_links_returns_the_pairs_seen_apart_among_linked_records():
    # given two records of each of two people who share a phone, and an unlinked record
    same = {"phones": ("13800001111",), "city": "上海"}
    lina = {"birth_date": "1990-03-07", "emails": ("lina@163.com",), **same}
    wang = {"birth_date": "1950-01-01", "emails": ("wq@126.com",), **same}
    records = [
        _person(0, "李娜", **lina),
        _person(1, "李娜", **lina),
        _person(2, "王强", **wang),
        _person(4, "王强", **wang),
        _person(3, "赵六", phones=("13999999999",), city="北京"),
    ]
    frame = _frame(*records)
    pairs, apart = model.predict_links(frame, _fixed_model(), threshold=0.3, apart_below=0.01)
    kept = set(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True))
    assert kept == {(0, 1), (2, 4)}
    # then each record of one is apart from each of the other; record 3 is not listed
    seen = {tuple(sorted(p)) for p in zip(apart["unique_id_l"], apart["unique_id_r"], strict=True)}
    assert seen == {(0, 2), (1, 2), (0, 4), (1, 4)}
    # and plain predict gives the same kept pairs
    plain = model.predict(frame, _fixed_model(), threshold=0.3)
    assert set(zip(plain["unique_id_l"], plain["unique_id_r"], strict=True)) == kept


def test_predict_links_refuses_an_apart_level_above_the_threshold():
    frame = _frame(_person(0, "李娜"), _person(1, "李娜"))
    with pytest.raises(model.ModelError, match="apart_below"):
        model.predict_links(frame, _fixed_model(), threshold=0.5, apart_below=0.9)


def _weights_model(prior: float, bits: dict[tuple[str, str], float]) -> dict:
    """Our comparisons with every level worth 0 bits but those in ``bits``."""
    model_dict = model_settings.settings().create_settings_dict("duckdb")
    for comparison in model_dict["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            weight = bits.get((comparison["output_column_name"], level["label_for_charts"]), 0)
            level["m_probability"], level["u_probability"] = 0.1 * 2**weight, 0.1
    model_dict["probability_two_random_records_match"] = prior
    return model_dict


def test_only_pairs_with_evidence_against_them_are_kept_apart():
    # given three people named 李娜 in one city, two records each sharing a mobile; A born
    # 1990, B's birth date unknown, C born 1950; a model where the same name is worth
    # 3 bits, a mobile 12, another birth date -4, against a prior of about -10 bits
    born = {"A": "1990-03-07", "B": "", "C": "1950-01-01"}
    records = [
        _person(i, "李娜", city="上海", phones=(f"1380000000{i // 2}",), birth_date=born[who])
        for i, who in enumerate("AABBCC")
    ]
    weights = _weights_model(
        0.001,
        {
            ("name", "same name (simplified characters)"): 3,
            ("contact", "a mobile in common"): 12,
            ("birth_date", "All other comparisons"): -4,
        },
    )
    # when scored
    pairs, apart = model.predict_links(_frame(*records), weights, threshold=0.5)
    # then each person's two records are kept, and every cross pair is unlikely
    assert set(zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)) == {
        (0, 1),
        (2, 3),
        (4, 5),
    }
    seen = {tuple(sorted(p)) for p in zip(apart["unique_id_l"], apart["unique_id_r"], strict=True)}
    # and only A and C, whose birth dates differ, are seen apart; B is merely unlikely
    assert seen == {(a, c) for a in (0, 1) for c in (4, 5)}
