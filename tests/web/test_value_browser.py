"""A real browser opens the value dashboard: the inline SVG charts are drawn (they have
size on the page) and the churn list leads to a customer's 360 page with its scores."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from idic.protect import services as protect
from tests.differentiate.value_support import import_and_score
from tests.web.sample_customers import PASSWORD
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS


def _open_dashboard(base_url: str, screenshot: Path) -> dict[str, Any]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.goto(f"{base_url}/login/")
            page.fill("input[name=username]", "analyst")
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit].btn-primary")
            page.wait_for_url("**/customers/")
            page.click("nav.mainnav a[href='/value/']")
            page.wait_for_selector("svg.chart-lorenz")
            charts = [
                page.locator(f"svg.{name}").bounding_box()
                for name in ("chart-pyramid", "chart-lorenz", "chart-deciles", "chart-heat")
            ]
            found = {
                "title": page.locator("h1").inner_text(),
                "charts": charts,
                "bars": page.locator("svg.chart-deciles rect.chart-bar").count(),
                "bar_colour": page.locator("svg.chart-deciles rect.chart-bar").first.evaluate(
                    "e => getComputedStyle(e).fill"
                ),
            }
            page.screenshot(path=str(screenshot), full_page=True)
            page.locator("table.churn-list a").first.click()
            page.wait_for_selector("section.value-section")
            found["value_title"] = page.locator("#value-title").inner_text()
            return found
        finally:
            browser.close()


@pytest.mark.browser
def test_analyst_opens_the_value_dashboard_in_a_browser(
    live_server, transactional_db, tmp_path, settings
):
    # given two scoring runs and an analyst
    settings.DATA_DIR = tmp_path / "data"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import_and_score(tmp_path)
    protect.create_user(username="analyst", password=PASSWORD, role="analyst")
    screenshot = tmp_path / "value.png"
    # when the analyst opens the dashboard from the menu and follows the churn list
    with ThreadPoolExecutor(max_workers=1) as pool:
        seen = pool.submit(_open_dashboard, live_server.url, screenshot).result(timeout=180)
    # then the page is in Chinese and each chart is drawn with a real size
    assert seen["title"] == "客户价值"
    for box in seen["charts"]:
        assert box is not None and box["width"] > 150 and box["height"] > 100
    assert seen["bars"] == 10
    assert seen["bar_colour"] == "rgb(29, 78, 216)"  # --primary of idic.css
    # and the churn list leads to a 360 page with its value section
    assert seen["value_title"] == "价值与行为"
    assert screenshot.stat().st_size > 20_000
