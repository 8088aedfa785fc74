"""The attachment warning and masked-text pages in Chromium: axe finds nothing, keyboard reaches both
choices, and the masked text shows no identity number (screenshots in tests/artifacts with `make screenshots`)."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login, page_screenshot
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
FNR = "15108695088"


@pytest.fixture
def attachment_id(live_app):  # noqa: F811
    import secrets

    import sqlalchemy as sa

    from hearing.extensions import db
    from hearing.models import Activity, Attachment, Submission

    d = docx.Document()
    d.add_paragraph(f"Jeg heter Kari Nordmann og har fnr {FNR}. Ring 912 34 567.")
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    with live_app.app_context():
        activity = db.session.scalar(sa.select(Activity).where(Activity.kind == "hearing").order_by(Activity.id))
        sub = Submission(activity=activity, reference="H-T-" + secrets.token_hex(3), submission_key=secrets.token_hex(16),
                         edit_token_hash=secrets.token_hex(32), consent="not_published")
        name = secrets.token_hex(20) + ".docx"
        folder = Path(live_app.config["UPLOAD_FOLDER"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        att = Attachment(submission=sub, filename=f"uttalelse {FNR}.docx", size=len(data), sha256="0" * 64,
                         content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                         storage_name=name)
        db.session.add_all([sub, att])
        db.session.commit()
        return att.id


def test_warning_and_masked_text_pages_pass_axe(page, live_server, live_app, attachment_id):  # noqa: F811
    email, _n, _r, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/admin/attachments/{attachment_id}")
    main = page.inner_text("main")
    assert "Vedlegget er ikke maskert" in main and FNR not in main
    assert audit(page) == []
    page_screenshot(page, "attachment_warning")
    seen = set()
    for _ in range(80):  # both choices are reachable by keyboard
        page.keyboard.press("Tab")
        seen.add(page.evaluate("document.activeElement.textContent.trim()"))
        if {"Les maskert tekst", "Last ned originalen (logges)"} <= seen:
            break
    assert {"Les maskert tekst", "Last ned originalen (logges)"} <= seen
    page.click("text=Les maskert tekst")
    # read out in the background: the page waits with a live region, then shows the text by itself
    page.wait_for_selector("#job-text[aria-live=polite]")
    assert "Teksten leses ut" in page.inner_text("main")
    assert audit(page) == []
    page_screenshot(page, "attachment_masked_text_waiting")
    from hearing.jobs import run_pending_jobs

    run_pending_jobs(live_app)
    page.wait_for_selector("text=Jeg heter [navn]")
    main = page.inner_text("main")
    assert "Jeg heter [navn] og har fnr [fødselsnummer]. Ring [telefon]." in main and FNR not in main
    assert audit(page) == []
    page_screenshot(page, "attachment_masked_text")
