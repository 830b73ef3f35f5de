"""From scored pairs to groups (pure): the household guard, apart pairs, possible matches."""

from __future__ import annotations

import pandas as pd
import pytest

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
