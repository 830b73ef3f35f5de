"""Messages of the pure checks keep their template, so pages and commands can show them in
the reader's language."""

from __future__ import annotations

import pickle

import pytest
from django.utils import translation

from idic.identify import normalise
from idic.identify.importing.values import about, parse_amount
from idic.identify.reasons import Reason, reason, render
from idic.identify.services.reasons import localise


def test_a_reason_is_its_english_text():
    # given a reason with values
    message = reason("{column} is {length} characters long", column="name", length=7)
    # then it is the filled-in English text, and keeps template and values
    assert message == "name is 7 characters long"
    assert isinstance(message, str)
    assert message.template == "{column} is {length} characters long"
    assert message.params == {"column": "name", "length": 7}


def test_a_reason_survives_pickling_whole():
    # given a reason with braces in its value (the import's worker process pickles errors)
    message = reason("{text!r} is not a number", text="{1}")
    # when it is pickled and read back
    back = pickle.loads(pickle.dumps(message))
    # then text, template and values are the same
    assert isinstance(back, Reason)
    assert (back, back.template, back.params) == (message, message.template, message.params)


def test_render_translates_template_and_nested_reasons():
    # given a reason whose value is itself a reason, and a toy catalogue
    catalogue = {"{column} {problem}": "{column}：{problem}", "{text!r} is bad": "{text!r} 不行"}
    message = reason(
        "{column} {problem}", column="amount", problem=reason("{text!r} is bad", text="x")
    )
    # when it is rendered with that catalogue
    # then both levels are translated and the values kept
    assert render(message, lambda t: catalogue.get(t, t)) == "amount：'x' 不行"
    # and plain text passes through unchanged
    assert render("plain", lambda t: "nope") == "plain"


def test_a_translation_that_lost_a_field_falls_back_to_english():
    message = reason("{a} and {b}", a=1, b=2)
    assert render(message, lambda t: "{a} only {c}") == "1 and 2"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "amount '-3' is negative: amounts must be 0 or more"),
        ("zh-hans", "amount：'-3' 为负数：金额须不小于 0"),
    ],
)
def test_an_import_check_reads_in_the_active_language(language, expected):
    # given the amount check's complaint about a negative amount
    with pytest.raises(normalise.InvalidValue) as caught:
        parse_amount("-3")
    message = about("amount", caught.value)
    # when it is shown in each language / then it reads in that language
    with translation.override(language):
        assert localise(message) == expected


def test_every_phone_complaint_is_in_the_chinese_catalogue():
    # given each way a phone number can be wrong
    for raw in ("", "12ab", "+12", "12345", "123"):
        with pytest.raises(normalise.InvalidValue) as caught:
            normalise.normalise_phone(raw, "86")
        # then the Chinese reading differs from the English one (it was translated)
        with translation.override("zh-hans"):
            assert localise(caught.value.reason) != str(caught.value.reason), raw
