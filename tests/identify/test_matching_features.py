"""Comparison features and comparisons of identity resolution (pure: no database).

Each comparison is checked twice: on the derived feature (pinyin key, split address …)
and through the Splink model itself, by scoring a pair with fixed m/u values and
reading the level the pair reached.
"""

from __future__ import annotations

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.identify.demo import names as demo_names
from idic.identify.matching import addresses, features, model, model_file, names
from idic.identify.matching import settings as model_settings
from idic.identify.matching.evidence import Explainer
from idic.identify.normalise import id_check_digit

_S2T = opencc.OpenCC("s2t")


def _id_number(region: str, born: str, serial: str) -> str:
    first17 = region + born + serial
    return first17 + id_check_digit(first17)


def _fixed_model() -> dict:
    """Our comparisons with made-up m/u (higher level = stronger), scoring every pair."""
    model_dict = model_settings.settings().create_settings_dict("duckdb")
    for comparison in model_dict["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        total = sum(range(1, len(levels) + 1))
        for i, level in enumerate(levels):
            level["m_probability"] = (len(levels) - i) / total
            level["u_probability"] = (i + 1) / total
    model_dict["probability_two_random_records_match"] = 0.01
    model_dict["blocking_rules_to_generate_predictions"] = []
    return model_dict


def _levels(left: features.RecordFacts, right: features.RecordFacts) -> dict[str, str]:
    """The level each field of the pair reached in the model."""
    fixed = _fixed_model()
    frame = features.feature_frame([left, right])
    pairs = model.predict(frame, fixed, threshold=0.0)
    assert len(pairs) == 1
    explained = Explainer(fixed).explain(pairs.iloc[0].to_dict())
    return {field: value["level"] for field, value in explained["fields"].items()}


def _person(record_id: int, name: str, **facts) -> features.RecordFacts:
    return features.RecordFacts(record_id=record_id, name=name, **facts)


# ---- names ---------------------------------------------------------------------------


def test_homophone_names_share_pinyin_not_characters():
    # given 张伟 and 章伟 (an input method's homophone) / then same sound, other characters
    assert names.pinyin_key("张伟") == names.pinyin_key("章伟") == "wei zhang"
    assert names.simplified_key("张伟") != names.simplified_key("章伟")
    # and the model puts the pair on the "same pinyin" level
    levels = _levels(_person(1, "张伟", city="北京"), _person(2, "章伟", city="北京"))
    assert levels["name"] == "same pinyin"


def test_traditional_and_simplified_are_the_same_name():
    # given 張偉 in traditional characters / then it is 张伟
    assert names.simplified_key("張偉") == names.simplified_key("张伟") == "张伟"
    levels = _levels(_person(1, "張偉"), _person(2, "张伟"))
    assert levels["name"] == "same name (simplified characters)"


@pytest.mark.parametrize(
    "latin", ["Zhang Wei", "Wei Zhang", "ZHANG Wei", "Wei ZHANG", "zhang  wei"]
)
def test_latin_spellings_in_either_order_read_as_the_chinese_name(latin):
    # given the name written in pinyin, in Chinese or Western order / then same pinyin key
    assert names.pinyin_key(latin) == names.pinyin_key("张伟")
    assert _levels(_person(1, latin), _person(2, "张伟"))["name"] == "same pinyin"


def test_latin_name_order_is_read_from_capitals_and_surnames():
    # given Western order / then the spoken form puts the surname first
    assert names.spoken_name("Xiaoming Zhang") == "zhang xiaoming"
    assert names.spoken_name("Wei ZHANG") == "zhang wei"
    assert names.spoken_name("欧阳晓明") == "ouyang xiaoming"


def test_swapped_given_name_characters_share_syllables():
    # given 周东德 and 周德东 (given name reversed) and its pinyin spelling
    assert names.syllables_key("周东德") == names.syllables_key("周德东")
    assert names.syllables_key("Zhou Dedong") == names.syllables_key("周东德")
    levels = _levels(_person(1, "周东德"), _person(2, "周德东"))
    assert levels["name"] == "same syllables, another order"


def test_one_wrong_character_and_different_names():
    # given a look-alike character typed for another / then one character differs
    assert _levels(_person(1, "陈萍"), _person(2, "阵萍"))["name"] == "one character differs"
    # and two unrelated names fall to the lowest level
    assert _levels(_person(1, "刘思慧"), _person(2, "王建国"))["name"] == "All other comparisons"


def test_two_slips_in_a_three_character_name_keep_two_syllables_in_common():
    # given 王彤娟 written 玉娟桐 (a look-alike surname and the given name swapped)
    levels = _levels(_person(1, "王彤娟"), _person(2, "玉娟桐"))
    # then the pair keeps a level of its own above unrelated names
    assert levels["name"] == "two of three syllables in common"
    # and only three-syllable names have the list: two-character names never share it
    row = features.record_features(_person(3, "王静"))
    assert row["name_triple"] is None
    assert features.record_features(_person(4, "王彤娟"))["name_triple"] == ["juan", "tong", "wang"]
    assert (
        _levels(_person(5, "王静"), _person(6, "李静"))["name"]
        != "two of three syllables in common"
    )


def test_employer_is_compared_by_its_core_name():
    # given one employer written with and without place and legal form
    one = _person(1, "张庆明", company="北京盛新食品有限公司", city="北京")
    same = _person(2, "张庆明", company="盛新食品", city="北京")
    other = _person(3, "张庆明", company="上海航兴科技有限公司", city="北京")
    # then the pair with one employer agrees, the pair with two disagrees
    assert _levels(one, same)["company"] == "same employer"
    assert _levels(one, other)["company"] == "All other comparisons"
    # and a record without an employer gives no evidence
    assert _levels(one, _person(4, "张庆明", city="北京"))["company"] == "no data"
    # and an organisation has no employer of its own
    firm = features.RecordFacts(5, "盛新食品", party_type="organisation", company="盛新食品")
    assert features.record_features(firm)["company"] is None


def test_email_two_slips_apart_is_its_own_level():
    # given an email written with a neighbouring key and two letters swapped
    one = _person(1, "赵文亮", emails=("zhaowenliang1535707@gmail.com",))
    two = _person(2, "赵雯亮", emails=("hzaowenliang1535707@gmail.com",))
    three = _person(3, "赵雯亮", emails=("hzaiwenliang1535707@gmail.com",))
    # then one slip and two slips are two levels
    assert _levels(one, two)["email"] == "email differs by a slip"
    assert _levels(one, three)["email"] == "email differs by two slips"


def test_organisation_names_lose_city_legal_form_and_brackets():
    # given three ways to write one firm / then one core name
    forms = ["深圳市华信科技有限公司", "华信科技（深圳）有限公司", "華信科技"]
    cores = {names.organisation_core(f, "广东省", "深圳市") for f in forms}
    assert cores == {"华信科技"}


def test_pinyin_syllables_of_a_latin_word():
    assert names.split_syllables("xiaoming") == ("xiao", "ming")
    assert names.split_syllables("ouyang") == ("ou", "yang")
    assert names.split_syllables("smith") == ("smith",)  # not pinyin: kept whole


_SURNAMES = st.sampled_from([s for s, _p, _w in demo_names.SURNAMES])
_GIVEN = st.text(
    alphabet="".join(demo_names.MALE_CHARS + demo_names.FEMALE_CHARS), min_size=1, max_size=2
)


@settings(max_examples=200, deadline=None)
@given(surname=_SURNAMES, given_name=_GIVEN, western=st.booleans())
def test_any_name_reads_alike_in_characters_traditional_and_pinyin(surname, given_name, western):
    # given a generated name, its traditional form and its pinyin spelling
    name = surname + given_name
    spelled = demo_names.pinyin_name(surname, given_name, western_order=western)
    # then the three have one pinyin key, and the traditional form one simplified key
    assert names.pinyin_key(_S2T.convert(name)) == names.pinyin_key(name)
    assert names.simplified_key(_S2T.convert(name)) == names.simplified_key(name)
    assert names.pinyin_key(spelled) == names.pinyin_key(name)
    assert names.syllables_key(spelled) == names.syllables_key(name)


# ---- phones, email, ID, dates, gender -------------------------------------------------


def test_phones_become_e164_and_an_old_number_still_matches():
    # given a record with its current and its old mobile, in the ways people write them
    now = _person(1, "李娜", phones=("138 1234 5678", "１３９-0000-1111"), city="上海")
    assert features.record_features(now)["phones"] == ["+8613812345678", "+8613900001111"]
    assert features.record_features(now)["mobiles"] == ["+8613812345678", "+8613900001111"]
    # when another record gives only the old number / then they share a mobile
    old = _person(2, "李娜", phones=("13900001111",), city="上海")
    assert _levels(now, old)["contact"] == "a mobile in common"


def test_landline_is_a_phone_but_not_a_mobile():
    row = features.record_features(_person(1, "李娜", phones=("010-62345678", "not a phone")))
    assert row["phones"] == ["+861062345678"]
    assert row["mobiles"] is None
    # given two records sharing only a landline (it rings for the whole family)
    other = _person(2, "李强", phones=("(010)62345678", "13800001111"), city="北京")
    mine = _person(1, "李娜", phones=("010-62345678",), city="北京")
    # then they share a phone, weaker evidence than a mobile
    assert _levels(mine, other)["contact"] == "a phone in common"


def test_two_character_names_with_another_given_name_are_their_own_level():
    # given brothers 许强 and 许林 / then not "one character differs" (a typo's level)
    home = {"phones": ("010-62345678",), "city": "北京"}
    level = _levels(_person(1, "许强", **home), _person(2, "许林", **home))["name"]
    assert level == "same surname, other one-character given name"


def test_id_number_check_digit_birth_date_and_gender():
    # given a valid ID number of a woman born 1990-03-07 (even 17th digit)
    valid = _id_number("110105", "19900307", "128")
    facts = features.id_facts(valid)
    assert facts is not None
    assert (facts.birth_date.isoformat(), facts.gender) == ("1990-03-07", "F")
    # and the same number with a wrong check digit
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    assert features.id_facts(wrong) is None
    # then a record with only the ID gets its birth date and gender, and is flagged valid
    row = features.record_features(_person(1, "王芳", id_number=valid))
    assert (row["birth_date"], row["gender"], row["id_valid"]) == ("1990-03-07", "F", True)
    assert features.record_features(_person(2, "王芳", id_number=wrong))["id_valid"] is False


def test_id_derived_birth_date_meets_a_written_birth_date():
    # given one record with an ID number only and one with a birth date only
    with_id = _person(1, "王芳", id_number=_id_number("110105", "19900307", "128"))
    with_date = _person(2, "王芳", birth_date="1990/03/07", gender="女")
    levels = _levels(with_id, with_date)
    assert levels["birth_date"] == "Exact match on birth_date"
    assert levels["gender"] == "same gender"


def test_same_id_number_compares_by_digest_when_given():
    # given two records whose ID numbers are compared by their keyed digests
    a = _person(1, "王芳", id_number="", id_digest="abc")
    b = _person(2, "王芳", id_number="", id_digest="abc")
    assert _levels(a, b)["id_key"] == "same ID number"


def test_birth_date_month_and_day_swapped():
    a = _person(1, "王芳", birth_date="1985-03-07")
    b = _person(2, "王芳", birth_date="19850703")
    assert _levels(a, b)["birth_date"] == "month and day swapped"


@pytest.mark.parametrize(
    ("raw", "code"), [("男", "M"), ("female", "F"), ("M", "M"), ("2", "F"), ("", None), ("?", None)]
)
def test_gender_codes(raw, code):
    assert features.gender_code(raw) == code


def test_email_slip_is_not_a_name_alike_address():
    # given a one-key slip / then "differs by a slip"; another person's name-based address not
    a = _person(1, "黄晓明", emails=("HuangXiaoming88@163.com",))
    b = _person(2, "黄晓明", emails=("huangxiaomimg88@163.com",))
    c = _person(3, "黄晓明", emails=("huangxiaoming1990@163.com",))
    assert _levels(a, b)["email"] == "email differs by a slip"
    assert _levels(a, c)["email"] == "All other comparisons"


# ---- addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("广东省深圳市南山区科技园路12号", ("广东", "深圳", "南山", "科技园路12号")),
        ("廣東省深圳市南山區科技園路12號", ("广东", "深圳", "南山", "科技园路12号")),
        ("北京市北京市东城区建国路1号", ("北京", "北京", "东城", "建国路1号")),
        ("北京朝阳区望京街3号", ("北京", "北京", "朝阳", "望京街3号")),
        ("四川成都市青羊区人民路322号", ("四川", "成都", "青羊", "人民路322号")),
        ("新疆维吾尔自治区乌鲁木齐市天山区光明路5号", ("新疆", "乌鲁木齐", "天山", "光明路5号")),
        ("辽宁路164号东方明珠苑12栋903室", ("", "", "", "辽宁路164号东方明珠苑12栋903室")),
        ("上海路５号", ("", "", "", "上海路5号")),
    ],
)
def test_address_split_into_province_city_district_street(text, parts):
    # given a free-text address / then its four parts (a street named after a place stays)
    assert tuple(addresses.split_address(text)) == parts


