"""The moderation queue and the published pages in Chromium: axe on each, and approving and hiding by keyboard only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def queue_world(live_app):  # noqa: F811
    """The demo activity with the most responses, its three oldest waiting in the moderation queue."""
    from hearing.extensions import db
    from hearing.models import Activity, Submission

    with live_app.app_context():
        activity = db.session.scalar(
            sa.select(Activity).join(Submission, Submission.activity_id == Activity.id)
            .where(Submission.is_late.is_(False), Submission.is_withdrawn.is_(False)).group_by(Activity.id)
            .order_by(sa.func.count(Submission.id).desc(), Activity.id).limit(1)
        )
        subs = db.session.scalars(
            sa.select(Submission).where(Submission.activity_id == activity.id, Submission.is_late.is_(False),
                                        Submission.is_withdrawn.is_(False))
            .order_by(Submission.submitted_dt, Submission.id).limit(3)
        ).all()
        assert len(subs) == 3
        for sub in subs:
            sub.moderation = "pending"  # three waiting in the queue, the first three on its page
        db.session.commit()
        pending = [s.id for s in subs]
        ids = {"activity": activity.id, "process": activity.process_id, "pending": list(pending)}
        db.session.remove()
    return ids


def test_moderation_and_published_pages_pass_axe(page, live_server, queue_world, capsys):
    w = queue_world
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    urls = [
        f"/moderation/process/{w['process']}",
        f"/moderation/activity/{w['activity']}",
        f"/moderation/activity/{w['activity']}?status=all",
        f"/moderation/response/{w['pending'][0]}",
        f"/delta/{w['activity']}/svar",
    ]
    problems = {}
    for url in urls:
        response = page.goto(live_server + url)
        assert response.status == 200, url
        if found := audit(page):
            problems[url] = found
        assert not page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
        ), url
    with capsys.disabled():
        print(f"\naudited {len(urls)} moderation and published pages")
    assert problems == {}


def test_approve_in_bulk_and_hide_with_the_keyboard(page, live_server, live_app, queue_world):  # noqa: F811
    from hearing.extensions import db
    from hearing.models import AuditEvent, Submission

    w = queue_world
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/moderation/activity/{w['activity']}")
    first, second = w["pending"][0], w["pending"][1]
    # tick two responses with the space bar, then press the bulk button with Enter
    page.focus(f"#pick-{first}")
    page.keyboard.press("Space")
    page.focus(f"#pick-{second}")
    page.keyboard.press("Space")
    page.focus("button[name=bulk][value=picked]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "2 svar er godkjent" in page.locator(".flash-list").inner_text()
    # hide a third one from its own page: radio by arrow keys, the reason typed, submitted by Enter on the button
    third = w["pending"][2]
    page.goto(f"{live_server}/moderation/response/{third}")
    page.focus("#decision-approve")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#decision-hide").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Inneholder opplysninger om en tredjeperson")
    page.focus("button[type=submit]:has-text('Lagre avgjørelsen')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "er skjult" in page.locator(".flash-list").inner_text()
    with live_app.app_context():
        states = dict(db.session.execute(
            sa.select(Submission.id, Submission.moderation).where(Submission.id.in_([first, second, third]))).all())
        assert states == {first: "approved", second: "approved", third: "hidden"}
        reasons = db.session.scalars(sa.select(AuditEvent.data).where(AuditEvent.action == "submission.hide")).all()
        assert {"reason": "Inneholder opplysninger om en tredjeperson"}.items() <= reasons[-1].items()
        db.session.remove()


def test_report_builder_passes_axe_and_works_by_keyboard(page, live_server, live_app):  # noqa: F811
    """The builder page and a report with charts pass axe; a theme is renamed and hidden with the keyboard only."""
    from hearing.extensions import db
    from hearing.models import HearingReport, Process, ReportTheme, User
    from hearing.reporting import services

    with live_app.app_context():
        process = db.session.scalar(sa.select(Process).order_by(Process.id))
        reviewer = db.session.scalar(sa.select(User).where(User.role == "admin"))
        report = services.create_report(db.session, reviewer, process, {"title": "Byggetest"})
        db.session.commit()
        report_id = report.id
        db.session.remove()
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    for url in (f"/reports/{report_id}/builder", f"/reports/{report_id}"):
        response = page.goto(live_server + url)
        assert response.status == 200, url
        assert audit(page) == [], url
    page.goto(f"{live_server}/reports/{report_id}/builder")
    first = page.locator("fieldset.builder-theme").first
    theme_key = first.get_attribute("id")
    page.focus(f"#{theme_key}-shown")
    page.keyboard.press("Space")  # untick "Vis temaet": hidden from the report
    page.keyboard.press("Tab")
    page.keyboard.type("1")  # first place
    page.keyboard.press("Tab")
    page.keyboard.type("Et nytt navn")
    page.focus("button[type=submit]:has-text('Lagre tilbakemeldingen')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Tilbakemeldingen er oppdatert" in page.locator(".flash-list").inner_text()
    with live_app.app_context():
        row = db.session.scalar(sa.select(ReportTheme).where(ReportTheme.report_id == report_id,
                                                            ReportTheme.theme_id == int(theme_key[1:])))
        assert (row.is_hidden, row.position, row.label) == (True, 1, "Et nytt navn")
        assert db.session.get(HearingReport, report_id) is not None
        db.session.remove()
