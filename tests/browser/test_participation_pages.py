"""Participation pages in headless Chromium: axe audit, keyboard-only hearing answer, no console CSP errors."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import page_screenshot
from tests.browser.test_foundation_pages import audit
from tests.processes import wait_until

pytestmark = pytest.mark.browser


def hearing_url(page, base) -> str:
    page.goto(base + "/")
    link = page.locator("a", has_text="Offentlig høring").first
    return base + link.get_attribute("href")


def test_citizen_answers_a_hearing_by_keyboard_alone(page, live_server, capsys):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    url = hearing_url(page, live_server)
    page.goto(url)
    page.evaluate("sessionStorage.clear()")  # no draft kept by the form's autosave from an earlier test
    page.reload()
    page.wait_for_load_state("networkidle")  # the form's scripts have run (they may open or close comment boxes)
    problems = {"hearing form": audit(page)}
    # Tab to the first section's "Kommenter" toggle, open it with Enter, type, then go on to the end.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert not page.evaluate("document.activeElement.parentElement.open")
    # Enter then Tab at once, as a quick keyboard user does: the field must be in the tab order
    # straight away (Designsystemet's opening animation used to leave it out for 0.4 s).
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type("Dette avsnittet bør nevne pårørende.")
    activity_id = url.rstrip("/").split("/")[-1]
    page.evaluate(f"sessionStorage.setItem('draft:respond-{activity_id}-edit', '{{}}')")  # as an edit left it
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('draft:')).length") == 2
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "consent":
            break
    page.keyboard.press("ArrowDown")  # a radio group is one Tab stop; arrows choose within it
    assert page.locator("#consent-2").is_checked()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/svar/.*kvittering=1"))
    assert "Takk! Svaret ditt er mottatt." in page.inner_text("main")
    # Nothing typed stays behind in this browser: the receipt clears the answer's and any edit's local draft.
    # polled with evaluate: page.wait_for_function polls with eval(), which the page's CSP refuses.
    wait_until(lambda: page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('draft:')).length === 0"),
               what="the receipt clears the local drafts")
    assert "Dette avsnittet bør nevne pårørende." in page.inner_text("main")
    problems["receipt"] = audit(page)
    page_screenshot(page, "receipt")
    for name in ("data.json",):
        assert page.locator(f"a[href$='{name}']").count() == 1
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert {k: v for k, v in problems.items() if v} == {}


def test_error_state_and_narrow_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    url = hearing_url(page, live_server)
    page.goto(url)
    page.locator("button[type=submit]").click()
    page.wait_for_selector("[data-error-summary]")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.locator("#consent").get_attribute("aria-invalid") == "true"
    assert audit(page) == []
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    page_screenshot(page, "hearing_320")
    context.close()
