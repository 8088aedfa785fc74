"""#18 in Chromium: a citizen's receipt says where the e-mail goes and its "Kopier lenken" button copies the
secret link; an administrator's new invitation link has a copy button too; both pages pass axe."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login, page_screenshot
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


@pytest.fixture
def clipboard_page(browser, live_server):
    context = browser.new_context(locale="nb-NO")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    page = context.new_page()
    yield page
    context.close()


def _public_activity(live_app, kind: str) -> int:
    from hearing.extensions import db
    from hearing.models import Activity

    with live_app.app_context():
        found = db.session.scalar(sa.select(Activity.id).where(Activity.kind == kind, Activity.audience == "public")
                                  .order_by(Activity.id))
        db.session.remove()
    return found


def test_the_receipt_says_where_the_mail_goes_and_copies_the_link(clipboard_page, live_server, live_app):
    page = clipboard_page
    page.goto(f"{live_server}/delta/{_public_activity(live_app, 'suggestions')}")
    page.fill("#statement", "Benk ved busstoppet på torget.")
    page.fill("#respondent_email", "kari.nordmann@example.no")
    page.check("#send_receipt")
    page.check("#wants_report_notice")
    page.check("input[name=consent][value=without_name]")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('Send')")
    main = page.locator("main").inner_text()
    assert "Takk! Svaret ditt er mottatt." in main
    assert "Vi sender en kvittering med lenken til ka•••@example.no." in main
    assert "Du får en e-post når kommunen publiserer oppsummeringen." in main
    assert "kari.nordmann@example.no" not in page.content()
    link = page.locator(".secret-link a").inner_text()
    button = page.locator("button[data-copy]")
    button.focus()
    page.keyboard.press("Enter")  # by keyboard
    # expect, not wait_for_function: that one polls with eval(), which the page's CSP refuses once the first check fails.
    expect(page.locator("#copy-status")).to_have_text("Lenken er kopiert.")
    assert page.evaluate("navigator.clipboard.readText()") == link
    page_screenshot(page, "receipt_with_mail")
    assert audit(page) == []


def test_a_new_invitation_link_has_a_copy_button(clipboard_page, live_server, live_app):
    page = clipboard_page
    email, _name, _role, password = DEMO_USERS[0]  # the administrator
    login(page, live_server, email, password)
    activity = _public_activity(live_app, "hearing")
    page.goto(f"{live_server}/admin/activities/{activity}/invitations")
    page.fill("#body_name", "Pensjonistforeningen")
    page.fill("#email", "sekretar@pensjonist.example.no")
    with page.expect_navigation():
        page.click("button:has-text('Lag invitasjon')")
    assert "Invitasjonslenke til Pensjonistforeningen" in page.locator("h1").inner_text()
    shown = page.input_value("#secret")
    assert "/invitasjon/" in shown
    page.locator("button[data-copy]").click()
    expect(page.locator("#copy-status")).to_have_text("Kopiert.")
    assert page.evaluate("navigator.clipboard.readText()") == shown
    assert audit(page) == []
    page.goto(f"{live_server}/admin/activities/{activity}/invitations")
    row = page.locator("tr", has_text="Pensjonistforeningen").inner_text()
    assert "Ikke svart" in row and "Aktiv" in row
    assert audit(page) == []
