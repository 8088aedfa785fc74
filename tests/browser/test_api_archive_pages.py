"""The API reference, the administrators' token page and the archive page in headless Chromium: axe finds
no WCAG violations, a token is made and works, a response is filed and its package can be downloaded."""

from __future__ import annotations

import gc
import re

import pytest
from flask import Flask

from hearing.demo import DEMO_USERS
from hearing.jobs import run_pending_jobs
from tests.browser.conftest import login, page_screenshot
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


def _live_app() -> Flask:
    return [o for o in gc.get_objects() if isinstance(o, Flask) and o.config.get("SECRET_KEY") == "live"][-1]


def test_reference_tokens_and_archive_pages(page, live_server):
    email, _name, _role, password = DEMO_USERS[0]
    problems = {}
    page.goto(f"{live_server}/api/v1/reference")
    assert "GET /api/v1/processes" in page.inner_text("main")
    problems["/api/v1/reference"] = audit(page)
    page_screenshot(page, "api-reference")

    login(page, live_server, email, password)
    page.goto(f"{live_server}/admin/")
    page.locator("main a", has_text="API-nøkler").click()
    page.wait_for_load_state()
    problems["/admin/api-tokens/"] = audit(page)
    page.click("button:has-text('Lag nøkkel')")  # no purpose typed: the form says so
    page.wait_for_load_state()
    assert "Fyll ut feltet" in page.inner_text("main")
    problems["/admin/api-tokens/ (feil)"] = audit(page)
    page.fill("#name", "Analyse i Power BI")
    page.click("button:has-text('Lag nøkkel')")
    page.wait_for_load_state()
    token = page.input_value("#secret")
    assert token.startswith("hrg_")
    problems["/admin/api-tokens/…/nokkel"] = audit(page)
    response = page.request.get(f"{live_server}/api/v1/processes", headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200 and response.json()["items"]
    page.goto(f"{live_server}/admin/api-tokens/")
    page_screenshot(page, "api-tokens")

    process_id = response.json()["items"][0]["id"]
    page.goto(f"{live_server}/archive/processes/{process_id}")
    problems["/archive/processes/N"] = audit(page)
    boxes = page.locator("input[name=submission]")
    assert boxes.count() > 0
    boxes.first.check()
    page.click("button:has-text('Lag arkivmeldinger for de valgte')")
    page.wait_for_load_state()
    assert page.locator("progress").count() == 1
    problems["/archive/processes/N (i kø)"] = audit(page)
    run_pending_jobs(_live_app())
    page.reload()
    link = page.locator("main a", has_text=re.compile("^Last ned"))
    assert link.count() >= 2  # the case folder and the response
    problems["/archive/processes/N (klar)"] = audit(page)
    page_screenshot(page, "archive")
    with page.expect_download() as info:
        link.last.click()
    assert info.value.suggested_filename.startswith("arkivmelding-")
    assert problems == {url: [] for url in problems}
