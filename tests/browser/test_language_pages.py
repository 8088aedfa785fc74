"""Issue 22 in headless Chromium: defects found by hand (restored drafts, error links, words broken in
tables, untranslated filter names, links that answer 403) and the `lang` of text in another language."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin, urlparse

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login, page_screenshot
from tests.browser.htmlcs import sniff
from tests.browser.test_all_pages import WIDEST
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


def _first(app, stmt):
    from hearing.extensions import db

    with app.app_context():
        value = db.session.scalar(stmt)
        db.session.remove()
        return value


def _hearing_id(app) -> int:
    from hearing.models import Activity

    return _first(app, sa.select(Activity.id).where(Activity.kind == "hearing", Activity.audience == "public").order_by(Activity.id))


def _theme_id(app) -> int:
    from hearing.models import Theme

    return _first(app, sa.select(Theme.id).order_by(Theme.id))


def test_a_restored_draft_opens_its_section_and_says_so_in_the_readers_language(page, live_server, live_app):
    activity_id = _hearing_id(live_app)
    url = f"{live_server}/delta/{activity_id}?lang=en"
    page.goto(url)
    section = page.locator("textarea[name^='section-']").first
    name = section.get_attribute("name")
    assert not section.is_visible()  # the section's comment box starts closed
    draft = {name: ["A comment typed yesterday."]}
    page.evaluate(f"sessionStorage.setItem('draft:respond-{activity_id}', "
                  f"JSON.stringify({{at: Date.now(), fields: {json.dumps(draft)}}}))")
    page.reload()
    page.wait_for_load_state("networkidle")
    restored = page.locator(f"textarea[name='{name}']")
    assert restored.input_value() == "A comment typed yesterday."
    assert restored.is_visible(), "the restored comment sits in a closed section: hidden, but it would be sent"
    assert page.evaluate(f"document.querySelector(\"textarea[name='{name}']\").closest('details').open")
    status = page.locator(".autosave-status")
    assert status.is_visible()
    assert "We brought back a draft" in status.inner_text()
    assert "Vi hentet fram" not in page.inner_text("main")
    assert audit(page) == []
    page.evaluate("sessionStorage.clear()")


def test_split_form_error_links_to_a_box_that_exists(page, live_server, live_app):
    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/review/themes/{_theme_id(live_app)}")
    page.fill("#split-form input[name='name']", "Nytt tema uten innspill")
    with page.expect_navigation():
        page.click("#split-form button[type=submit]")
    links = page.locator("[data-error-summary] a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "#assignment_ids" in hrefs
    for href in hrefs:  # every link in the summary lands on something
        assert page.locator(href).count() == 1, href
    page.click("[data-error-summary] a[href='#assignment_ids']")
    assert page.evaluate("document.activeElement.type") == "checkbox"
    assert page.evaluate("document.activeElement.name") == "assignment_ids"
    assert audit(page) == []


#: Words of table cells that are split over two lines (a word is a run of letters).
BROKEN_WORDS = r"""() => {
  const broken = [];
  for (const cell of document.querySelectorAll("main td, main th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (node.parentElement.closest(".sr-only")) continue;  // read, not seen: 1 px wide by design
      for (const m of node.textContent.matchAll(/[\p{L}]{4,}/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}"""


def test_words_in_tables_are_not_broken_on_a_narrow_screen(browser, live_server, live_app):
    context = browser.new_context(viewport={"width": 320, "height": 900})
    page = context.new_page()
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    from hearing.models import Process, ThemeRun

    process_id = _first(live_app, sa.select(Process.id).order_by(Process.id))
    run_id = _first(live_app, sa.select(ThemeRun.id).order_by(ThemeRun.id))
    broken = {}
    for url in (f"/admin/processes/{process_id}", f"/review/themes/{_theme_id(live_app)}", f"/review/runs/{run_id}/inputs",
                "/admin/users", f"/admin/processes/{process_id}/groups"):
        page.goto(live_server + url)
        assert page.locator("main td, main th").count() > 0, url
        if words := page.evaluate(BROKEN_WORDS):
            broken[url] = words
        assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"), (url, page.evaluate(WIDEST))
    context.close()
    assert broken == {}


def test_board_language_filter_names_languages_in_the_readers_language(page, live_server, live_app):
    from hearing.models import ThemeRun

    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    run_id = _first(live_app, sa.select(ThemeRun.id).order_by(ThemeRun.id))
    page.goto(f"{live_server}/review/runs/{run_id}?lang=en")
    options = page.locator("select[name='lang_filter'] option").all_inner_texts()
    assert "Danish" in options and "English" in options
    assert "Dansk" not in options and "Engelsk" not in options
    page.goto(f"{live_server}/review/runs/{run_id}?lang=da")
    options = page.locator("select[name='lang_filter'] option").all_inner_texts()
    assert "Dansk" in options and "Engelsk" in options
    page.goto(f"{live_server}/review/runs/{run_id}?lang=nb")


def test_a_facilitator_is_shown_no_link_that_answers_403(page, live_server):
    email, _name, _role, password = DEMO_USERS[1]
    login(page, live_server, email, password)
    origin = urlparse(live_server).netloc
    start = [f"{live_server}/", page.url]
    seen, queue, forbidden = set(), list(start), []
    while queue and len(seen) < 60:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = page.goto(url)
        if response is None or response.status >= 400:
            continue
        for href in page.locator("main a[href], header a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(page.url, href).split("#")[0]
            parts = urlparse(target)
            if parts.netloc != origin or re.search(r"(logout|/static/|\?lang=|export\.|/vedlegg)", target):
                continue
            if target in seen:
                continue
            status = page.request.get(target, max_redirects=0).status
            if status == 403:
                forbidden.append((page.url, target))
            elif status < 300 and ("/admin/" in target or "/workshop/" in target or target.rstrip("/") == live_server):
                queue.append(target)
    assert len(seen) > 3
    assert forbidden == []


def test_accessibility_statement_pages_pass_axe_at_320_px(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server}/tilgjengelighet")
    page.fill("#description", "Knappen «Send» leses ikke opp av skjermleseren.")
    page.fill("#email", "innbygger@example.org")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    problems = {"/tilgjengelighet": audit(page) + sniff(page)}
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/admin/accessibility-reports")
    page.locator("main table a[href*='/admin/accessibility-reports/']").first.click()
    page.wait_for_load_state()
    problems[page.url] = audit(page) + sniff(page)
    page.fill("#body", "Takk! Knappen har fått et navn skjermlesere leser opp.")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "Takk! Knappen har fått et navn" in page.inner_text("main")
    problems[page.url + " (after reply)"] = audit(page) + sniff(page)
    page.goto(f"{live_server}/admin/accessibility")
    problems["/admin/accessibility"] = audit(page) + sniff(page)
    wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    context.close()
    assert problems == {k: [] for k in problems}
    assert not wide


def test_the_receipt_pdf_is_in_the_readers_language_with_local_time(browser, live_server, live_app):
    """An English reader's own copy (data.pdf): tagged /Lang en, the time as a person reads it, not raw ISO."""
    import io

    from pypdf import PdfReader

    from hearing.models import Activity

    activity_id = _first(live_app, sa.select(Activity.id).where(Activity.kind == "suggestions").order_by(Activity.id))
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/delta/{activity_id}?lang=en")
    page.evaluate("localStorage.clear()")
    page.fill("textarea[name='statement']", "A bench by the bus stop, please.")
    page.check("#consent-2")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    link = page.locator("a[href$='/data.pdf']").first.get_attribute("href")
    pdf = page.request.get(urljoin(page.url, link))
    assert pdf.status == 200
    reader = PdfReader(io.BytesIO(pdf.body()))
    assert str(reader.trailer["/Root"].get("/Lang")) == "en"
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Everything we have stored about your response" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text), text  # no raw ISO time
    assert re.search(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2}", text), text  # "4 December 2026, 10:05"
    context.close()


@pytest.mark.parametrize("width", [320, 640])
def test_a_danish_statement_is_kept_and_read_in_danish_at_320_px_and_200_percent(browser, live_server, width):
    """An administrator switches the statement to Denmark's rules; citizens read it in Danish with the Danish
    complaint body, and both engines find nothing at 320 px and at 200 % zoom. Switched back at the end (the
    live server is shared)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1 if width == 320 else 2)
    page = context.new_page()
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/admin/accessibility")
    page.select_option("#country", "dk")
    page.fill("#org_number", "29189764")
    page.fill("#uustatus_url", "https://was.digst.dk/medvirkning-eksempel-dk")
    page.fill("#contact_email", "tilgaengelighed@eksempel.dk")
    page.fill("#contact_phone", "+45 33 66 33 66")  # a Danish statement gives both
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    # Diskrimineringsnemnda is not a Danish body: the form says so, keeps what was typed and sends focus to the summary.
    assert "Klager på danske nettsteder går til Digitaliseringsstyrelsen." in page.inner_text("main")
    assert page.input_value("#org_number") == "29189764"
    problems = {"/admin/accessibility (med feil)": audit(page) + sniff(page)}
    page.select_option("#complaint_body", "digitaliseringsstyrelsen")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("#c-1-2-4-status").count() == 1  # Denmark's 50 criteria, live captions among them
    try:
        page.goto(f"{live_server}/tilgjengelighet?lang=da")
        text = page.inner_text("main")
        assert page.evaluate("document.documentElement.lang") == "da"
        for expected in ("Tilgængelighedserklæring", "CVR-nummer", "29189764", "webtilgængelighedsloven", "Digitaliseringsstyrelsen", "50",
                         "+45 33 66 33 66"):
            assert expected in text, expected
        assert "Diskrimineringsnemnda" not in text and "uustatus" not in text
        problems["/tilgjengelighet?lang=da"] = audit(page) + sniff(page)
        wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
        page_screenshot(page, f"w{width}_tilgjengelighet_da")
    finally:
        page.goto(f"{live_server}/admin/accessibility?lang=nb")
        page.select_option("#country", "no")
        page.select_option("#complaint_body", "diskrimineringsnemnda")
        page.fill("#org_number", "")
        page.fill("#uustatus_url", "")
        page.fill("#contact_email", "")
        page.fill("#contact_phone", "")
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        assert "Tilgjengelighetserklæringen er lagret." in page.inner_text("main")
        context.close()
    assert problems == {k: [] for k in problems}
    assert not wide
