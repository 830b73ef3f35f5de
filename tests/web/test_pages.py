"""The customer pages through Django's test client: sign-in, roles, search, the 360 view,
and both languages. Runs on whichever database DATABASE_URL names."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from idic.identify.models import Customer, CustomerEvent
from idic.protect.models import AuditEntry
from tests.web.sample_customers import PASSWORD, ZHANG_WEI_ID_NUMBER

pytestmark = pytest.mark.django_db

PAGES = ["/customers/", "/customers/1/", "/import/"]


def _text(response) -> str:
    return response.content.decode()


# ---- access -------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    # given nobody signed in / when a page is opened
    response = client.get(url)
    # then the sign-in page is asked for, coming back here afterwards
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={url}"


@pytest.mark.parametrize("url", PAGES)
def test_user_without_role_is_refused(signed_in, url):
    # given a user who belongs to no role
    client = signed_in("norole")
    # when they open a customer page
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    # then they are refused with a page that says what to do
    assert response.status_code == 403
    assert "Ask an administrator" in _text(response)


def test_signing_in_opens_the_search(client, users):
    # given the sign-in form / when the right password is given
    response = client.post(
        reverse("web:login"), {"username": "agent", "password": PASSWORD}, follow=True
    )
    # then the customer search opens, naming the user and their role
    assert response.redirect_chain[-1][0] == reverse("identify:search")
    page = _text(response)
    assert "agent" in page
    assert "客服专员" in page


def test_wrong_password_is_refused_on_the_sign_in_page(client, users):
    # given the sign-in form / when the password is wrong
    response = client.post(
        reverse("web:login"),
        {"username": "agent", "password": "not-the-password"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then the form comes back with the error and nobody is signed in
    assert response.status_code == 200
    assert "Please enter a correct username and password" in _text(response)
    assert "_auth_user_id" not in client.session


# ---- search -------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["138 1234 5678", "+86 138-1234-5678", "张", "张伟"])
def test_search_finds_customer_by_phone_or_name(signed_in, zhang_wei, organisation, query):
    # given 张伟 and an organisation
    client = signed_in("agent")
    # when searching by their phone in any writing, or their name
    response = client.get(reverse("identify:search"), {"q": query})
    # then 张伟 is listed, linked to the 360 page, and the organisation is not
    page = _text(response)
    assert response.status_code == 200
    assert reverse("identify:customer", args=[zhang_wei.pk]) in page
    assert reverse("identify:customer", args=[organisation.pk]) not in page


def test_search_finds_customer_by_id_number(signed_in, zhang_wei):
    # given 张伟 with a sealed ID number / when an analyst searches by it
    response = signed_in("analyst").get(reverse("identify:search"), {"q": ZHANG_WEI_ID_NUMBER})
    # then 张伟 is found although the analyst may not see the number
    assert reverse("identify:customer", args=[zhang_wei.pk]) in _text(response)


def test_search_with_no_match_says_so(signed_in, zhang_wei):
    # given 张伟 only / when searching a phone nobody has
    response = signed_in("agent").get(
        reverse("identify:search"), {"q": "13700000000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # then the page says nothing matched and how to search otherwise
    page = _text(response)
    assert "No customer matches this search." in page
    assert reverse("identify:customer", args=[zhang_wei.pk]) not in page


def test_search_filters_by_kind_and_status(signed_in, zhang_wei, organisation):
    # given a consumer and an industrial organisation
    client = signed_in("agent")
    # when filtering on industrial, potential customers
    response = client.get(reverse("identify:search"), {"kind": "industrial", "status": "potential"})
    # then only the organisation is listed
    page = _text(response)
    assert reverse("identify:customer", args=[organisation.pk]) in page
    assert reverse("identify:customer", args=[zhang_wei.pk]) not in page


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("analyst", "1990-**-**", "1990-01-01"),
        ("agent", "1990-01-01", "1990-**-**"),
        ("admin", "1990-01-01", "1990-**-**"),
    ],
)
def test_search_masks_fields_beyond_the_role(signed_in, zhang_wei, role, shown, hidden):
    # given 张伟, born 1990-01-01 (confidential) / when each role searches for him
    response = signed_in(role).get(reverse("identify:search"), {"q": "张伟"})
    # then the date of birth is masked for the analyst only
    page = _text(response)
    assert shown in page
    assert hidden not in page


def test_search_pages_follow_the_cursor(signed_in):
    # given 30 customers
    for i in range(30):
        Customer.objects.create(
            name=f"客户{i:02d}",
            name_key=f"客户{i:02d}",
            created_at="2024-01-01T00:00:00+08:00",
            updated_at="2024-01-01T00:00:00+08:00",
        )
    client = signed_in("analyst")
    # when the first page is opened and its "next page" link followed
    first = _text(client.get(reverse("identify:search")))
    next_link = re.search(r'href="\?([^"]*cursor=\d+[^"]*)" *>|rel="next" href="\?([^"]+)"', first)
    assert next_link is not None
    query = (next_link.group(1) or next_link.group(2)).replace("&amp;", "&")
    second = _text(client.get(reverse("identify:search") + "?" + query))
    # then the two pages hold 25 and 5 customers, none twice
    first_ids = set(re.findall(r'href="/customers/(\d+)/"', first))
    second_ids = set(re.findall(r'href="/customers/(\d+)/"', second))
    assert (len(first_ids), len(second_ids)) == (25, 5)
    assert not first_ids & second_ids
    assert 'rel="next"' not in second


def test_search_with_a_bad_cursor_says_what_is_wrong(signed_in, zhang_wei):
    # given a tampered address / when the cursor is not a number
    response = signed_in("agent").get(
        reverse("identify:search"), {"cursor": "abc"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # then the page explains the search could not run and lists nobody
    page = _text(response)
    assert response.status_code == 200
    assert "The search could not run" in page
    assert reverse("identify:customer", args=[zhang_wei.pk]) not in page


# ---- customer 360 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("analyst", "110105********2761", ZHANG_WEI_ID_NUMBER),
        ("agent", "110105********2761", ZHANG_WEI_ID_NUMBER),
        ("admin", ZHANG_WEI_ID_NUMBER, "110105********2761"),
    ],
)
def test_360_masks_the_id_number_beyond_the_role(signed_in, zhang_wei, role, shown, hidden):
    # given 张伟 with a secret ID number / when each role opens his 360 page
    response = signed_in(role).get(reverse("identify:customer", args=[zhang_wei.pk]))
    # then only the administrator sees the number itself
    page = _text(response)
    assert response.status_code == 200
    assert shown in page
    assert hidden not in page


def test_360_masks_phone_and_income_for_the_analyst(signed_in, zhang_wei):
    # given 张伟's phone (confidential) and income (secret) with its history
    client = signed_in("analyst")
    # when the analyst opens the page
    page = _text(client.get(reverse("identify:customer", args=[zhang_wei.pk])))
    # then the phone and both incomes are masked
    assert "+86138****5678" in page
    assert "+8613812345678" not in page
    assert "18000" not in page
    assert "12000" not in page


def test_360_shows_profile_contacts_totals_and_history(signed_in, zhang_wei, organisation):
    # given 张伟 with two phones, an opted-out email, three orders and a changed income
    client = signed_in("admin")
    # when the administrator opens the page in English
    page = _text(
        client.get(reverse("identify:customer", args=[zhang_wei.pk]), HTTP_ACCEPT_LANGUAGE="en")
    )
    # then each part is there
    assert "<h1" in page and "张伟" in page
    assert "Consumer" in page and "Actual" in page and "Person" in page
    assert "Opted out" in page and "Verified" in page and "Former" in page
    assert "4,635.50" in page  # 1280 + 356.50 + 2999
    assert "1,535.50" in page  # margin
    assert "2024-01-15" in page and "2024-05-20" in page  # first and last purchase
    assert "Monthly income" in page and "18000" in page
    assert "1 earlier value" in page and "12000" in page
    assert organisation.name in page and "Purchaser" in page


def test_360_timeline_merges_streams_newest_first(signed_in, zhang_wei):
    # given orders, calls and events of 张伟 spread over 2023-2024
    client = signed_in("admin")
    # when the 360 page is shown
    page = _text(client.get(reverse("identify:customer", args=[zhang_wei.pk])))
    # then the timeline lists them in one sequence, newest first
    timeline = page[page.index('class="timeline"') :]
    marks = ["生日关怀", "SO-1003", "SO-1002", "咨询会员积分", "SO-1001", "客户建档"]
    positions = [timeline.index(mark) for mark in marks]
    assert positions == sorted(positions)


def test_360_masks_values_in_an_unknown_events_details(signed_in, zhang_wei):
    # given an event of a kind the page has no wording for, carrying income values
    CustomerEvent.objects.create(
        customer=zhang_wei,
        ts="2024-07-01T09:00:00+08:00",
        kind="income_corrected",
        payload={"name": "income", "old": "18000", "new": "19500", "note": "payroll"},
    )
    # when the analyst opens the page
    page = _text(signed_in("analyst").get(reverse("identify:customer", args=[zhang_wei.pk])))
    # then the event is listed with its values masked like the income they are
    assert "income corrected" in page
    assert "1****" in page and "19500" not in page
    assert "p*****" in page  # an unknown key is confidential by default


def test_360_view_is_written_to_the_audit_log(signed_in, zhang_wei):
    # given an analyst / when they open 张伟's page
    signed_in("analyst").get(reverse("identify:customer", args=[zhang_wei.pk]))
    # then the audit log records who saw which customer, with which role
    entry = AuditEntry.objects.get(object_type="customer", object_id=str(zhang_wei.pk))
    assert (entry.actor, entry.role, entry.action) == ("analyst", "analyst", "view_360")


def test_360_of_unknown_customer_is_a_finished_404(signed_in, zhang_wei):
    # given no customer 999999 / when its page is opened
    response = signed_in("agent").get(
        reverse("identify:customer", args=[999999]), HTTP_ACCEPT_LANGUAGE="en"
    )
    # then a 404 page says so and leads back to the search
    page = _text(response)
    assert response.status_code == 404
    assert "There is no customer #999999" in page
    assert reverse("identify:search") in page


def test_unknown_address_gets_the_house_404_page(signed_in):
    # given a signed-in agent / when an address that no page has is opened
    response = signed_in("agent").get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    # then the 404 page in the house layout leads back to the search
    page = _text(response)
    assert response.status_code == 404
    assert "This page does not exist" in page
    assert reverse("web:search") in page


# ---- languages ----------------------------------------------------------------------


def test_default_language_is_chinese(signed_in, zhang_wei):
    # given no language preference / when the search opens
    page = _text(signed_in("agent").get(reverse("identify:search")))
    # then it is in Chinese, model labels included
    assert '<html lang="zh-Hans">' in page
    assert "客户查询" in page and "消费客户" in page and "现实客户" in page


def test_accept_language_english_gives_english(signed_in, zhang_wei):
    # given a browser that prefers English / when the search opens
    page = _text(signed_in("agent").get(reverse("identify:search"), HTTP_ACCEPT_LANGUAGE="en-GB"))
    # then it is in English
    assert '<html lang="en">' in page
    assert "Customer search" in page and "Consumer" in page
    assert "客户查询" not in page


def test_language_cookie_outranks_the_browser(signed_in, zhang_wei):
    # given a user who chose Chinese, in an English browser
    client = signed_in("agent")
    client.cookies["django_language"] = "zh-hans"
    # when the 360 page opens
    page = _text(
        client.get(reverse("identify:customer", args=[zhang_wei.pk]), HTTP_ACCEPT_LANGUAGE="en")
    )
    # then it is in Chinese
    assert "客户时间线" in page and "联系方式" in page and "已退订" in page


def test_language_switch_sets_the_cookie(signed_in):
    # given the Chinese search page
    client = signed_in("agent")
    # when the English button of the switch is pressed
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("identify:search")}
    )
    # then the browser goes back to the search, now in English
    assert response.status_code == 302
    assert response["Location"] == reverse("identify:search")
    assert "Customer search" in _text(client.get(reverse("identify:search")))
