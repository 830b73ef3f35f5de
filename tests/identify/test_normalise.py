"""Normalisation of phones, emails, names and ID numbers (pure)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from idic.identify import normalise
from idic.identify.normalise import InvalidValue


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "+8613812345678"),
        ("138 1234 5678", "+8613812345678"),
        ("138-1234-5678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),  # full-width digits
        ("+86 138 1234 5678", "+8613812345678"),
        ("008613812345678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
        ("010-62345678", "+861062345678"),  # Beijing landline, trunk 0 dropped
        ("(0755) 8888 6666", "+8675588886666"),
        ("+86 (0)10 6234 5678", "+861062345678"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_phone_becomes_e164(raw, expected):
    # given a phone as people write it / when normalised / then E.164 with +86 by default
    assert normalise.normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "1381234567a", "23812345678", "+12", "phone"])
def test_bad_phone_is_rejected_with_reason(raw):
    # given something that is not a phone / then the error says why
    with pytest.raises(InvalidValue) as err:
        normalise.normalise_phone(raw)
    assert str(err.value)


def test_phone_with_other_default_country():
    # given a national number and a non-Chinese default country
    # then the default country code is used
    assert normalise.normalise_phone("020 7946 0958", default_country="44") == "+442079460958"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zhang.Wei@Example.COM", "zhang.wei@example.com"),
        (" ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ ", "zhang@example.com"),
    ],
)
def test_email_is_folded_and_lowercased(raw, expected):
    assert normalise.normalise_email(raw) == expected


@pytest.mark.parametrize("raw", ["zhang", "zhang@", "@example.com", "a@b", "a b@c.com@d"])
def test_bad_email_is_rejected(raw):
    with pytest.raises(InvalidValue):
        normalise.normalise_email(raw)


def test_fold_handles_fullwidth_and_spaces():
    # given full-width letters, an ideographic space and runs of spaces
    # then ASCII with single spaces
    assert normalise.fold("ＡＢＣ\u3000 １２３  x") == "ABC 123 x"


def test_name_key_ignores_case_space_and_dots():
    assert normalise.name_key(" Zhang  Wei ") == normalise.name_key("zhangwei")
    assert normalise.name_key("Mary·Smith") == "marysmith"


def test_id_number_worked_example():
    # given the example 11010519491231002X (GB 11643) / when parsed
    parsed = normalise.parse_id_number("11010519491231002x")
    # then check digit X, birth date and gender (17th digit 2 → female) are read out
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "F"
    assert parsed.region == "110105"


def test_fifteen_digit_id_is_upgraded():
    # given an old 15-digit number / then it becomes 18 digits with the century and a check digit
    parsed = normalise.parse_id_number("110105491231002")
    assert parsed.value == "11010519491231002X"


@pytest.mark.parametrize(
    "raw", ["110105194912310021", "1101051949123100", "11010519491331002X", "ABCDEFGHIJKLMNOPQR"]
)
def test_bad_id_numbers_are_rejected(raw):
    with pytest.raises(InvalidValue):
        normalise.parse_id_number(raw)
    # and by the importer's check alone, for the same reason
    with pytest.raises(InvalidValue) as checked:
        normalise.checked_id_number(raw)
    with pytest.raises(InvalidValue) as parsed:
        normalise.parse_id_number(raw)
    assert checked.value.reason == parsed.value.reason


@pytest.mark.parametrize(
    "raw", ["11010519491231002x", "110105491231002", " １１０１０５１９４９１２３１００２Ｘ "]
)
def test_the_importers_check_gives_the_parsed_value(raw):
    assert normalise.checked_id_number(raw) == normalise.parse_id_number(raw).value


@given(
    region=st.integers(110000, 659999),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    seq=st.integers(0, 999),
)
def test_generated_id_numbers_round_trip(region, born, seq):
    # given any 17 digits with a real birth date / when the check digit is appended
    first17 = f"{region:06d}{born:%Y%m%d}{seq:03d}"
    value = first17 + normalise.id_check_digit(first17)
    # then it parses back to the same date and the gender of the sequence's parity
    parsed = normalise.parse_id_number(value)
    assert parsed.birth_date == born
    assert parsed.gender == ("M" if seq % 2 else "F")
    # and any single changed digit is caught
    wrong = value[:5] + str((int(value[5]) + 1) % 10) + value[6:]
    with pytest.raises(InvalidValue):
        normalise.parse_id_number(wrong)


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_any_mobile_normalises_idempotently(mobile):
    once = normalise.normalise_phone(mobile)
    assert once == "+86" + mobile
    assert normalise.normalise_phone(once) == once


_PHONE_CHARS = st.sampled_from("0123456789 +-()./\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f86a")
_SEPARATORS = st.sampled_from(["", " ", "-", ".", "/", "\t", "\x1f", " - "])


@st.composite
def _written_phones(draw):
    """Mobiles and landlines as people type them: prefixes, separators, brackets."""
    if draw(st.booleans()):
        prefix = draw(st.sampled_from(["", "+86", "0086", "86", "+86 ", "(+86)"]))
        digits = draw(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
        groups = [digits[:3], digits[3:7], digits[7:]]
    else:
        prefix = draw(st.sampled_from(["", "(", "+86 (0)"]))
        digits = draw(st.from_regex(r"0[1-9][0-9]{9,10}", fullmatch=True))
        groups = [digits[:4], digits[4:]]
    sep = draw(_SEPARATORS)
    return prefix + sep.join(groups) + draw(st.sampled_from(["", " ", ")"]))


@settings(max_examples=300)
@given(
    _written_phones()
    | st.text(_PHONE_CHARS, max_size=24)
    | st.text(st.characters(max_codepoint=127), max_size=24)
)
def test_ascii_phones_take_the_fast_path_to_the_same_result(raw):
    # given ASCII text (the fast path) and the same text made non-ASCII by a middle dot,
    # which the general path (full folding, then dropping junk) removes again
    general = raw + "·"
    # when both are normalised
    outcomes = []
    for text in (raw, general):
        try:
            outcomes.append(normalise.normalise_phone(text))
        except InvalidValue:
            outcomes.append(InvalidValue)
    # then they agree: the same E.164 number, or both rejected
    assert outcomes[0] == outcomes[1]


def test_id_check_digit_needs_seventeen_digits():
    # given fewer than 17 digits / then no check digit is made up
    with pytest.raises(ValueError, match="17"):
        normalise.id_check_digit("1101051949123100")
