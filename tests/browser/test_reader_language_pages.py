"""Issue 22's defects of content in one language only, in headless Chromium: the public report's files
(Markdown, Word, PDF) follow the reader's language and are tagged with it (they were identical in English
and nynorsk), and the seeded groups and phases are named in the reader's language (they stayed bokmål)."""

from __future__ import annotations

import io
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login
from tests.browser.htmlcs import sniff
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def published_report(live_app) -> int:
    """A published report of the demo process (no assessments needed: the report says what was asked)."""
    from hearing.extensions import db
    from hearing.models import Process, User
    from hearing.reporting import services

    with live_app.app_context():
        process = db.session.scalar(sa.select(Process).order_by(Process.id))
        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        report = services.create_report(db.session, admin, process, {"introduction": "Vi spurte om mestring og helse."})
        services.set_published(db.session, admin, report, True)
        db.session.commit()
        report_id = report.id
        db.session.remove()
    return report_id


def _file(page, live_app, href: str):
    """The file behind a download link: the first request queues it (a page that says it is being made,
    503), the worker makes it, the next request gets it."""
    from hearing.jobs import run_pending_jobs

    pending = page.goto(href)
    if pending.status == 503:
        assert page.evaluate("document.documentElement.lang") in ("en", "nn")
        run_pending_jobs(live_app)
    response = page.request.get(href)
    assert response.status == 200, (href, response.status)
    return response


def test_the_public_report_files_follow_the_readers_language(browser, live_server, live_app, published_report):
    import docx
    from pypdf import PdfReader

    context = browser.new_context()
    page = context.new_page()
    texts = {}
    for lang, heading, tag in (("en", "## We asked", "en"), ("nn", "## Vi spurde", "nn-NO")):
        page.goto(f"{live_server}/tilbakemelding/{published_report}?lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang
        problems = audit(page) + sniff(page)
        assert problems == [], (lang, problems)
        links = {fmt: urljoin(page.url, page.locator(f"main a[href$='export.{fmt}']").first.get_attribute("href"))
                 for fmt in ("md", "docx", "pdf")}
        md = _file(page, live_app, links["md"])
        assert md.headers["content-language"] == tag
        texts[lang] = md.text()
        assert heading in texts[lang], texts[lang][:400]
        word = docx.Document(io.BytesIO(_file(page, live_app, links["docx"]).body()))
        assert word.core_properties.language.split("-")[0] == lang
        pdf = PdfReader(io.BytesIO(_file(page, live_app, links["pdf"]).body()))
        assert str(pdf.trailer["/Root"].get("/Lang")).split("-")[0] == lang
    assert texts["en"] != texts["nn"]
    assert "## Vi spurde" not in texts["en"] and "## We asked" not in texts["nn"]
    context.close()


def test_seeded_groups_and_phases_are_named_in_the_readers_language(page, live_server, live_app):
    from hearing.extensions import db
    from hearing.models import Process

    with live_app.app_context():
        process_id = db.session.scalar(sa.select(Process.id).order_by(Process.id))
        db.session.remove()
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    expected = {
        "en": (["Council for persons with disabilities", "Residents"], ["Where we are", "How we get there"]),
        "nn": (["Rådet for personar med funksjonsnedsetjing", "Innbyggjarar"], ["Slik kjem vi dit"]),
        "da": (["Handicaprådet", "Borgere"], ["Sådan kommer vi derhen"]),
    }
    for lang, (groups, phases) in expected.items():
        page.goto(f"{live_server}/dashboard/process/{process_id}?lang={lang}")  # the groups' shares of the population
        labels = " ".join(page.locator("main label[for^='share-']").all_inner_texts())
        for name in groups:
            assert name in labels, (lang, name, labels)
        assert "Rådet for personer med funksjonsnedsettelse" not in labels, lang
        page.goto(f"{live_server}/admin/processes/{process_id}?lang={lang}")  # the phases of the timeline
        text = page.inner_text("main")
        for name in phases:
            assert name in text, (lang, name)
        assert "Slik kommer vi dit" not in text, lang
        assert audit(page) + sniff(page) == [], lang
    page.goto(f"{live_server}/?lang=nb")


def test_a_hearing_made_from_a_draft_is_titled_in_the_processs_language(page, live_server, live_app):
    """The send page of a nynorsk process, read in English: the title offered is "Høyring: …" (it was
    "Høring: …" whatever the language), the phases are named in English or marked, and the hearing made
    shows its nynorsk title marked with lang="nn" on the English page."""
    from hearing.admin.services import add_standard_groups, create_process
    from hearing.drafting.services import create_draft
    from hearing.extensions import db
    from hearing.models import FocusArea, User

    with live_app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(User.role == "admin"))
        process = create_process(db.session, reviewer, {"name": "Kommuneplan for helse på nynorsk", "service_area": "Helse",
                                                        "owner": "Kommunalsjef", "retention_months": 24, "language": "nn"})
        add_standard_groups(db.session, None, process)
        draft = create_draft(db.session, reviewer, process, {"title": "Utkast 3"}, copy=False)
        draft.focus_areas.append(FocusArea(title="Heiltid", position=1, current_state="Mange deltid."))
        db.session.commit()
        draft_id = draft.id
        db.session.remove()
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/drafts/{draft_id}/send?lang=en")
    assert page.input_value("#title") == "Høyring: Utkast 3"
    phases = page.locator("#phase_id option").evaluate_all("os => os.map(o => [o.textContent, o.lang])")
    assert ["3. How we get there", ""] in phases  # the standard phase in the reader's language
    assert audit(page) + sniff(page) == []
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "Høyring: Utkast 3" in page.inner_text("main")
    page.goto(f"{live_server}/?lang=en")
    link = page.locator("main a", has_text="Høyring: Utkast 3")
    assert link.count() == 1 and link.evaluate("a => (a.querySelector('[lang]') || a.closest('[lang]')).lang") == "nn"
    page.goto(f"{live_server}/?lang=nb")

