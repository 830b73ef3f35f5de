"""The new-customer page: recognise first, show matches, create anyway, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from idic.identify.models import ContactPoint, Customer, Identifier
from tests.identify.import_files import table_counts
from tests.identify.merge_support import make_customer

pytestmark = pytest.mark.django_db

ID_NUMBER = "110105199001012761"
URL = "/customers/new/"


def _text(response) -> str:
    return response.content.decode()


def _post(client, **data):
    form = {"party_type": "person", "name": "", **data}
    return client.post(URL, form, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def stored():
    """Zhang Wei with his mobile and his ID number."""
    return make_customer(
        1,
        name="张伟",
        phone="+8613812345678",
        id_number=ID_NUMBER,
        birth_date=date(1990, 1, 1),
        gender="M",
    )


def test_the_search_page_links_to_the_form_for_editors_only(signed_in):
    assert reverse("identify:new_customer") == URL
    for role, shown in (("agent", True), ("admin", True), ("analyst", False)):
        page = _text(signed_in(role).get(reverse("identify:search"), HTTP_ACCEPT_LANGUAGE="en"))
        assert (f'href="{URL}"' in page) is shown, role


def test_an_analyst_may_not_add_customers(signed_in):
    client = signed_in("analyst")
    assert client.get(URL).status_code == 403
    before = table_counts()
    assert _post(client, name="王芳").status_code == 403
    assert table_counts() == before


def test_a_new_customer_is_created_and_the_360_page_follows(signed_in, stored):
    # given an agent on the form
    client = signed_in("agent")
    page = _text(client.get(URL, HTTP_ACCEPT_LANGUAGE="en"))
    assert "New customer" in page and 'name="id_number"' in page
    # when they enter someone nobody knows
    response = _post(
        client,
        name="王芳",
        phone="139 0000 1111",
        email="Wang.Fang@Example.com",
        gender="F",
        birth_date="1992-03-04",
        province="上海市",
        city="上海市",
        address="南京路8号",
        company="华信科技",
        title="经理",
    )
    # then she is created and the browser goes to her 360 page
    wang = Customer.objects.get(name="王芳")
    assert response.status_code == 302
    assert response["Location"] == reverse("identify:customer", args=[wang.pk])
    assert (wang.gender, wang.birth_date.isoformat(), wang.city, wang.title) == (
        "F",
        "1992-03-04",
        "上海市",
        "经理",
    )
    contacts = set(ContactPoint.objects.filter(customer=wang).values_list("kind", "value"))
    assert {("phone", "+8613900001111"), ("email", "wang.fang@example.com")} <= contacts
    assert "The customer was created." in _text(client.get(response["Location"]))


def test_a_clear_match_is_shown_and_never_duplicated(signed_in, stored):
    client = signed_in("agent")
    before = table_counts()
    # when the agent enters Zhang Wei again with his ID number
    response = _post(client, name="张伟", id_number=ID_NUMBER, phone="13812345678")
    page = _text(response)
    # then the stored customer is shown as the match, with why, and nothing is written
    assert response.status_code == 200
    assert "This customer is already known" in page
    assert reverse("identify:customer", args=[stored.pk]) in page
    assert "ID number" in page and "%" in page
    assert 'name="confirm"' not in page
    assert table_counts() == before
    # and a forced submit links to him instead of creating a second one
    forced = _post(client, name="张伟", id_number=ID_NUMBER, phone="13812345678", confirm="1")
    assert forced["Location"] == reverse("identify:customer", args=[stored.pk])
    assert table_counts() == before
    assert "returning customer" in _text(client.get(forced["Location"]))


def test_possible_matches_are_shown_and_can_be_created_anyway(signed_in, stored):
    client = signed_in("admin")
    before = table_counts()
    # when the admin enters a 张伟 born the same day but with another phone
    given = {"name": "张伟", "phone": "13812345679", "birth_date": "1990-01-01"}
    response = _post(client, **given)
    page = _text(response)
    # then the stored one is offered as a possible match, with why, nothing written yet
    assert response.status_code == 200
    assert "Possible matches" in page and "张伟" in page
    assert reverse("identify:customer", args=[stored.pk]) in page
    assert "Date of birth" in page and "Differs on" in page
    assert 'name="confirm"' in page
    assert table_counts() == before
    # when they confirm "create anyway"
    created = _post(client, **given, confirm="1")
    # then a second customer exists and the 360 page of the new one follows
    new = ContactPoint.objects.get(kind="phone", value="+8613812345679").customer
    assert created["Location"] == reverse("identify:customer", args=[new.pk])
    assert new.pk != stored.pk and new.name == "张伟"
    assert Customer.objects.count() == before["Customer"] + 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "王芳", "phone": "12"}, "phone", "phone"),
        ({"name": "王芳", "email": "not-an-email"}, "email", "email"),
        ({"name": "王芳", "id_number": "110105199001012760"}, "id_number", "check"),
        (
            {"name": "王芳", "id_number": ID_NUMBER, "birth_date": "1991-01-01"},
            "birth_date",
            "ID number",
        ),
        ({"name": "王芳", "birth_date": "3000-01-01"}, "birth_date", "birth"),
        ({"name": "王芳", "birth_date": "yesterday"}, "birth_date", "valid date"),
        ({"name": "王芳", "party_type": "robot"}, "party_type", "valid choice"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_writes_nothing(signed_in, data, field, message):
    client = signed_in("agent")
    before = table_counts()
    response = client.post(URL, {"party_type": "person", **data}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message.lower() in " ".join(errors[field]).lower()
    assert "field-error" in _text(response)
    assert table_counts() == before
    assert not Identifier.objects.exists()
