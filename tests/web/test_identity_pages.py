"""The review queue page and the customer page's "Sources & merges", with undo."""

from __future__ import annotations

import pytest
from django.urls import reverse

from idic.identify.models import Customer, ReviewPair, SourceRecord
from idic.identify.services import merging, review
from tests.identify.merge_support import make_customer

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def pair():
    a = make_customer(1, name="张伟", phone="+8613812345678")
    b = make_customer(2, name="章伟", phone="+8613812345678")
    left, right = (SourceRecord.objects.get(customer=c).pk for c in (a, b))
    review.enqueue_pair(
        left_record_id=left, right_record_id=right, probability=0.71, evidence={"name": "pinyin"}
    )
    return ReviewPair.objects.get()


def test_admin_sees_both_records_side_by_side_and_decides(signed_in, pair):
    # given an admin on the review page
    client = signed_in("admin")
    page = _text(client.get(reverse("identify:review"), HTTP_ACCEPT_LANGUAGE="en"))
    # then both records are there with the evidence and the two buttons
    assert "张伟" in page and "章伟" in page and "0.71" in page
    assert "pinyin" in page and "Not a match" in page
    # when they decide it is a match
    response = client.post(
        reverse("identify:review_decide", args=[pair.pk]),
        {"decision": "match"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the customers are merged, the pair leaves the queue, the page says so
    assert "Merged" in _text(response)
    assert Customer.objects.filter(merged_into__isnull=False).count() == 1
    assert "Nothing to review" in _text(
        client.get(reverse("identify:review"), HTTP_ACCEPT_LANGUAGE="en")
    )


def test_review_page_is_for_admins_only(signed_in, pair):
    for role in ("agent", "analyst"):
        client = signed_in(role)
        assert client.get(reverse("identify:review")).status_code == 403
        response = client.post(
            reverse("identify:review_decide", args=[pair.pk]), {"decision": "match"}
        )
        assert response.status_code == 403
    assert ReviewPair.objects.get().status == "pending"


def test_a_bad_decision_is_reported_and_nothing_changes(signed_in, pair):
    client = signed_in("admin")
    response = client.post(
        reverse("identify:review_decide", args=[pair.pk]),
        {"decision": "maybe"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "not one of" in _text(response)
    assert ReviewPair.objects.get().status == "pending"


def test_review_link_in_the_menu_only_for_admins(signed_in):
    assert reverse("identify:review") in _text(signed_in("admin").get(reverse("identify:search")))
    assert reverse("identify:review") not in _text(
        signed_in("agent").get(reverse("identify:search"))
    )


def test_customer_page_shows_sources_and_merges_and_admin_undoes(signed_in):
    # given two customers merged
    a = make_customer(1, name="张伟", phone="+8613812345678", source="crm")
    b = make_customer(2, name="章伟", phone="+8613900000000", source="web")
    result = merging.merge_customers(customer_ids=[a.pk, b.pk], actor="alice", reason="同一人")
    client = signed_in("admin")
    url = reverse("identify:customer", args=[a.pk])
    # when an admin opens the golden customer
    page = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    # then both source records are listed, the web one saying where it came from
    assert "Sources & merges" in page
    assert "S1" in page and "S2" in page
    assert f"came from customer #{b.pk} (merge {result.merge_id})" in page
    assert "+8613900000000" in page  # the merged record's phone, under its source record
    # and the merge with who and why, and an undo button
    assert "同一人" in page and "alice" in page
    undo = reverse("identify:undo_merge", args=[a.pk, result.merge_id])
    assert undo in page
    # when they undo it / then the customers are separate again
    response = client.post(undo, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "undone" in _text(response)
    assert Customer.objects.get(pk=b.pk).merged_into_id is None


def test_agents_see_sources_but_no_undo(signed_in):
    a, b = make_customer(1), make_customer(2)
    result = merging.merge_customers(customer_ids=[a.pk, b.pk], actor="x", reason="")
    client = signed_in("agent")
    page = _text(client.get(reverse("identify:customer", args=[a.pk]), HTTP_ACCEPT_LANGUAGE="en"))
    undo = reverse("identify:undo_merge", args=[a.pk, result.merge_id])
    assert "Sources & merges" in page and undo not in page
    assert client.post(undo).status_code == 403
    assert Customer.objects.get(pk=b.pk).merged_into_id == a.pk


def test_customer_page_in_chinese_names_the_section(signed_in):
    a, b = make_customer(1), make_customer(2)
    merging.merge_customers(customer_ids=[a.pk, b.pk], actor="x", reason="")
    page = _text(
        signed_in("admin").get(
            reverse("identify:customer", args=[a.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    )
    assert "来源与合并" in page and "撤销合并" in page


def test_old_values_show_less_confidence_and_risky_organisations_are_marked(signed_in):
    # given an organisation whose business status says it is bankrupt, recorded long ago
    from idic.identify.models import AttributeValue

    org = make_customer(1, name="华信科技有限公司", party_type="organisation")
    AttributeValue.objects.create(
        customer=org,
        group="org_business",
        name="business_status",
        value="已破产清算",
        source="crm",
        collected_at=org.created_at,
        recorded_at=org.created_at,
    )
    # when an admin opens it
    page = _text(
        signed_in("admin").get(
            reverse("identify:customer", args=[org.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    # then it is marked bankrupt, and the old business status counts for less than 100%
    assert 'class="badge badge-risk">Bankrupt' in page
    assert "recorded 100%, less for its age" in page
    assert ">100%<" not in page.split("business_status")[-1].split("</tr>")[0]
