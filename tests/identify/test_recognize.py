"""Recognition at the point of contact: match, possible or new, with why; bad input."""

from __future__ import annotations

import json
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from idic.identify import recognition
from idic.identify.field_rules import FieldError
from idic.identify.models import ContactPoint
from idic.identify.services import merging
from idic.identify.services import recognize as rec
from tests.identify.api_support import BAD_CHECK_ID, ID_NUMBER
from tests.identify.merge_support import make_customer, tables

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


@pytest.fixture
def zhang_wei():
    return make_customer(
        1,
        name="张伟",
        phone=PHONE,
        email="zhang.wei@example.com",
        birth_date=date(1985, 3, 14),
        gender="M",
    )


def test_exact_name_and_phone_is_a_match_with_why(zhang_wei):
    # when the customer gives name and phone as people write them
    answer = rec.recognize(name="张伟", phone="138-1234-5678")
    # then it is a match on that customer, saying which fields agreed
    assert answer.status == "match" and answer.customer_id == zhang_wei.pk
    assert answer.probability > 0.99
    assert set(answer.why["agreed"]) == {"name", "phone"}
    assert answer.why["disagreed"] == []


@pytest.mark.parametrize("name", ["章伟", "張偉", "Zhang Wei"])
def test_same_sound_other_characters_with_same_phone_is_a_match(zhang_wei, name):
    # when the name is typed with a homophone, in traditional characters or in pinyin
    answer = rec.recognize(name=name, phone=PHONE)
    # then it is still the same customer
    assert answer.status == "match" and answer.customer_id == zhang_wei.pk
    levels = {f["field"]: f["level"] for f in answer.why["fields"]}
    assert levels["name"] in ("exact", "pinyin")


def test_family_member_sharing_the_phone_is_not_a_match(zhang_wei):
    # when his wife calls from the family phone with her own name and birth date
    answer = rec.recognize(name="李娜", phone=PHONE, birth_date="1987-09-02")
    # then she is not taken for him
    assert answer.status in ("new", "possible")
    assert answer.customer_id is None
    assert {"name", "birth_date"} <= set(answer.why["disagreed"])
    assert answer.candidates[0]["customer_id"] == zhang_wei.pk


def test_phone_alone_is_only_possible(zhang_wei):
    answer = rec.recognize(phone=PHONE)
    assert answer.status == "possible" and answer.customer_id is None
    assert answer.candidates[0]["customer_id"] == zhang_wei.pk


def test_name_and_birth_date_find_a_customer_without_any_contact(zhang_wei):
    answer = rec.recognize(name="张伟", birth_date=date(1985, 3, 14))
    assert answer.status == "match" and answer.customer_id == zhang_wei.pk


def test_id_number_alone_is_a_match():
    # given a customer with an ID number (born 1963-11-15, female)
    customer = make_customer(2, name="王芳", id_number=ID_NUMBER, gender="F")
    # when only the ID number is given / then it is a match, the birth date read from it
    answer = rec.recognize(id_number=ID_NUMBER)
    assert answer.status == "match" and answer.customer_id == customer.pk
    assert "id_number" in answer.why["agreed"]


def test_member_card_and_email_are_looked_up(zhang_wei):
    answer = rec.recognize(member_card="8800000001", name="张伟")
    assert answer.customer_id == zhang_wei.pk
    answer = rec.recognize(email="Zhang.Wei@Example.com", name="张伟")
    assert answer.customer_id == zhang_wei.pk


def test_old_phone_in_history_is_weaker_than_a_current_one(zhang_wei):
    # given his phone is now only in the history
    ContactPoint.objects.filter(customer=zhang_wei, kind="phone").update(is_current=False)
    # when recognised by name and that old phone / then it agrees as a former phone
    answer = rec.recognize(name="张伟", phone=PHONE)
    levels = {f["field"]: f["level"] for f in answer.why["fields"]}
    assert levels["phone"] == "former"
    assert answer.customer_id == zhang_wei.pk


def test_nobody_known_is_new():
    answer = rec.recognize(name="赵六", phone="13900000000")
    assert (answer.status, answer.customer_id, answer.candidates) == ("new", None, [])


def test_a_merged_customer_is_answered_by_its_golden_customer(zhang_wei):
    # given a second record of him merged into the first
    other = make_customer(2, name="张伟", phone="+8613900000009")
    merging.merge_customers(customer_ids=[zhang_wei.pk, other.pk], actor="x", reason="")
    # when recognised by the merged record's phone / then the golden customer answers
    answer = rec.recognize(name="张伟", phone="13900000009")
    assert answer.customer_id == zhang_wei.pk


