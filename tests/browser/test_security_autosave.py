"""ASVS V8.2.2 (data in browser storage): answer drafts live only in the tab (sessionStorage), expire within
hours, never hold name or e-mail, can be discarded, and are cleared when the answer is sent.

Before the fix autosave kept name, e-mail and text (identity numbers included) in localStorage for ever.
Runs in Debian's Chromium like the tests in tests/browser (this folder's fixtures).
"""

from __future__ import annotations

import json

import pytest

from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _box_url(page, base) -> str:  # noqa: F811  (page: the fixture imported above)
    page.goto(base + "/")
    link = page.locator("a", has_text="Benkeforslag").first
    if link.count() == 0:
        link = page.locator("main a[href^='/delta/']").first
    return base + link.get_attribute("href")


def _drafts(page, storage: str) -> dict:  # noqa: F811
    return page.evaluate(f"Object.fromEntries(Object.keys({storage}).filter(k => k.startsWith('draft:'))"
                         f".map(k => [k, {storage}.getItem(k)]))")


def test_a_draft_is_kept_for_the_tab_without_name_or_e_mail_and_can_be_discarded(page, live_server):  # noqa: F811
    url = _box_url(page, live_server)
    page.goto(url)
    page.evaluate("localStorage.setItem('draft:old', JSON.stringify({'respondent_name': ['Gammel Lagring']}))")
    page.reload()
    assert _drafts(page, "localStorage") == {}  # what an older version left is removed
    page.fill("textarea[name='statement']", "Benk ved bussen. Mitt fnr er 15108695088.")
    if page.locator("input[name='respondent_name']").count():
        page.fill("input[name='respondent_name']", "Kari Nordmann")
    if page.locator("input[name='respondent_email']").count():
        page.fill("input[name='respondent_email']", "kari@example.no")
    page.locator("textarea[name='statement']").press("End")  # one more input event after the other fields
    drafts = _drafts(page, "sessionStorage")
    assert len(drafts) == 1
    stored = json.loads(next(iter(drafts.values())))
    assert "Benk ved bussen" in stored["fields"]["statement"][0] and stored["at"] > 0
    assert "Kari Nordmann" not in json.dumps(stored) and "kari@example.no" not in json.dumps(stored)
    assert _drafts(page, "localStorage") == {}

    page.reload()
    assert page.input_value("textarea[name='statement']").startswith("Benk ved bussen")
    if page.locator("input[name='respondent_name']").count():
        assert page.input_value("input[name='respondent_name']") == ""
    discard = page.locator("[data-discard-draft]")
    assert discard.is_visible() and discard.inner_text().strip() == "Forkast utkast"
    assert audit(page) == []
    discard.click()
    assert page.input_value("textarea[name='statement']") == ""
    assert _drafts(page, "sessionStorage") == {}
    assert "Utkastet er forkastet." in page.inner_text(".autosave-status")


def test_an_old_draft_is_not_brought_back_and_sending_clears_it(page, live_server):  # noqa: F811
    url = _box_url(page, live_server)
    page.goto(url)
    key = "draft:respond-" + url.rstrip("/").split("/")[-1]
    old = {"at": 0, "fields": {"statement": ["Skrevet for lenge siden"]}}
    page.evaluate(f"sessionStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(old))})")
    page.reload()
    assert page.input_value("textarea[name='statement']") == ""
    page.fill("textarea[name='statement']", "Et nytt forslag om benker")
    page.check("#consent-2")
    assert _drafts(page, "sessionStorage")
    with page.expect_navigation():
        page.locator("form[data-autosave] button[type='submit']").click()
    assert _drafts(page, "sessionStorage") == {}
