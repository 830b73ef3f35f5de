"""The customers API: create, read, update, list with filters and cursor, search, 360."""

from __future__ import annotations

import pytest

from idic.identify.models import AttributeValue, ContactPoint, Customer, CustomerEvent, Identifier
from idic.protect.models import AuditEntry
from tests.identify.api_support import (
    BAD_CHECK_ID,
    ID_MASKED,
    ID_NUMBER,
    api_as,
    new_customer,
)

pytestmark = pytest.mark.django_db


def test_agent_creates_a_customer_with_normalised_contacts_and_a_sealed_id():
    # given an agent
    agent = api_as("agent")
    # when they create a customer with a phone written loosely, an email and an ID number
    status, body = agent.post(
        "/customers",
        {
            "name": "王芳",
            "phone": "138-1234-5678",
            "email": "Wang.Fang@Example.COM",
            "id_number": ID_NUMBER,
            "province": "北京市",
            "city": "北京市",
            "company": "华信科技",
        },
    )
    # then it exists, with birth date and gender read from the ID number
    assert status == 201, body
    customer = Customer.objects.get(pk=body["id"])
    assert (customer.name, customer.gender, str(customer.birth_date)) == (
        "王芳",
        "F",
        "1963-11-15",
    )
    assert body["birth_date"] == "1963-11-15"  # confidential: an agent sees it
    # and contacts are normalised
    contacts = dict(ContactPoint.objects.filter(customer=customer).values_list("kind", "value"))
    assert contacts["phone"] == "+8613812345678"
    assert contacts["email"] == "wang.fang@example.com"
    assert contacts["address"] == "北京市 北京市"
    # and the ID number is stored sealed: no clear value, only digest, ciphertext and mask
    ident = Identifier.objects.get(customer=customer, kind="national_id")
    assert ident.value == ""
    assert ident.masked == ID_MASKED
    assert ident.ciphertext and ID_NUMBER not in ident.ciphertext
    # and every profile value starts its history, and the timeline has the creation
    names = set(AttributeValue.objects.filter(customer=customer).values_list("name", flat=True))
    assert {"name", "gender", "birth_date", "company", "kind", "status"} <= names
    assert CustomerEvent.objects.filter(customer=customer, kind="customer_created").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "李雷", "phone": "12345"}, "phone"),
        ({"name": "李雷", "email": "not-an-email"}, "email"),
        ({"name": "李雷", "id_number": BAD_CHECK_ID}, "id_number"),
        ({"name": 123}, "name"),
        ({"name": ""}, "name"),
        ({"name": "李雷", "birth_date": "1990-13-45"}, "birth_date"),
        ({"name": "李雷", "kind": "vip"}, "kind"),
        ({"name": "李雷", "nickname": "雷雷"}, "nickname"),
        ({"name": "李雷", "id_number": ID_NUMBER, "gender": "M"}, "gender"),
        ({"name": "李雷", "birth_date": "2999-01-01"}, "birth_date"),
    ],
)
def test_bad_customer_input_is_a_422_naming_the_field_and_writes_nothing(body, field):
    # given an agent
    agent = api_as("agent")
    # when they send a customer with one bad value
    status, error = agent.post("/customers", body)
    # then the error is JSON naming the field, and nothing was written
    assert status == 422, error
    assert error["code"] == "invalid"
    assert error["field"] == field
    assert field in error["message"]
    assert Customer.objects.count() == 0
    assert ContactPoint.objects.count() == Identifier.objects.count() == 0


def test_body_that_is_not_json_is_a_400():
    # given an agent / when the body is not JSON
    status, error = api_as("agent").post("/customers", "{name: 张伟")
    # then a 400 with a JSON error
    assert status == 400
    assert error["code"] == "bad_request"
    assert "JSON" in error["message"]


