"""A customer's contact points, identifiers, attribute history, transactions and interactions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from idic.identify.models import (
    AttributeValue,
    ContactPoint,
    Customer,
    CustomerEvent,
    Identifier,
    Interaction,
    Transaction,
)
from tests.identify.api_support import (
    BAD_CHECK_ID,
    ID_MASKED,
    ID_NUMBER,
    OTHER_ID,
    api_as,
    new_customer,
)

pytestmark = pytest.mark.django_db


# ---- contact points ----------------------------------------------------------------


def test_contact_points_are_added_normalised_and_listed_masked_for_analysts():
    # given a customer
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    # when an agent adds a phone written with a country code and spaces
    status, added = agent.post(
        f"/customers/{cid}/contact-points", {"kind": "phone", "value": "+86 139 0000 1111"}
    )
    # then it is stored in E.164, and listed plain for the agent and masked for an analyst
    assert status == 201, added
    assert added["value"] == "+8613900001111"
    assert agent.get(f"/customers/{cid}/contact-points")[1][0]["value"] == "+8613900001111"
    listed = api_as("analyst").get(f"/customers/{cid}/contact-points")[1]
    assert [c["value"] for c in listed] == ["+86139****1111"]
    assert CustomerEvent.objects.filter(customer_id=cid, kind="contact_point_added").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"kind": "phone", "value": "555"}, 422, "invalid", "value"),
        ({"kind": "email", "value": "a@b"}, 422, "invalid", "value"),
        ({"kind": "pager", "value": "123"}, 422, "invalid", "kind"),
        (
            {"kind": "phone", "value": "13800001111", "verified": "maybe"},
            422,
            "invalid",
            "verified",
        ),
        ({"kind": "phone", "value": "138 0000 1111"}, 409, "duplicate_contact_point", "value"),
    ],
)
def test_bad_contact_point_is_rejected_and_nothing_written(body, status, code, field):
    # given a customer who has a phone
    agent = api_as("agent")
    cid = new_customer(agent, phone="13800001111")["id"]
    before = ContactPoint.objects.count()
    # when a bad or duplicate contact point is added
    got, error = agent.post(f"/customers/{cid}/contact-points", body)
    # then the JSON error names the field, and nothing was written
    assert (got, error["code"], error["field"]) == (status, code, field)
    assert ContactPoint.objects.count() == before


def test_contact_flags_are_set_and_recorded():
    # given a customer with an email
    agent = api_as("agent")
    cid = new_customer(agent, email="a@example.com")["id"]
    cp = ContactPoint.objects.get(customer_id=cid, kind="email")
    # when it is marked verified and opted out
    status, body = agent.patch(
        f"/customers/{cid}/contact-points/{cp.pk}", {"verified": True, "opt_out": True}
    )
    # then both flags are set and the timeline says so
    assert status == 200, body
    assert (body["verified"], body["opt_out"]) == (True, True)
    cp.refresh_from_db()
    assert (cp.verified, cp.opt_out) == (True, True)
    event = CustomerEvent.objects.get(customer_id=cid, kind="contact_flags_changed")
    assert event.payload == {"contact_point_id": cp.pk, "verified": True, "opt_out": True}


def test_contact_flags_of_another_customers_contact_point_are_a_404():
    # given two customers, the second with a phone
    agent = api_as("agent")
    first = new_customer(agent)["id"]
    second = new_customer(agent, phone="13800001111")["id"]
    cp = ContactPoint.objects.get(customer_id=second, kind="phone")
    # when the first customer's path names the second's contact point, or none is given
    wrong = agent.patch(f"/customers/{first}/contact-points/{cp.pk}", {"opt_out": True})
    empty = agent.patch(f"/customers/{second}/contact-points/{cp.pk}", {})
    # then 404 and 422, and the flag is unchanged
    assert (wrong[0], wrong[1]["code"]) == (404, "contact_point_not_found")
    assert (empty[0], empty[1]["code"]) == (422, "invalid")
    assert ContactPoint.objects.get(pk=cp.pk).opt_out is False


# ---- identifiers -------------------------------------------------------------------


def test_admin_adds_a_national_id_sealed_and_roles_see_it_masked_or_plain():
    # given a customer
    admin = api_as("admin")
    cid = new_customer(admin)["id"]
    # when an admin adds the ID number
    status, body = admin.post(
        f"/customers/{cid}/identifiers", {"kind": "national_id", "value": ID_NUMBER}
    )
    # then the admin sees it, agents and analysts see the mask, and it is stored sealed
    assert status == 201, body
    assert body["value"] == ID_NUMBER
    for role in ("agent", "analyst"):
        assert [i["value"] for i in api_as(role).get(f"/customers/{cid}/identifiers")[1]] == [
            ID_MASKED
        ]
    row = Identifier.objects.get(customer_id=cid)
    assert (row.value, row.masked) == ("", ID_MASKED)


def test_member_card_is_kept_and_found_by_search():
    # given a customer with a member card added by an admin
    admin = api_as("admin")
    cid = new_customer(admin)["id"]
    status, _ = admin.post(
        f"/customers/{cid}/identifiers", {"kind": "member_card", "value": "8800 1234 5678"}
    )
    # when searching by the card number
    found = api_as("agent").get("/customers", q="880012345678")[1]
    # then the customer is found
    assert status == 201
    assert [i["id"] for i in found["items"]] == [cid]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "national_id", "value": BAD_CHECK_ID}, 422, "invalid"),
        ({"kind": "national_id", "value": "12345"}, 422, "invalid"),
        ({"kind": "passport", "value": "E123"}, 422, "invalid"),
        ({"kind": "national_id", "value": ID_NUMBER}, 409, "duplicate_identifier"),
    ],
)
def test_bad_or_duplicate_identifier_is_rejected_and_nothing_written(body, status, code):
    # given a customer who already has the ID number, and another customer
    admin = api_as("admin")
    new_customer(admin, id_number=ID_NUMBER)
    other = new_customer(admin, name="李雷")["id"]
    # when a bad or duplicate identifier is added to the other customer
    got, error = admin.post(f"/customers/{other}/identifiers", body)
    # then the JSON error, and the other customer has no identifier
    assert (got, error["code"]) == (status, code)
    assert error["message"]
    assert not Identifier.objects.filter(customer_id=other).exists()


def test_agents_may_not_add_identifiers():
    # given a customer and an agent
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    # when the agent adds an ID number
    status, error = agent.post(
        f"/customers/{cid}/identifiers", {"kind": "national_id", "value": OTHER_ID}
    )
    # then 403, nothing written
    assert (status, error["code"]) == (403, "forbidden")
    assert not Identifier.objects.exists()


# ---- attributes --------------------------------------------------------------------


def _set(api, cid, **body):
    return api.post(f"/customers/{cid}/attributes", body)


def test_a_new_value_supersedes_the_old_one_which_is_kept():
    # given a customer whose hobby is recorded
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    first = _set(agent, cid, name="hobby", value="钓鱼", group="preference", source="survey")
    # when a new value arrives (the group is known by now)
    second = _set(agent, cid, name="hobby", value="摄影", confidence=0.8)
    # then both are kept: the old one superseded, the new one current, with their sources
    assert first[0] == second[0] == 201
    status, history = agent.get(f"/customers/{cid}/attributes", name="hobby")
    assert status == 200
    assert [(h["value"], h["source"], h["confidence"]) for h in history] == [
        ("摄影", "api", 0.8),
        ("钓鱼", "survey", 1.0),
    ]
    assert history[0]["superseded_at"] is None
    assert history[1]["superseded_at"] is not None
    assert history[0]["group"] == "preference"


def test_the_same_value_again_adds_nothing():
    # given an attribute value
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    _set(agent, cid, name="hobby", value="钓鱼", group="preference")
    # when the same value is set again
    status, body = _set(agent, cid, name="hobby", value="钓鱼")
    # then 200 with the current row, and the history has one row
    assert status == 200
    assert body["superseded_at"] is None
    assert AttributeValue.objects.filter(customer_id=cid, name="hobby").count() == 1


def test_what_changed_since_a_date_is_one_call():
    # given values recorded long ago, one of which changed recently
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    _set(agent, cid, name="hobby", value="钓鱼", group="preference")
    _set(agent, cid, name="car", value="无", group="behaviour")
    long_ago = timezone.now() - timedelta(days=200)
    AttributeValue.objects.filter(customer_id=cid).update(recorded_at=long_ago)
    since = (timezone.now() - timedelta(days=90)).date().isoformat()
    _set(agent, cid, name="hobby", value="摄影")
    # when asking what changed since last quarter
    status, changes = agent.get(f"/customers/{cid}/attributes", since=since)
    # then the one call shows the new value and the one it replaced, and nothing else
    assert status == 200
    assert [(c["name"], c["value"], c["superseded_at"] is None) for c in changes] == [
        ("hobby", "摄影", True),
        ("hobby", "钓鱼", False),
    ]


def test_a_late_value_collected_earlier_goes_straight_into_the_history():
    # given a current value collected today
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    _set(agent, cid, name="hobby", value="摄影", group="preference")
    # when a value collected a year ago arrives
    year_ago = (timezone.now() - timedelta(days=365)).isoformat()
    status, late = _set(agent, cid, name="hobby", value="钓鱼", collected_at=year_ago)
    # then it is kept but already superseded; the current value stays
    assert status == 201
    assert late["superseded_at"] is not None
    current = agent.get(f"/customers/{cid}/attributes", name="hobby", current=True)[1]
    assert [c["value"] for c in current] == ["摄影"]


def test_setting_a_customer_column_attribute_updates_the_customer():
    # given a customer at one company
    agent = api_as("agent")
    cid = new_customer(agent, company="甲公司")["id"]
    # when the company attribute is set
    status, _ = _set(agent, cid, name="company", value="乙公司", source="linkedin")
    # then the customer shows it, and the old company is in the history
    assert status == 201
    assert Customer.objects.get(pk=cid).company == "乙公司"
    assert (
        agent.get(
            f"/customers/{cid}",
        )[1]["company"]
        == "乙公司"
    )
    values = AttributeValue.objects.filter(customer_id=cid, name="company")
    assert sorted(values.values_list("value", "source")) == [
        ("乙公司", "linkedin"),
        ("甲公司", "api"),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "hobby", "value": "x"}, "group"),  # new attribute without a group
        ({"name": "Hobby", "value": "x", "group": "preference"}, "name"),
        ({"name": "hobby", "value": "x", "group": "hobbies"}, "group"),
        ({"name": "hobby", "value": "x", "group": "preference", "confidence": 2}, "confidence"),
        ({"name": "gender", "value": "X"}, "value"),
        ({"name": "company", "value": "x", "group": "basic"}, "group"),
        ({"name": "city", "value": "x"}, "name"),
        (
            {
                "name": "hobby",
                "value": "x",
                "group": "preference",
                "collected_at": "2999-01-01T00:00:00+08:00",
            },
            "collected_at",
        ),
    ],
)
def test_bad_attribute_is_a_422_and_writes_nothing(body, field):
    # given a customer
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    before = AttributeValue.objects.count()
    # when a bad attribute is set
    status, error = _set(agent, cid, **body)
    # then 422 names the field and no row was added
    assert (status, error["code"], error["field"]) == (422, "invalid", field), error
    assert AttributeValue.objects.count() == before


def test_agent_may_not_set_a_secret_attribute_and_analyst_reads_it_masked():
    # given a customer whose income an admin recorded
    admin = api_as("admin")
    cid = new_customer(admin)["id"]
    assert _set(admin, cid, name="income", value="25000", group="career")[0] == 201
    # when an agent tries to set it, and an analyst reads it
    status, error = _set(api_as("agent"), cid, name="income", value="1")
    seen = api_as("analyst").get(f"/customers/{cid}/attributes", name="income")[1]
    # then the agent is refused and the analyst sees a mask
    assert (status, error["code"]) == (403, "forbidden")
    assert [s["value"] for s in seen] == ["2****"]


# ---- transactions ------------------------------------------------------------------


def test_transactions_are_added_by_admins_and_paged_exactly_once():
    # given a customer with 7 orders on different days
    admin = api_as("admin")
    cid = new_customer(admin)["id"]
    start = timezone.now() - timedelta(days=30)
    for n in range(7):
        status, body = admin.post(
            f"/customers/{cid}/transactions",
            {
                "order_id": f"O-{n}",
                "ts": (start + timedelta(days=n % 4)).isoformat(),
                "amount": "199.90",
                "cost": 120,
                "product": "SKU-1",
                "channel": "web",
            },
        )
        assert status == 201, body
    # when an analyst walks them 3 at a time
    analyst = api_as("analyst")
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = analyst.get(f"/customers/{cid}/transactions", **params)[1]
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    # then every order appears once, newest first, with amounts as text
    assert sorted(t["order_id"] for t in seen) == [f"O-{n}" for n in range(7)]
    assert len({t["id"] for t in seen}) == 7
    assert [t["ts"] for t in seen] == sorted((t["ts"] for t in seen), reverse=True)
    assert {(t["amount"], t["cost"], t["product"]) for t in seen} == {("199.90", "120.00", "SKU-1")}
    # and the 360 totals count them
    totals = admin.get(f"/customers/{cid}/360")[1]["totals"]
    assert (totals["transactions"], totals["amount"], totals["margin"]) == (7, "1399.30", "559.30")


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"order_id": "O-1", "ts": "2024-01-01T10:00:00+08:00", "amount": "5"}, 409, "order_id"),
        ({"order_id": "O-2", "ts": "2024-01-01T10:00:00+08:00", "amount": "-5"}, 422, "amount"),
        ({"order_id": "O-2", "ts": "2024-01-01T10:00:00+08:00", "amount": "abc"}, 422, "amount"),
        ({"order_id": "O-2", "ts": "2999-01-01T10:00:00+08:00", "amount": "5"}, 422, "ts"),
        ({"order_id": "O 2", "ts": "2024-01-01T10:00:00+08:00", "amount": "5"}, 422, "order_id"),
        ({"order_id": "O-2", "amount": "5"}, 422, "ts"),
    ],
)
def test_bad_transaction_is_rejected_and_nothing_written(body, status, field):
    # given a customer with order O-1
    admin = api_as("admin")
    cid = new_customer(admin)["id"]
    admin.post(
        f"/customers/{cid}/transactions",
        {"order_id": "O-1", "ts": "2024-01-01T09:00:00+08:00", "amount": "10"},
    )
    # when a bad or duplicate order is added
    got, error = admin.post(f"/customers/{cid}/transactions", body)
    # then the JSON error names the field, and still one order exists
    assert (got, error["field"]) == (status, field), error
    assert Transaction.objects.count() == 1


def test_agents_may_not_add_transactions_and_bad_cursor_is_a_400():
    # given a customer
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    # when an agent adds an order, and reads with a cursor it was never given
    added = agent.post(
        f"/customers/{cid}/transactions",
        {"order_id": "O-1", "ts": "2024-01-01T09:00:00+08:00", "amount": "10"},
    )
    paged = agent.get(f"/customers/{cid}/transactions", cursor="yesterday")
    # then 403 and 400, each a JSON error
    assert (added[0], added[1]["code"]) == (403, "forbidden")
    assert (paged[0], paged[1]["code"]) == (400, "bad_cursor")
    assert not Transaction.objects.exists()


# ---- interactions ------------------------------------------------------------------


def test_agent_records_an_interaction_and_it_appears_on_the_timeline():
    # given a customer
    agent = api_as("agent", "xiaoli")
    cid = new_customer(agent)["id"]
    # when an agent logs an inbound call
    status, body = agent.post(
        f"/customers/{cid}/interactions",
        {"channel": "phone", "subject": "退货咨询", "duration_seconds": 300},
    )
    # then it is listed with the agent as staff and is on the 360 timeline
    assert status == 201, body
    assert (body["staff"], body["direction"], body["channel"]) == ("xiaoli", "inbound", "phone")
    listed = api_as("analyst").get(f"/customers/{cid}/interactions")[1]
    assert [i["subject"] for i in listed["items"]] == ["退货咨询"]
    view = agent.get(f"/customers/{cid}/360")[1]
    assert [i["subject"] for i in view["interactions"]] == ["退货咨询"]
    assert "interaction_added" in [e["kind"] for e in view["events"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "无渠道"}, "channel"),
        ({"channel": "phone", "direction": "sideways"}, "direction"),
        ({"channel": "phone", "duration_seconds": -1}, "duration_seconds"),
        ({"channel": "phone", "ts": "not a time"}, "ts"),
    ],
)
def test_bad_interaction_is_a_422_and_writes_nothing(body, field):
    # given a customer
    agent = api_as("agent")
    cid = new_customer(agent)["id"]
    # when a bad interaction is logged
    status, error = agent.post(f"/customers/{cid}/interactions", body)
    # then 422 names the field, and nothing is written
    assert (status, error["field"]) == (422, field)
    assert not Interaction.objects.exists()


def test_analysts_may_not_log_interactions_and_unknown_customer_is_a_404():
    # given an analyst and an agent
    analyst, agent = api_as("analyst"), api_as("agent")
    cid = new_customer(agent)["id"]
    # when the analyst logs a call, and the agent logs one for a customer that does not exist
    refused = analyst.post(f"/customers/{cid}/interactions", {"channel": "phone"})
    missing = agent.post("/customers/98765/interactions", {"channel": "phone"})
    # then 403 and 404, nothing written
    assert (refused[0], refused[1]["code"]) == (403, "forbidden")
    assert (missing[0], missing[1]["code"]) == (404, "customer_not_found")
    assert not Interaction.objects.exists()
