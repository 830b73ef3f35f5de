"""The churn list with its risk cut and row count (value dashboard form and score API),
high value × high risk first, and the new snapshot columns in the API and on the 360
page, read from real scoring runs on the database under test."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from idic.differentiate.models import CustomerScore
from tests.identify.api_support import api_as, user_with_role

from .value_support import import_and_score

pytestmark = pytest.mark.django_db

DASHBOARD = "/value/"


@pytest.fixture
def scored(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return import_and_score(tmp_path)


def _at_risk(run, cut: float) -> list[int]:
    """Customers of ``run`` with churn risk >= cut, by NPV × risk, NPV, id (the oracle)."""
    rows = CustomerScore.objects.filter(run=run, churn_risk__gte=cut).exclude(npv_value=None)
    keyed = [(-(r.npv_value * r.churn_risk), -r.npv_value, r.customer_id) for r in rows]
    return [customer for *_k, customer in sorted(keyed)]


def _page(role: str, params: dict | None = None):
    client = Client()
    client.force_login(user_with_role(role))
    return client.get(DASHBOARD, params or {}, HTTP_ACCEPT_LANGUAGE="en")


def _churn_links(html: str) -> list[int]:
    section = html[html.index('class="table table-compact table-hover churn-list"') :]
    section = section[: section.index("</table>")]
    return [int(n) for n in re.findall(r'href="/customers/(\d+)/"', section)]


# ---- the API --------------------------------------------------------------------------


def test_api_churn_list_defaults_and_order(scored):
    # given two runs / when an analyst asks for the churn list without parameters
    status, body = api_as("analyst").get("/scores/churn-list")
    # then the latest run's customers with risk >= 0.5, at most 20, most value at stake first
    assert status == 200
    assert (body["run_id"], body["min_risk"], body["limit"]) == (scored.latest.pk, 0.5, 20)
    expected = _at_risk(scored.latest, 0.5)[:20]
    assert expected, "the data set has customers at risk"
    assert [row["customer_id"] for row in body["items"]] == expected
    stakes = [row["value_at_risk"] for row in body["items"]]
    assert stakes == sorted(stakes, reverse=True)
    first = body["items"][0]
    assert first["value_at_risk"] == pytest.approx(first["npv_value"] * first["churn_risk"])


def test_api_churn_list_with_cut_row_count_and_run(scored):
    # when the cut is lowered, the rows limited, and the earlier run asked for
    query = f"/scores/churn-list?min_risk=0.2&limit=3&run={scored.earlier.pk}"
    status, body = api_as("admin").get(query)
    # then exactly those rows come back
    assert status == 200 and body["run_id"] == scored.earlier.pk
    assert [row["customer_id"] for row in body["items"]] == _at_risk(scored.earlier, 0.2)[:3]
    # and a cut of 1 keeps only the certain leavers
    status, body = api_as("admin").get("/scores/churn-list?min_risk=1")
    assert status == 200 and all(row["churn_risk"] >= 1.0 for row in body["items"])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("min_risk=1.5", "min_risk"),
        ("min_risk=-0.1", "min_risk"),
        ("min_risk=high", "min_risk"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=2.5", "limit"),
    ],
)
def test_api_churn_list_refuses_bad_values_naming_the_field(scored, query, field):
    status, body = api_as("analyst").get(f"/scores/churn-list?{query}")
    assert status == 422 and body["code"] == "invalid" and body["field"] == field


def test_api_churn_list_before_any_run_and_for_agents():
    status, body = api_as("analyst").get("/scores/churn-list")
    assert status == 404 and body["code"] == "no_score_run"
    status, _body = api_as("agent").get("/scores/churn-list")
    assert status == 403


def test_api_scores_carry_pareto_nbd_and_the_purchase_rate_recency(scored):
    # given a scored customer
    customer = scored.customers["S2"]
    row = CustomerScore.objects.get(run=scored.latest, customer_id=customer)
    assert row.pnbd_p_alive is not None and row.r_rate is not None
    # when read through the score API
    status, body = api_as("agent").get(f"/scores/customers/{customer}")
    # then the new columns come with the others
    assert status == 200
    assert body["latest"]["pnbd_p_alive"] == pytest.approx(row.pnbd_p_alive)
    assert body["latest"]["pnbd_expected_purchases"] == pytest.approx(row.pnbd_expected_purchases)
    assert body["latest"]["r_rate"] == row.r_rate
    status, page = api_as("analyst").get(f"/scores?cursor={customer - 1}&limit=1")
    assert status == 200 and page["items"][0]["r_rate"] == row.r_rate


# ---- the dashboard --------------------------------------------------------------------


def test_dashboard_churn_list_defaults_to_risk_half_and_twenty_rows(scored):
    response = _page("analyst")
    html = response.content.decode()
    assert response.status_code == 200
    assert _churn_links(html) == _at_risk(scored.latest, 0.5)[:20]
    assert 'name="risk"' in html and 'value="0.5"' in html and 'value="20"' in html
    assert "churn risk of 50% or more" in html and "Value at stake" in html


def test_dashboard_churn_list_follows_the_form(scored):
    # when the analyst lowers the cut to 0.2 and asks for 4 rows
    response = _page("analyst", {"risk": "0.2", "rows": "4"})
    html = response.content.decode()
    # then the list holds the 4 customers with most value at stake above 20 % risk
    assert response.status_code == 200
    assert _churn_links(html) == _at_risk(scored.latest, 0.2)[:4]
    assert "churn risk of 20% or more" in html
    assert 'value="0.2"' in html and 'value="4"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"risk": "2"}, "must be a probability from 0 to 1"),
        ({"risk": "lots"}, "is not a churn risk"),
        ({"risk": "nan"}, "is not a churn risk"),
        ({"rows": "0"}, "whole number from 1 to 500"),
        ({"rows": "-3"}, "is not a number of rows"),
        ({"rows": "9999"}, "whole number from 1 to 500"),
    ],
)
def test_dashboard_says_what_is_wrong_with_a_bad_cut_or_row_count(scored, params, message):
    # when the form carries a bad value
    response = _page("analyst", params)
    html = response.content.decode()
    # then the page answers 400 with the reason, and shows the default list
    assert response.status_code == 400
    assert message in html and 'role="alert"' in html
    assert _churn_links(html) == _at_risk(scored.latest, 0.5)[:20]


# ---- the 360 page ---------------------------------------------------------------------


def test_360_page_lists_pareto_nbd_and_the_purchase_rate_recency(scored):
    customer = scored.customers["S2"]
    row = CustomerScore.objects.get(run=scored.latest, customer_id=customer)
    client = Client()
    client.force_login(user_with_role("agent"))
    html = client.get(f"/customers/{customer}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Expected purchases (Pareto/NBD)" in html
    assert f"{row.pnbd_expected_purchases:,.2f}" in html
    assert "Probability alive (Pareto/NBD)" in html and f"{row.pnbd_p_alive * 100:.0f}%" in html
    assert "Recency at own purchase rate" in html and f"R{row.r_rate}" in html


@pytest.mark.parametrize(("at_bound", "shown"), [(True, True), (False, False)])
def test_dashboard_says_when_pareto_nbd_s_ends_on_its_bound(scored, at_bound, shown):
    # given the latest run's Pareto/NBD fit, with s on its bound or not
    run = scored.latest
    run.model_parameters["pareto_nbd"]["s_at_bound"] = at_bound
    run.save(update_fields=["model_parameters"])
    # when the dashboard is read, in English and in Chinese
    html = _page("analyst").content.decode()
    client = Client()
    client.force_login(user_with_role("analyst"))
    chinese = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # then the reading of the bound is shown exactly when s is on it
    assert ("dropout rates hardly differ" in html) is shown
    assert ("流失率相差无几" in chinese) is shown