def test_duplicate_id_number_is_a_409_and_the_second_customer_is_not_created():
    # given a customer with an ID number
    agent = api_as("agent")
    first = new_customer(agent, id_number=ID_NUMBER)
    # when another customer is created with the same ID number
    status, error = agent.post("/customers", {"name": "李娜", "id_number": ID_NUMBER})
    # then 409 names the owner, and only the first customer exists
    assert status == 409
    assert error["code"] == "duplicate_identifier"
    assert str(first["id"]) in error["message"]
    assert list(Customer.objects.values_list("pk", flat=True)) == [first["id"]]


def test_read_masks_fields_by_role():
    # given a customer with confidential fields
    admin = api_as("admin")
    created = new_customer(admin, birth_date="1990-01-02", address="朝阳路1号", city="北京市")
    path = f"/customers/{created['id']}"
    # when each role reads it
    seen = {role: api_as(role).get(path)[1] for role in ("analyst", "agent", "admin")}
    # then general fields are plain for all, confidential ones masked for the analyst only
    assert {seen[r]["name"] for r in seen} == {"张伟"}
    assert {seen[r]["city"] for r in seen} == {"北京市"}
    assert seen["analyst"]["birth_date"] == "1990-**-**"
    assert seen["analyst"]["address"] == "朝****"
    assert seen["agent"]["birth_date"] == seen["admin"]["birth_date"] == "1990-01-02"
    assert seen["agent"]["address"] == "朝阳路1号"


def test_unknown_customer_is_a_404():
    # given no customers / when one is read, updated or viewed in 360
    api = api_as("admin")
    results = [
        api.get("/customers/999"),
        api.patch("/customers/999", {"company": "x"}),
        api.get("/customers/999/360"),
    ]
    # then each is a JSON 404
    for status, error in results:
        assert status == 404
        assert error["code"] == "customer_not_found"
        assert "999" in error["message"]


def test_unknown_path_is_a_json_404():
    # given the API / when a path it does not have is called
    status, error = api_as("agent").get("/no-such-thing")
    # then the error has the API's shape
    assert status == 404
    assert error["code"] == "not_found"


def test_patch_changes_only_given_fields_and_keeps_history():
    # given a customer working at one company
    agent = api_as("agent")
    created = new_customer(agent, company="甲公司", title="经理")
    path = f"/customers/{created['id']}"
    # when the company changes
    status, body = agent.patch(path, {"company": "乙公司", "status": "potential"})
    # then the customer shows it, the title is untouched, and the old value is kept
    assert status == 200, body
    assert (body["company"], body["title"], body["status"]) == ("乙公司", "经理", "potential")
    history = AttributeValue.objects.filter(customer_id=created["id"], name="company")
    assert sorted((h.value, h.superseded_at is None) for h in history) == [
        ("乙公司", True),
        ("甲公司", False),
    ]
    assert CustomerEvent.objects.filter(
        customer_id=created["id"], kind="customer_updated", payload__fields=["company", "status"]
    ).exists()


def test_patch_with_bad_value_is_a_422_and_changes_nothing():
    # given a customer
    agent = api_as("agent")
    created = new_customer(agent, company="甲公司")
    # when a patch carries one good and one bad value
    status, error = agent.patch(f"/customers/{created['id']}", {"company": "乙公司", "gender": "X"})
    # then 422 names the field, and the good value was not applied either
    assert status == 422
    assert error["field"] == "gender"
    assert Customer.objects.get(pk=created["id"]).company == "甲公司"


def test_patch_address_retires_the_old_postal_address():
    # given a customer with an address
    agent = api_as("agent")
    created = new_customer(agent, city="上海市", address="南京路1号")
    # when they move
    agent.patch(f"/customers/{created['id']}", {"city": "杭州市", "address": "西湖路2号"})
    # then the new address is current, the old one kept
    rows = ContactPoint.objects.filter(customer_id=created["id"], kind="address")
    assert sorted((r.value, r.is_current) for r in rows) == [
        ("上海市 南京路1号", False),
        ("杭州市 西湖路2号", True),
    ]


