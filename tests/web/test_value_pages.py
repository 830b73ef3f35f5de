"""The value dashboard (/value/) and the "Value & behaviour" section of the customer 360
page, rendered from real scoring runs, in English and Chinese; empty state and roles."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from idic.differentiate.models import CustomerScore
from tests.differentiate.value_support import import_and_score

DASHBOARD = "/value/"


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def scored(settings, tmp_path, db):
    settings.DATA_DIR = tmp_path / "data"
    return import_and_score(tmp_path)


# ---- access and empty state -----------------------------------------------------------


def test_dashboard_address_and_sign_in(client, db):
    assert reverse("differentiate:dashboard") == DASHBOARD
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("role", ["agent", "norole"])
def test_agents_and_users_without_role_get_the_403_page(signed_in, role):
    response = signed_in(role).get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "You have no access to this page" in _text(response)


def test_menu_shows_the_value_link_to_analysts_and_admins_only(signed_in):
    for role, shown in (("analyst", True), ("admin", True), ("agent", False)):
        page = _text(signed_in(role).get(reverse("identify:search"), HTTP_ACCEPT_LANGUAGE="en"))
        assert (f'href="{DASHBOARD}"' in page) is shown, role


def test_before_the_first_run_the_page_says_to_run_idic_score(signed_in):
    client = signed_in("analyst")
    page = _text(client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en"))
    assert "No scoring run yet" in page and "<code>idic score</code>" in page
    page = _text(client.get(DASHBOARD))
    assert "尚无评分批次" in page and "idic score" in page


# ---- the dashboard with two runs --------------------------------------------------------


def test_dashboard_shows_every_report_of_the_latest_run(signed_in, scored):
    # given two runs / when an analyst opens the dashboard in English
    response = signed_in("analyst").get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")
    page = _text(response)
    run = scored.latest
    assert response.status_code == 200
    # then the header names the latest run, its day, counts and fitted models
    assert f"Run #{run.pk} · purchases up to 2024-09-30" in page
    assert "BG/NBD (purchases)" in page and "Gamma-Gamma (spend)" in page
    assert f"{run.reports['gini']['gini']:.2f}" in page
    # and the pyramid, each tier with its customer and value shares
    for tier in run.reports["pyramid"]:
        assert f"{tier['spend_share_pct']:.1f}%" in page
    for label in ("Platinum", "Gold", "Iron", "Lead"):
        assert label in page
    # and the decile table as the course shows it
    for heading in ("Group", "Spend range", "Average transactions", "Share of spend"):
        assert heading in page
    for row in run.reports["decile_table"]:
        assert f"Decile {row['decile']}</th>" in page
        assert f"{row['spend_share_pct']:.1f}%" in page
    # and the Lorenz curve with the top 1/5/20 % shares
    assert "Lorenz curve" in page
    for share in run.reports["top_shares"]:
        assert f"Top {share['top_pct']:.0f}%" in page
        assert f"{share['value_share_pct']:.1f}%" in page
    # and the charts are inline SVG (pyramid, Lorenz, deciles, RFM grid), nothing external
    assert page.count('<svg class="chart') == 4
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    # and the RFM grid's cells add up to the scored customers
    cells = [int(n) for n in re.findall(r"<title>R\d F\d: (\d+)</title>", page)]
    assert sum(cells) == CustomerScore.objects.filter(run=run, r__isnull=False).count()
    # and the ABC table, the lifecycle flow against the earlier run, value × churn
    assert "Class A" in page and "ABC analysis" in page
    assert f"in run #{scored.earlier.pk} (2024-06-30)" in page
    assert "High value" in page and "High risk" in page


def test_churn_list_puts_valuable_customers_at_risk_first_and_links_the_360(signed_in, scored):
    page = _text(signed_in("admin").get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en"))
    rows = CustomerScore.objects.filter(run=scored.latest, churn_risk__gte=0.5).exclude(
        npv_value=None
    )
    # high value × high risk first: by the value at stake, NPV × churn risk
    at_risk = [
        r.customer_id
        for r in sorted(rows, key=lambda r: (-r.npv_value * r.churn_risk, -r.npv_value))[:3]
    ]
    assert at_risk, "the data set has customers at risk"
    section = page[page.index('class="table table-compact table-hover churn-list"') :]
    links = [int(n) for n in re.findall(r'href="/customers/(\d+)/"', section)]
    assert links[:3] == at_risk


def test_dashboard_in_chinese(signed_in, scored):
    page = _text(signed_in("analyst").get(DASHBOARD))
    for word in ("客户价值", "客户金字塔", "十分制分析", "洛伦兹曲线", "基尼系数", "RFM 网格"):
        assert word in page, word
    for label in ("铂金层", "黄金层", "A 类", "价值与流失风险", "批次间的状态迁移"):
        assert label in page, label
    assert "Customer pyramid" not in page


def test_run_picker_compare_and_flow_field(signed_in, scored):
    client = signed_in("analyst")
    # when the earlier run is picked / then its header, and no earlier run to compare with
    page = _text(client.get(DASHBOARD, {"run": scored.earlier.pk}, HTTP_ACCEPT_LANGUAGE="en"))
    assert f"Run #{scored.earlier.pk} · purchases up to 2024-06-30" in page
    assert "There is no earlier run to compare with" in page
    # when the tier flow is asked between the two runs / then the tier names head the matrix
    page = _text(
        client.get(
            DASHBOARD,
            {"run": scored.latest.pk, "compare": scored.earlier.pk, "flow": "pyramid_tier"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    )
    matrix = page[page.index('class="table table-compact matrix"') :]
    assert "Platinum" in matrix[: matrix.index("</thead>")]
    # and an unknown or malformed run is a finished 404 page
    for bad in ("999999", "abc"):
        response = client.get(DASHBOARD, {"run": bad}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert "There is no such scoring run" in _text(response)


# ---- the customer 360 -----------------------------------------------------------------


def test_360_shows_value_and_behaviour_with_history(signed_in, scored):
    customer = scored.customers["S2"]
    row = CustomerScore.objects.get(run=scored.latest, customer_id=customer)
    url = reverse("identify:customer", args=[customer])
    page = _text(signed_in("agent").get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Value & behaviour" in page
    assert f"scoring run #{scored.latest.pk}, purchases up to 2024-09-30" in page
    assert f"R{row.r} F{row.f} M{row.m}" in page
    assert f"Decile {row.decile}" in page
    assert f"¥{row.clv:,.2f}" in page
    assert f"{row.churn_risk * 100:.0f}%" in page
    assert "2 scoring runs" in page and "2024-06-30" in page
    assert 'class="sparkline"' in page
    page = _text(signed_in("agent").get(url))
    assert "价值与行为" in page and "流失风险" in page and "2 个评分批次" in page


def test_360_of_a_customer_before_any_run_says_not_scored(signed_in, zhang_wei):
    url = reverse("identify:customer", args=[zhang_wei.pk])
    page = _text(signed_in("analyst").get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Value & behaviour" in page and "Not scored yet." in page
    assert "尚未评分" in _text(signed_in("analyst").get(url))
