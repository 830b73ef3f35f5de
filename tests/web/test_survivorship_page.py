"""The survivorship rules page: every role reads it, admins change a rule or reset it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from idic.identify.models import SurvivorshipRule

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _post(client, field, **data):
    return client.post(
        reverse("identify:survivorship_set", args=[field]),
        data,
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_an_agent_reads_the_rules_without_forms(signed_in):
    # given an agent / when the page opens
    page = _text(
        signed_in("agent").get(reverse("identify:survivorship"), HTTP_ACCEPT_LANGUAGE="en")
    )
    # then every field and its rule are listed, with nothing to change
    assert "Survivorship rules" in page
    assert 'data-field="name"' in page and 'data-field="address"' in page
    assert "Most trusted source" in page and "Most recent" in page
    assert "<select" not in page


def test_the_page_is_chinese_for_a_chinese_reader(signed_in):
    page = _text(
        signed_in("admin").get(reverse("identify:survivorship"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    assert "最可信来源" in page and "合并规则" in page


def test_admin_sets_a_rule_with_sources_then_resets_it(signed_in):
    client = signed_in("admin")
    # when the admin trusts erp, then crm for the company (a Chinese comma between them)
    page = _text(_post(client, "company", rule="most_trusted_source", sources="erp，crm"))
    # then the rule is stored in that order and the page says so
    assert SurvivorshipRule.objects.get(field="company").source_ranking == ["erp", "crm"]
    assert "later merges show the value" in page and "set here" in page
    # when they go back to the built-in rule
    page = _text(_post(client, "company", action="reset", rule="most_trusted_source"))
    # then nothing is stored any more
    assert not SurvivorshipRule.objects.exists()
    assert "back to the built-in rule" in page


@pytest.mark.parametrize(
    ("field", "data", "shown"),
    [
        ("name", {"rule": "loudest"}, "loudest"),
        ("nickname", {"rule": "most_recent"}, "not a customer field"),
        ("name", {"rule": "most_trusted_source", "sources": "crm, bad source!"}, "source"),
    ],
)
def test_a_bad_rule_is_reported_and_nothing_stored(signed_in, field, data, shown):
    page = _text(_post(signed_in("admin"), field, **data))
    assert shown in page and "message-error" in page
    assert not SurvivorshipRule.objects.exists()


def test_only_admins_change_rules(signed_in):
    for role in ("agent", "analyst"):
        response = signed_in(role).post(
            reverse("identify:survivorship_set", args=["name"]), {"rule": "most_recent"}
        )
        assert response.status_code == 403
    assert not SurvivorshipRule.objects.exists()


def test_the_review_queue_links_to_the_rules(signed_in):
    page = _text(signed_in("admin").get(reverse("identify:review")))
    assert reverse("identify:survivorship") in page
