"""Assessment and report-back pages in Chromium: axe on each, and assessing an input with the keyboard only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_world(live_app):  # noqa: F811
    """A draft, one assessment and a published report in the demo process."""
    from hearing.drafting import services as drafting
    from hearing.extensions import db
    from hearing.models import Process, StakeholderGroup, Theme, User
    from hearing.reporting import services
    from hearing.review import assessments

    with live_app.app_context():
        process = db.session.scalar(sa.select(Process).order_by(Process.id))
        reviewer = db.session.scalar(sa.select(User).where(User.role == "admin"))
        run = assessments.latest_run(db.session, process)
        theme = next(t for t in run.themes if assessments.theme_inputs(db.session, t))
        draft = drafting.latest_draft(db.session, process) or drafting.create_draft(
            db.session, reviewer, process, {"title": ""}, themes=[theme]
        )
        first = assessments.theme_inputs(db.session, theme)[0]
        assessments.assess_input(db.session, reviewer, first, "not_adopted", "Dekkes av en annen plan.")
        report = services.create_report(
            db.session, reviewer, process, {"introduction": "Vi spurte om mestring."}
        )
        services.set_published(db.session, reviewer, report, True)
        # the report's weekly chart and the invited bodies' answers (#21): inputs two weeks apart, one invitation
        from datetime import timedelta

        from hearing.models import Activity, Input, Invitation

        activity = db.session.scalar(sa.select(Activity).where(Activity.process_id == process.id).order_by(Activity.id))
        db.session.add(Invitation(activity_id=activity.id, body_name="Eldrerådet", token_hash="b" * 64))
        for earlier in db.session.scalars(sa.select(Input).join(Activity).where(Activity.process_id == process.id)
                                          .order_by(Input.id).limit(5)):
            earlier.created_dt = earlier.created_dt - timedelta(days=14)
        db.session.commit()
        group = db.session.scalar(
            sa.select(StakeholderGroup.id).where(StakeholderGroup.process_id == process.id)
        )
        ids = {
            "process": process.id,
            "theme": theme.id,
            "input": first.id,
            "report": report.id,
            "group": group,
            "draft": draft.id,
            "theme_label": db.session.get(Theme, theme.id).label,
        }
        db.session.remove()
    return ids


def test_assessment_and_report_pages_pass_axe(page, live_server, report_world, capsys):
    w = report_world
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    urls = [
        f"/review/processes/{w['process']}/assessments",
        f"/review/themes/{w['theme']}/assessments",
        f"/review/themes/{w['theme']}/assessments?alle=1",
        f"/review/inputs/{w['input']}/assessment",
        f"/review/processes/{w['process']}/assessments/groups/{w['group']}",
        f"/review/processes/{w['process']}/assessments/groups/0",
        f"/reports/process/{w['process']}",
        f"/reports/{w['report']}",
        f"/reports/{w['report']}/edit",
        f"/tilbakemelding/{w['report']}",
        "/",
    ]
    page.goto(live_server + f"/reports/{w['report']}")
    text = page.inner_text("main")
    assert "Deltakelse: innspill per uke" in text and "Svar fra inviterte råd og organisasjoner" in text
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
        print(f"\naudited {len(urls)} assessment and report pages")
    assert problems == {}


def test_assess_an_input_with_the_keyboard(page, live_server, report_world):
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/review/inputs/{report_world['input']}/assessment")
    page.focus("input[type=radio][value=adopted]")
    page.keyboard.press("ArrowDown")  # radios move with the arrow keys: "delvis tatt til følge"
    assert page.locator("input[type=radio][value=partly]").is_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Tas med i strategi 2.")
    page.keyboard.press("Tab")  # the focus area select (or the button when there is none)
    focused = page.evaluate("document.activeElement.tagName")
    if focused == "SELECT":
        page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Vurderingen av innspill" in page.locator(".flash-list").inner_text()
    assert "Delvis tatt til følge" in page.locator("main").inner_text()


def test_public_report_file_is_made_in_the_background(page, live_server, live_app, report_world):  # noqa: F811
    """Publishing again queues the public files: first the "being made" page (503), then the file."""
    from hearing.extensions import db
    from hearing.jobs import run_pending_jobs
    from hearing.models import HearingReport, User
    from hearing.reporting import services

    with live_app.app_context():
        reviewer = db.session.scalar(sa.select(User).where(User.role == "admin"))
        services.set_published(db.session, reviewer, db.session.get(HearingReport, report_world["report"]), True)
        db.session.commit()
        db.session.remove()
    url = f"{live_server}/tilbakemelding/{report_world['report']}/export.md"
    response = page.goto(url)
    assert response.status == 503 and response.headers["retry-after"] == "10"
    assert "Filen lages" in page.inner_text("main")
    assert audit(page) == []
    run_pending_jobs(live_app)
    response = page.request.get(url)
    assert response.status == 200 and "Vi spurte om mestring." in response.text()