def test_recognition_runs_a_few_indexed_queries(zhang_wei):
    with CaptureQueriesContext(connection) as queries:
        rec.recognize(name="张伟", phone=PHONE, email="zhang.wei@example.com", id_number=ID_NUMBER)
    assert len(queries) == 1


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({}, "name", "give at least one"),
        ({"name": "  "}, "name", "give at least one"),
        ({"phone": "12345"}, "phone", "neither an 11-digit mobile"),
        ({"phone": "138abc"}, "phone", "not digits"),
        ({"id_number": BAD_CHECK_ID}, "id_number", "check digit"),
        ({"email": "not-an-email"}, "email", "name@domain.tld"),
        ({"birth_date": "1990-13-01"}, "birth_date", "YYYY-MM-DD"),
        ({"birth_date": "2999-01-01"}, "birth_date", "between 1900-01-01 and today"),
        ({"id_number": ID_NUMBER, "birth_date": "1990-01-01"}, "birth_date", "disagrees"),
        ({"name": "x" * 201}, "name", "at most 200"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(zhang_wei, given, field, message):
    before = tables()
    with pytest.raises(FieldError, match=message) as caught:
        rec.recognize(**given)
    assert caught.value.field == field
    assert tables() == before


def test_identity_model_file_replaces_the_defaults(zhang_wei, settings, tmp_path):
    # given a model from batch resolution that trusts a phone alone
    settings.DATA_DIR = tmp_path
    model = {"comparisons": {"phone": {"exact": {"m_probability": 0.9, "u_probability": 1e-9}}}}
    (tmp_path / rec.MODEL_FILE).write_text(json.dumps(model), encoding="utf-8")
    # when recognised by phone alone / then it is now a match
    assert rec.recognize(phone=PHONE).status == "match"


def test_unreadable_identity_model_file_says_what_to_do(zhang_wei, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    (tmp_path / rec.MODEL_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(recognition.BadModel, match="idic resolve"):
        rec.recognize(phone=PHONE)


def _record(**fields):
    base = {"name": "", "phone": "", "email": "", "id_number": "", "member_card": ""}
    return SimpleNamespace(**(base | fields))


def test_import_links_by_exact_identifiers_only(zhang_wei):
    # given Wang Fang with an ID number, and Zhang Wei with phone, email and card
    wang = make_customer(2, name="王芳", id_number=ID_NUMBER)
    records = [
        _record(name="王芳芳", id_number=ID_NUMBER),  # same ID: linked whatever the name
        _record(name="张伟", phone=PHONE),  # same phone and name: linked
        _record(name="李娜", phone=PHONE),  # same phone, other name: a new customer
        _record(name="张伟", email="zhang.wei@example.com"),
        _record(name="某人", member_card="8800000001"),
        _record(name="赵六", phone="+8613900000000"),
    ]
    # when the importer asks / then each record gets its customer or None
    assert rec.link_targets_for_import(records) == [
        wang.pk,
        zhang_wei.pk,
        None,
        zhang_wei.pk,
        zhang_wei.pk,
        None,
    ]
    assert rec.link_target_for_import(records[1]) == zhang_wei.pk


def test_import_link_to_a_merged_customer_goes_to_its_golden_customer(zhang_wei):
    # given a second record of him, merged into the first
    other = make_customer(2, name="张伟", phone="+8613900000009", id_number=ID_NUMBER)
    merging.merge_customers(customer_ids=[zhang_wei.pk, other.pk], actor="x", reason="")
    # when an import brings his ID number / then it joins the golden customer
    assert rec.link_targets_for_import([_record(name="张伟", id_number=ID_NUMBER)]) == [
        zhang_wei.pk
    ]


def test_an_organisation_is_recognised_by_its_core_name():
    # given a firm stored under its full legal name
    firm = make_customer(3, name="北京华信科技有限公司", party_type="organisation", phone=PHONE)
    # when a caller gives the short name and the phone / then the firm is recognised
    answer = rec.recognize(name="华信科技", phone=PHONE)
    assert answer.customer_id == firm.pk
    assert {f["field"]: f["level"] for f in answer.why["fields"]}["name"] == "exact"


def test_a_merged_customer_found_by_name_and_birth_date_stands_for_its_golden(zhang_wei):
    # given another record, with its own name and birth date, merged into him
    other = make_customer(2, name="张为", birth_date=date(1990, 1, 1))
    merging.merge_customers(customer_ids=[zhang_wei.pk, other.pk], actor="x", reason="")
    # when recognised by that record's name and birth date
    answer = rec.recognize(name="张为", birth_date="1990-01-01")
    # then only the golden customer is a candidate
    assert [c["customer_id"] for c in answer.candidates] == [zhang_wei.pk]
