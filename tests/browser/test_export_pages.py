"""Export pages in headless Chromium: axe audit, the progress bar polled by JavaScript, the download link."""

from __future__ import annotations

import gc

import pytest
from flask import Flask

from hearing.demo import DEMO_USERS
from hearing.jobs import run_pending_jobs
from tests.browser.conftest import login
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


def _live_app() -> Flask:
    return [o for o in gc.get_objects() if isinstance(o, Flask) and o.config.get("SECRET_KEY") == "live"][-1]


def test_admin_exports_inputs_and_sees_progress_then_the_link(page, live_server):
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/admin/")
    page.locator("main table a").first.click()
    page.wait_for_load_state()
    page.locator("main a", has_text="Eksport av innspill").click()
    page.wait_for_load_state()
    url = page.url
    problems = {url: audit(page)}
    page.check("input[name=format][value=csv]")
    page.click("button:has-text('Lag fil')")
    page.wait_for_load_state()
    # queued: the progress bar is shown, and the page polls the status
    assert page.locator("progress").count() == 1
    problems[url + " (i kø)"] = audit(page)
    run_pending_jobs(_live_app())
    # progress.js sees the job finished and reloads: the link to the file appears without a click
    link = page.locator("main a", has_text="Last ned")
    link.first.wait_for()
    assert ".csv" in link.first.inner_text()
    assert page.locator("progress").count() == 0
    page.goto(f"{live_server}/files/import")
    problems["/files/import"] = audit(page)
    page.click("button:has-text('Last opp og importer')")
    page.wait_for_load_state()
    assert "Velg en fil" in page.inner_text("main")
    problems["/files/import (feil)"] = audit(page)
    assert problems == {url: [] for url in problems}


def test_reviewer_exports_a_draft_in_the_background_and_downloads_it(page, live_server):
    """The draft's PDF button queues a job; its page shows the progress, then the link; the PDF reads back."""
    import sqlalchemy as sa
    from pypdf import PdfReader

    from hearing.drafting import services as drafting
    from hearing.extensions import db
    from hearing.models import Process, User

    app = _live_app()
    with app.app_context():
        process = db.session.scalar(sa.select(Process).order_by(Process.id))
        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        draft = drafting.latest_draft(db.session, process) or drafting.create_draft(db.session, admin, process, {})
        db.session.commit()
        draft_id, title = draft.id, draft.title
        db.session.remove()
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/drafts/{draft_id}")
    problems = {page.url: audit(page)}
    page.click("button:has-text('Lag PDF')")
    page.wait_for_load_state()
    assert "/files/jobs/" in page.url and page.locator("progress").count() == 1
    problems[page.url + " (i kø)"] = audit(page)
    run_pending_jobs(app)
    link = page.locator("main a", has_text="Last ned")
    link.first.wait_for()
    problems[page.url + " (ferdig)"] = audit(page)
    with page.expect_download() as info:
        link.first.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    text = " ".join(p.extract_text() for p in PdfReader(download.path()).pages)
    assert title in text
    assert problems == {url: [] for url in problems}
