"""Follow-up pages and the participation dashboard in Chromium: axe on each, keyboard-only filtering of
the public follow-up page, and a screenshot of the public page and the dashboard under tests/artifacts/ (`make screenshots`)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login, page_screenshot
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser
UNIT_TOKEN = "browser-test-unit-link-0123456789abcdef"  # noqa: S105 (a test link)


@pytest.fixture(scope="module")
def followup_world(live_app):  # noqa: F811
    """The demo process with a draft that has measures, adopted as the plan, and two updates."""
    from hearing.drafting import services as drafting
    from hearing.extensions import db
    from hearing.followup import services
    from hearing.models import Plan, Process, User
    from hearing.review import assessments

    with live_app.app_context():
        process = db.session.scalar(sa.select(Process).order_by(Process.id))
        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        plan = db.session.scalar(sa.select(Plan).where(Plan.process_id == process.id))
        if plan is None:
            run = assessments.latest_run(db.session, process)
            draft = drafting.create_draft(db.session, admin, process, {"title": "Vedtatt plan"}, copy=False,
                                          themes=list(run.themes[:2]))
            for n, area in enumerate(draft.focus_areas, start=1):
                strategy = drafting.add_part(db.session, admin, "strategy", area, {"text": f"Strategi {n}"})
                drafting.add_part(db.session, admin, "measure", strategy,
                                  {"text": f"Tiltak {n} for området", "owner": "Hjemmetjenesten", "deadline": date(2027, 6, 1)})
                drafting.add_part(db.session, admin, "measure", strategy,
                                  {"text": "Felles tiltak på tvers", "owner": "Frivilligsentralen", "deadline": None})
            plan = services.adopt_draft(db.session, admin, draft, {"adopted_on": date(2026, 12, 1)})
            services.record_update(db.session, admin, plan.measures[0],
                                   {"status": "in_progress", "progress": 40, "text": "Godt i gang."})
            services.record_update(db.session, admin, plan.measures[1],
                                   {"status": "postponed", "progress": 10, "text": "Venter på budsjett 2027."})
            db.session.commit()
        unit = plan.measures[0].unit
        services.create_unit_link(db.session, admin, unit, UNIT_TOKEN)
        db.session.commit()
        ids = {"process": process.id, "plan": plan.id, "measure": plan.measures[0].id,
               "unit": plan.measures[0].unit_id}
        db.session.remove()
    return ids


def test_followup_pages_pass_axe(page, live_server, followup_world, capsys):
    w = followup_world
    email, _name, _role, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    urls = [
        f"/followup/process/{w['process']}",
        f"/followup/process/{w['process']}?status=in_progress",
        f"/followup/measure/{w['measure']}",
        f"/followup/plan/{w['plan']}/matrix",
        f"/followup/plan/{w['plan']}/units/{w['unit']}/upload",
        f"/oppfolging/{w['plan']}",
        f"/oppfolging/{w['plan']}?lang=en",
        f"/oppfolging/{w['plan']}?lang=nn",
        f"/dashboard/process/{w['process']}?lang=nb",
        f"/followup/plan/{w['plan']}/revision/2026",
        f"/enhet/{UNIT_TOKEN}",
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
    page.goto(f"{live_server}/dashboard/process/{w['process']}")
    page_screenshot(page, "participation_dashboard")
    page.goto(f"{live_server}/oppfolging/{w['plan']}?lang=nb")
    page_screenshot(page, "followup_public")
    with capsys.disabled():
        print(f"\naudited {len(urls)} follow-up pages")
    assert problems == {}


def test_public_followup_filters_with_the_keyboard(page, live_server, followup_world):
    page.goto(f"{live_server}/oppfolging/{followup_world['plan']}?lang=nb")
    assert "Venter på budsjett 2027." not in page.locator("main").inner_text()  # folded under "Tidslinje"
    page.focus("#f-status")
    page.keyboard.press("ArrowDown")  # "Ikke startet"
    page.keyboard.press("ArrowDown")  # "I gang"
    assert page.eval_on_selector("#f-status", "e => e.value") == "in_progress"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # status -> unit -> focus area -> "Vis"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Vis"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    main = page.locator("main").inner_text().replace("\xa0", " ")
    assert "status=in_progress" in page.url
    assert "Tiltak 1 for området" in main and "Felles tiltak på tvers" not in main
    assert "40 % gjennomført" in main  # progress as text, not only as a bar
    summary = page.locator(".measure-card summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert "Godt i gang." in page.locator("main").inner_text()


def test_public_pages_reflow_at_320px(browser, live_server, followup_world):
    """WCAG 1.4.10: the public follow-up page and a unit's page need no sideways scrolling at 320 px;
    the dashboard's charts scale with the page."""
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        for url in (f"/oppfolging/{followup_world['plan']}?lang=nb", f"/enhet/{UNIT_TOKEN}"):
            assert page.goto(live_server + url).status == 200
            assert not page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
            ), url
        email, _name, _role, password = DEMO_USERS[0]
        login(page, live_server, email, password)
        page.goto(f"{live_server}/dashboard/process/{followup_world['process']}")
        widths = page.eval_on_selector_all("svg.chart-svg", "els => els.map(e => e.getBoundingClientRect().width)")
        assert widths and max(widths) <= 320
    finally:
        context.close()