def test_address_columns_win_over_the_free_text():
    # given the columns and a street-only address / then columns give the places
    parts = addresses.address_parts("北京市", "北京市", "通州区", "建国路159号")
    assert tuple(parts) == ("北京", "北京", "通州", "建国路159号")


def test_same_household_address_and_a_slip_in_the_house_number():
    home = dict(province="四川省", city="成都市", district="青羊区")
    a = _person(1, "刘锋德", address="人民路322号20栋3单元803室", **home)
    b = _person(2, "刘锋德", address="人民路322号20栋3单元808室", **home)
    c = _person(3, "刘锋德", address="人民路322号20栋3单元803室", **home)
    assert _levels(a, b)["contact"] == "street differs by a slip"
    assert _levels(a, c)["contact"] == "same street address"


def test_record_without_a_street_and_other_mobiles():
    a = _person(1, "赵博", phones=("13800000001",), city="南京市")
    b = _person(2, "赵博", phones=("025-80863585",), city="南京", address="龙蟠中路335号")
    c = _person(3, "赵博", phones=("13900000002",), city="南京")
    assert _levels(a, b)["contact"] == "same city, a street missing"
    assert _levels(a, c)["contact"] == "same city, a street missing, other mobiles"


def test_feature_frame_has_one_row_per_record_and_every_column():
    frame = features.feature_frame([_person(1, "张伟"), _person(2, "")])
    assert list(frame.columns) == list(features.COLUMNS)
    assert frame["name_key"].tolist() == ["张伟", None]


@pytest.mark.parametrize(
    "name",
    [
        "张伟",
        "張偉",
        "Zhang Wei",
        "Wei ZHANG",
        "欧阳晓明",
        "Ouyang Xiaoming",
        "周德东",
        "",
        "Lü Li",
    ],
)
def test_name_keys_at_once_equal_the_keys_one_by_one(name):
    keys = names.name_keys(name)
    assert keys == (
        names.simplified_key(name),
        names.pinyin_key(name),
        names.spoken_name(name),
        names.syllables_key(name),
    )


def test_recognition_levels_name_levels_the_model_has():
    # given the model's level labels / then every level the model file sums exists
    labels = {
        (c["output_column_name"], lv.get("label_for_charts"))
        for c in model_settings.settings().create_settings_dict("duckdb")["comparisons"]
        for lv in c["comparison_levels"]
    }
    for field, levels in model_file.RECOGNITION_LEVELS.items():
        source = {"id_number": "id_key", "phone": "contact"}.get(field, field)
        for wanted in levels.values():
            for label in wanted:
                assert (source, label) in labels, (field, label)
