"""One real browser walk: sign in, find a customer by phone, open the 360 page.

Drives Debian's Chromium (``apt-get install chromium``) through Playwright's sync API
against the live test server. Playwright runs an event loop in the thread that uses it,
so the browser runs in a worker thread and the ORM stays in the test's own thread.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from idic.protect import services as protect
from tests.web.sample_customers import PASSWORD, build_zhang_wei

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _walk(base_url: str, screenshot: Path) -> dict[str, Any]:
    """Sign in, search by phone, open the customer; report what the pages showed."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.goto(f"{base_url}/login/")
            page.fill("input[name=username]", "agent")
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit].btn-primary")
            page.wait_for_url("**/customers/")
            page.fill("input[name=q]", "138 1234 5678")
            page.press("input[name=q]", "Enter")
            page.wait_for_url("**/customers/?q=*")
            result_names = page.locator("table a.row-link span:last-child").all_inner_texts()
            page.click("table a.row-link")
            page.wait_for_selector("ol.timeline")
            found = {
                "results": [name.strip() for name in result_names],
                "title": page.locator("h1").inner_text(),
                "timeline": page.locator("ol.timeline > li .tl-title").all_inner_texts(),
                "contacts": page.locator(".contact-value").all_inner_texts(),
            }
            page.screenshot(path=str(screenshot), full_page=True)
            return found
        finally:
            browser.close()


@pytest.mark.browser
def test_agent_finds_customer_by_phone_and_reads_the_timeline(
    live_server, transactional_db, tmp_path, settings
):
    # given an agent and 张伟 with orders, calls and events
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    protect.create_user(username="agent", password=PASSWORD, role="agent")
    build_zhang_wei()
    screenshot = tmp_path / "customer-360.png"
    # when the agent signs in with a Chinese browser, searches by phone and opens the result
    with ThreadPoolExecutor(max_workers=1) as pool:
        seen = pool.submit(_walk, live_server.url, screenshot).result(timeout=180)
    # then the search found exactly 张伟, whose page shows his name and timeline
    assert seen["results"] == ["张伟"]
    assert "张伟" in seen["title"]
    timeline = seen["timeline"]
    assert timeline[0] == "生日关怀"
    assert "订单 SO-1003" in timeline and "咨询会员积分" in timeline
    assert timeline.index("订单 SO-1003") < timeline.index("订单 SO-1001")
    assert "+8613812345678" in seen["contacts"]  # agents may see phones
    # and the page was captured
    assert screenshot.stat().st_size > 10_000
