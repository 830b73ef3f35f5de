"""The identity API: recognise, merge and undo, the review queue; roles and errors."""

from __future__ import annotations

import pytest

from idic.identify.models import Customer, MergeRecord, ReviewPair, SourceRecord
from idic.identify.services import review
from tests.identify.api_support import ID_NUMBER, api_as
from tests.identify.merge_support import make_customer, tables

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


def test_agent_recognises_a_caller_and_sees_masked_fields():
    # given a customer with a phone and a birth date
    customer = make_customer(1, name="张伟", phone=PHONE)
    # when an agent recognises a caller by name and phone
    status, body = api_as("agent").post("/recognize", {"name": "章伟", "phone": "13812345678"})
    # then the answer is that customer, with why, and the customer's fields for the agent
    assert status == 200, body
    assert body["status"] == "match" and body["customer_id"] == customer.pk
    assert set(body["why"]["agreed"]) == {"name", "phone"}
    assert body["candidates"][0]["customer"]["name"] == "张伟"


def test_analyst_may_not_recognise():
    status, body = api_as("analyst").post("/recognize", {"phone": PHONE})
    assert status == 403 and body["code"] == "forbidden"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"phone": "12"}, "phone"), ({"name": "x", "nickname": "y"}, "nickname")],
)
def test_bad_recognition_input_is_a_422_naming_the_field(body, field):
    status, error = api_as("agent").post("/recognize", body)
    assert status == 422, error
    assert error["field"] == field


def test_admin_merges_and_undoes():
    # given two customers and their tables
    a, b = make_customer(1), make_customer(2)
    before = tables()
    admin = api_as("admin")
    # when an admin merges them
    status, merge = admin.post("/merges", {"customer_ids": [b.pk, a.pk], "reason": "same card"})
    # then the merge is recorded with who and why
    assert status == 201, merge
    assert (merge["golden_id"], merge["merged_ids"]) == (a.pk, [b.pk])
    assert merge["actor"] == "admin_user" and merge["reason"] == "same card"
    assert Customer.objects.get(pk=b.pk).merged_into_id == a.pk
    # and when they undo it, every table is as it was
    status, undone = admin.post(f"/merges/{merge['id']}/undo", {})
    assert status == 200 and undone["undone_by"] == "admin_user"
    assert tables() == before
    # and undoing again is a conflict
    status, error = admin.post(f"/merges/{merge['id']}/undo", {})
    assert status == 409 and error["code"] == "merge_refused"


def test_merge_errors():
    a = make_customer(1)
    admin = api_as("admin")
    assert admin.post("/merges", {"customer_ids": [a.pk], "reason": "x"})[0] == 422
    status, error = admin.post("/merges", {"customer_ids": [a.pk, 999], "reason": "x"})
    assert status == 404 and "999" in error["message"]
    status, error = admin.post("/merges/999/undo", {})
    assert status == 404 and "merge 999" in error["message"]
    assert api_as("agent").post("/merges", {"customer_ids": [a.pk, 2], "reason": "x"})[0] == 403
    assert not MergeRecord.objects.exists()


def test_review_queue_and_decision():
    # given two records of two customers queued for review
    a, b = make_customer(1, name="张伟"), make_customer(2, name="章伟")
    left, right = SourceRecord.objects.get(customer=a), SourceRecord.objects.get(customer=b)
    review.enqueue_pair(
        left_record_id=right.pk,
        right_record_id=left.pk,
        probability=0.7,
        evidence={"name": "pinyin"},
    )
    admin = api_as("admin")
    # when an admin lists the queue
    status, page = admin.get("/review")
    # then the pair is there with both records
    assert status == 200 and page["pending"] == 1
    pair = page["items"][0]
    assert (pair["left"]["id"], pair["right"]["id"]) == (left.pk, right.pk)
    assert pair["left"]["fields"]["name"] == "张伟"
    # when they decide it is a match
    status, decided = admin.post(f"/review/{pair['id']}", {"decision": "match"})
    # then the customers are merged and the decision is kept
    assert status == 200 and decided["status"] == "match" and decided["merge_id"]
    assert Customer.objects.get(pk=b.pk).merged_into_id == a.pk
    status, error = admin.post(f"/review/{pair['id']}", {"decision": "non_match"})
    assert status == 409 and error["code"] == "already_decided"
    assert ReviewPair.objects.get().status == "match"


def test_review_errors_and_roles():
    admin = api_as("admin")
    assert admin.post("/review/999", {"decision": "match"})[0] == 404
    assert admin.post("/review/1", {"decision": "maybe"})[0] == 422
    assert admin.get("/review", status="other")[0] == 422
    assert api_as("agent").get("/review")[0] == 403


def test_creating_a_returning_customer_links_instead_of_duplicating():
    # given a customer created with name, phone and ID number
    agent = api_as("agent")
    status, first = agent.post(
        "/customers", {"name": "王芳", "phone": "13812345678", "id_number": ID_NUMBER}
    )
    assert status == 201, first
    # when the same person is entered again with the phone written another way
    status, again = agent.post("/customers", {"name": "王芳", "phone": "+86 138 1234 5678"})
    # then the stored customer comes back, linked, with why; nothing new is written
    assert status == 200, again
    assert again["id"] == first["id"] and again["linked"] is True
    assert set(again["recognition"]["why"]["agreed"]) == {"name", "phone"}
    assert Customer.objects.count() == 1
    # and a family member on the same phone is a customer of her own
    status, other = agent.post("/customers", {"name": "李娜", "phone": "13812345678"})
    assert status == 201 and other["id"] != first["id"]
