"""In Chromium: a citizen downloads the published set as Excel and the hearing document as PDF (made by the
worker, progress on a page, then the link), and a reviewer approves a workshop note for quoting by keyboard;
axe on every new page. Screenshots go to tests/artifacts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login, page_screenshot
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hearing_world(live_app):
    """The demo's public hearing with a document, its deadline passed, a few responses approved; a workshop with notes."""
    from hearing.extensions import db
    from hearing.models import Activity, Document, Input, Section, Submission, utcnow

    with live_app.app_context():
        hearing = db.session.scalar(sa.select(Activity).join(Document, Document.activity_id == Activity.id)
                                    .where(Activity.kind == "hearing").order_by(Activity.id).limit(1))
        if hearing is None:
            hearing = db.session.scalar(sa.select(Activity).where(Activity.kind == "hearing").limit(1))
            doc = Document(activity=hearing, title="Høringsutkast")
            doc.sections = [Section(position=1, number="1", title="Mat", body="Alle skal få **god mat**.")]
            db.session.add(doc)
        hearing.closes_dt = utcnow() - timedelta(days=1)
        for sub in db.session.scalars(sa.select(Submission).where(Submission.activity_id == hearing.id,
                                                                  Submission.consent != "not_published").limit(5)):
            sub.moderation = "approved"
        workshop = db.session.scalar(sa.select(Activity).join(Input, Input.activity_id == Activity.id)
                                     .where(Activity.kind == "workshop", Input.submission_id.is_(None)).limit(1))
        note = db.session.scalar(sa.select(Input).where(Input.activity_id == workshop.id,
                                                        Input.submission_id.is_(None)).order_by(Input.id).limit(1))
        note.quote_approved_dt = None
        db.session.commit()
        ids = {"hearing": hearing.id, "process": hearing.process_id, "workshop": workshop.id, "note": note.id}
        db.session.remove()
    return ids


def _run_worker(live_app) -> None:
    from hearing.jobs import run_pending_jobs

    run_pending_jobs(live_app)


def test_published_set_and_document_download_through_a_progress_page(page, live_server, live_app, hearing_world):
    w = hearing_world
    page.goto(f"{live_server}/delta/{w['hearing']}/svar")
    page.get_by_role("link", name="Excel (XLSX)").click()
    page.wait_for_load_state()
    assert "/filer/" in page.url and page.locator("progress").count() == 1
    assert page.get_by_role("heading", name="Filen lages").is_visible()
    assert audit(page) == []
    page_screenshot(page, "public-file-pending")
    _run_worker(live_app)  # the worker makes the file; the page polls and shows the link
    page.get_by_role("heading", name="Filen er klar").wait_for()
    assert audit(page) == []
    page_screenshot(page, "public-file-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned").click()
    assert download.value.suggested_filename.endswith("-publiserte-svar.xlsx")
    # the hearing document, from the published page
    page.goto(f"{live_server}/delta/{w['hearing']}/svar")
    page.get_by_role("link", name="Last ned høringsdokumentet (PDF)").click()
    page.wait_for_load_state()
    assert "/filer/" in page.url
    _run_worker(live_app)
    page.get_by_role("heading", name="Filen er klar").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned").click()
    assert download.value.suggested_filename.endswith(".pdf")
    page.get_by_role("link", name="Tilbake til høringen").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(f"/delta/{w['hearing']}")


def test_a_reviewer_approves_a_workshop_note_for_quoting_by_keyboard(page, live_server, live_app, hearing_world):
    from hearing.extensions import db
    from hearing.models import Input

    w = hearing_world
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/moderation/process/{w['process']}")
    assert page.get_by_role("heading", name="Notater fra verksteder til sitat").is_visible()
    assert audit(page) == []
    page.goto(f"{live_server}/moderation/workshop/{w['workshop']}")
    assert audit(page) == []
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    page_screenshot(page, "moderation-notes")
    page.focus(f"button[name=one][value='{w['note']}']")
    page.keyboard.press("Enter")
    page.get_by_text("1 notat er godkjent for sitat").wait_for()
    with live_app.app_context():
        assert db.session.get(Input, w["note"]).quote_approved_dt is not None
        db.session.remove()
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server}/moderation/workshop/{w['workshop']}?status=approved")
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    page_screenshot(page, "moderation-notes-320")


def test_a_published_reports_file_shows_progress_then_its_link(page, live_server, live_app):
    from hearing.extensions import db
    from hearing.models import Process, User
    from hearing.reporting import services

    with live_app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(User.role == "reviewer"))
        report = services.create_report(db.session, reviewer, db.session.scalar(sa.select(Process)), {"title": ""})
        services.publish_version(db.session, reviewer, report)
        db.session.commit()
        report_id = report.id
        db.session.remove()
    response = page.goto(f"{live_server}/tilbakemelding/{report_id}/export.pdf")
    assert response.status == 503 and page.locator("progress").count() == 1
    assert audit(page) == []
    _run_worker(live_app)
    ready = page.get_by_role("link", name="Filen er klar: last den ned")
    ready.wait_for()
    page_screenshot(page, "report-file-ready")
    with page.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.endswith(".pdf")
