"""Foundation pages in real headless Chromium: axe-core WCAG 2.1 A/AA audit and keyboard login."""

from __future__ import annotations

import os
import re

import pytest

from hearing.demo import DEMO_USERS
from tests.browser.conftest import load_script, login, page_screenshot
from tests.browser.htmlcs import sniff

pytestmark = pytest.mark.browser

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}


#: Whether this pass runs axe-core. What axe sees of a page (contrast, names, roles, structure) does not depend
#: on the database, so the PostgreSQL pass (TEST_DATABASE_URL) leaves it to the SQLite pass: there every browser
#: test still loads its pages, checks their status, works through them by keyboard and mouse and checks their
#: widths; only the axe run on each (about a second a page) is not repeated.
AXE = not os.environ.get("TEST_DATABASE_URL")


def audit(page) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as it is now (none when this pass leaves axe to
    the SQLite pass, see ``AXE``)."""
    if not AXE:
        return []
    load_script(page, "axe.min.js", present="typeof axe !== 'undefined'")
    violations = page.evaluate("options => axe.run(document, options).then(results => results.violations)", WCAG)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}) {v['nodes'][0]['target']}" for v in violations]


def admin_pages(page, base) -> list[str]:
    page.goto(f"{base}/admin/")
    process_url = page.locator("table a").first.get_attribute("href")
    page.goto(base + process_url)
    activity_url = page.locator(".timeline table a").first.get_attribute("href")
    process_id = re.search(r"/processes/(\d+)", process_url).group(1)
    return [
        "/admin/", process_url, f"/admin/processes/{process_id}/edit", f"/admin/processes/{process_id}/groups",
        f"/admin/processes/{process_id}/activities/new", activity_url, "/admin/users", "/admin/users/new",
        f"/admin/audit?process={process_id}", "/admin/processes/new",
    ]


def test_axe_finds_no_wcag_violations(page, live_server, capsys):
    audited, problems = [], {}
    for url in ["/", "/login", "/finnes-ikke", "/tilgjengelighet"]:
        page.goto(live_server + url)
        audited.append(url)
        if found := audit(page):
            problems[url] = found
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    for url in admin_pages(page, live_server):
        page.goto(live_server + url)
        audited.append(url)
        if found := audit(page):
            problems[url] = found
    # The error state of a form is audited too.
    page.goto(f"{live_server}/admin/processes/new")
    page.fill("#name", "")
    page.click("button[type=submit]:has-text('Lagre')")
    audited.append("/admin/processes/new (med feil)")
    if found := audit(page):
        problems["/admin/processes/new (med feil)"] = found
    with capsys.disabled():
        print("\naxe audited:", ", ".join(audited))
    assert problems == {}


@pytest.mark.skipif(not AXE, reason="axe runs in the SQLite pass")
def test_both_engines_find_a_fault_put_into_a_served_page(page, live_server):
    """The audits load their scripts from the live server by a script tag: proof that they ran there and see faults."""
    page.goto(f"{live_server}/")
    assert audit(page) == [] and sniff(page) == []
    page.evaluate("""() => { const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='; document.querySelector('main').append(img); }""")
    assert any(found.startswith("image-alt:") for found in audit(page))
    assert any("H37" in found for found in sniff(page))
    assert page.locator("script[src='/__audit__/axe.min.js']").count() == 1  # loaded once, from the server


def test_error_summary_gets_focus_and_fields_are_described(page, live_server):
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/admin/users/new")
    page.fill("#email", "ikke-en-adresse")
    page.click("button[type=submit]:has-text('Lagre')")
    page.wait_for_selector("[data-error-summary]")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    email_field = page.locator("#email")
    assert email_field.get_attribute("aria-invalid") == "true"
    assert "email-error" in email_field.get_attribute("aria-describedby")
    assert email_field.input_value() == "ikke-en-adresse"


def test_keyboard_only_login_and_skip_link(page, live_server):
    email, _name, _role, password = DEMO_USERS[2]
    page.goto(f"{live_server}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "ds-skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    for _ in range(10):  # Tab through the page until the e-mail field has focus
        if page.evaluate("document.activeElement.id") == "email":
            break
        page.keyboard.press("Tab")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/staff(#main)?$"))
    page_screenshot(page, "staff_home")
    assert "Prosesser" in page.inner_text("h1")


def test_no_horizontal_scroll_at_320px(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    for url in admin_pages(page, live_server)[:3] + ["/"]:
        page.goto(live_server + url)
        wide = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
        assert not wide, url
    context.close()