def test_list_filters_by_kind_status_province_and_city():
    # given customers in different places and kinds
    agent = api_as("agent")
    a = new_customer(agent, name="甲", province="广东省", city="深圳市", kind="industrial")
    new_customer(agent, name="乙", province="广东省", city="广州市")
    c = new_customer(agent, name="丙", province="广东省", city="深圳市", status="potential")
    # when listing with filters
    by_city = agent.get("/customers", province="广东省", city="深圳市")[1]
    by_kind = agent.get("/customers", kind="industrial")[1]
    by_status = agent.get("/customers", status="potential", city="深圳市")[1]
    # then each returns exactly the matching customers, newest first
    assert [i["id"] for i in by_city["items"]] == [c["id"], a["id"]]
    assert [i["id"] for i in by_kind["items"]] == [a["id"]]
    assert [i["id"] for i in by_status["items"]] == [c["id"]]
    assert by_city["matched_on"] == "all"


def test_list_rejects_unknown_filter_values():
    # given an analyst / when filtering by a kind that does not exist
    status, error = api_as("analyst").get("/customers", kind="vip")
    # then a 422 names the parameter
    assert status == 422
    assert error["field"] == "kind"


def test_cursor_pagination_walks_every_customer_exactly_once():
    # given 23 customers
    agent = api_as("agent")
    ids = {new_customer(agent, name=f"客户{n}")["id"] for n in range(23)}
    # when walking the list 5 at a time
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        status, page = agent.get("/customers", **params)
        assert status == 200
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # then every customer appears once, in 5 pages, newest first
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == ids
    assert seen == sorted(seen, reverse=True)
    assert pages == 5


@pytest.mark.parametrize(
    ("query", "matched_on"),
    [
        ("13812345678", "phone"),
        ("+86 138 1234 5678", "phone"),
        ("WANG@EXAMPLE.COM", "email"),
        (ID_NUMBER, "id_number"),
        ("王", "name"),
        ("王芳", "name"),
    ],
)
def test_search_finds_the_customer_by_phone_email_id_or_name(query, matched_on):
    # given two customers
    agent = api_as("agent")
    wanted = new_customer(
        agent, name="王芳", phone="13812345678", email="wang@example.com", id_number=ID_NUMBER
    )
    new_customer(agent, name="李雷", phone="13912345678", email="li@example.com")
    # when searching
    status, page = agent.get("/customers", q=query)
    # then only the wanted customer is found, and the API says how it read the query
    assert status == 200
    assert [i["id"] for i in page["items"]] == [wanted["id"]]
    assert page["matched_on"] == matched_on


def test_360_as_admin_shows_the_id_number_and_is_audited():
    # given a customer with an ID number
    admin = api_as("admin", "ada")
    created = new_customer(admin, id_number=ID_NUMBER, phone="13812345678")
    # when an admin views the 360
    status, view = admin.get(f"/customers/{created['id']}/360")
    # then the ID number is in clear, the value block is empty, and the read is audited
    assert status == 200, view
    assert [i["value"] for i in view["identifiers"]] == [ID_NUMBER]
    assert view["value"] is None
    assert view["customer"]["id"] == created["id"]
    assert view["totals"]["transactions"] == 0
    entry = AuditEntry.objects.get(action="view_360")
    assert (entry.actor, entry.role, entry.object_id) == ("ada", "admin", str(created["id"]))


def test_360_as_analyst_masks_secret_and_confidential_fields():
    # given a customer with an ID number and a phone
    created = new_customer(api_as("admin"), id_number=ID_NUMBER, phone="13812345678")
    # when an analyst views the 360
    status, view = api_as("analyst").get(f"/customers/{created['id']}/360")
    # then the ID number and phone are masked and the birth date shows the year only
    assert status == 200
    assert [i["value"] for i in view["identifiers"]] == [ID_MASKED]
    phones = [c["value"] for c in view["contact_points"] if c["kind"] == "phone"]
    assert phones == ["+86138****5678"]
    assert view["customer"]["birth_date"] == "1963-**-**"
    birth = [a["value"] for a in view["attributes"] if a["name"] == "birth_date"]
    assert birth == ["1963-**-**"]
