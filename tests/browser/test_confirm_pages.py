"""«Bekreft neste 20» in headless Chromium: axe audit, and accept, correct and skip by keyboard alone,
with the focus on the next input after each answer."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from hearing.extensions import db
from hearing.jobs import run_pending_jobs
from tests.browser.conftest import login, page_screenshot
from tests.browser.test_foundation_pages import audit
from tests.browser.test_review_pages import tab_to

pytestmark = pytest.mark.browser

FOCUS_ARTICLE = "document.activeElement.closest('article') && document.activeElement.closest('article').id"


def _run_id(app) -> int:
    from hearing.grouping import current_run
    from hearing.models import Process

    with app.app_context():
        process = db.session.scalar(sa.select(Process).order_by(Process.id))
        run_id = current_run(db.session, process).id
        db.session.remove()
        return run_id


def test_confirm_next_20_by_keyboard_without_axe_violations(page, live_server, live_app):  # noqa: F811
    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    url = f"{live_server}/review/runs/{_run_id(live_app)}/confirm"
    page.goto(url)
    problems = {"empty": audit(page)}
    # choose the first batch by keyboard; the worker chooses it in the background
    tab_to(page, "document.activeElement.tagName === 'BUTTON' && document.activeElement.textContent.includes('Velg de')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    run_pending_jobs(live_app)
    page.goto(url)
    problems["batch"] = audit(page)
    ids = page.eval_on_selector_all("article.confirm-item[data-state='open']", "els => els.map(e => e.id)")
    assert len(ids) >= 4

    # accept the first: Tab to its «Godta», Enter; the page opens at the next input with focus on its «Godta»
    tab_to(page, "document.activeElement.value === 'accept'")
    assert page.evaluate(FOCUS_ARTICLE) == ids[0]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith("#" + ids[1])
    assert page.evaluate(FOCUS_ARTICLE) == ids[1] and page.evaluate("document.activeElement.value") == "accept"
    assert "bekreftet i" in page.inner_text(".flash-list")

    # correct the second: Tab to the theme select, pick another theme with the arrows, Tab to «Rett», Enter
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "SELECT"
    before = page.evaluate("document.activeElement.value")
    page.keyboard.press("ArrowDown")
    if page.evaluate("document.activeElement.value") == before:
        page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.value") != before
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "correct"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.evaluate(FOCUS_ARTICLE) == ids[2]

    # skip the third: Tab past the select and «Rett» to «Hopp over»
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "skip"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.evaluate(FOCUS_ARTICLE) == ids[3]
    states = [page.get_attribute(f"#{i}", "data-state") for i in ids[:3]]
    assert states == ["confirmed", "confirmed", "skipped"]
    problems["answered"] = audit(page)
    page_screenshot(page, "review_confirm")
    assert {k: v for k, v in problems.items() if v} == {}


def test_bulk_accept_shows_what_each_certainty_limit_accepts(page, live_server, live_app):  # noqa: F811
    """The walkthrough typed 80 % and accepted 0 of 274 suggestions without knowing why: the page says how
    many suggestions each limit takes and the highest certainty, and a limit above it says so."""
    from hearing.grouping import confirm
    from hearing.models import ThemeRun

    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    run_id = _run_id(live_app)
    url = f"{live_server}/review/runs/{run_id}/confirm"
    page.goto(url)
    if page.locator("#spread").count() == 0:  # no suggestions yet: choose a batch, which stores them
        with page.expect_navigation():
            page.get_by_role("button", name="Velg de første 20").click()
        run_pending_jobs(live_app)
        page.goto(url)
    with live_app.app_context():
        spread = confirm.suggestion_spread(db.session, db.session.get(ThemeRun, run_id))
        db.session.remove()
    assert spread.top is not None
    assert page.inner_text("#spread-top") == f"Det sikreste forslaget har {spread.top} %."
    shown = page.eval_on_selector_all("#spread tbody tr", "rows => rows.map(r => r.innerText.split('\\t'))")
    assert [(int(a.rstrip(' %')), int(b)) for a, b in shown] == spread.at_least
    with live_app.app_context():  # the count above the table is of the same suggestions
        n = confirm.count_suggestions(db.session, db.session.get(ThemeRun, run_id))
        db.session.remove()
    assert page.get_by_text(f"{n} innspill som ikke er bekreftet, har et forslag.").count() == 1
    assert n >= spread.at_least[-1][1]
    assert audit(page) == []

    field = page.get_by_label("Godta alle forslag der forslagets sikkerhet er minst (prosent)")
    if spread.top < 100:
        field.fill(str(spread.top + 1))
        with page.expect_navigation():
            page.get_by_role("button", name="Godta forslagene").click()
        flash = page.inner_text(".flash-list")
        assert "ingen er godtatt" in flash and f"Det sikreste forslaget har {spread.top} %" in flash
    field = page.get_by_label("Godta alle forslag der forslagets sikkerhet er minst (prosent)")
    field.fill(str(spread.top))
    with page.expect_navigation():
        page.get_by_role("button", name="Godta forslagene").click()
    assert "er godtatt" in page.inner_text(".flash-list") and "ingen er godtatt" not in page.inner_text(".flash-list")
    page_screenshot(page, "review_confirm_bulk")


def test_confirm_next_20_is_reached_from_the_top_of_the_run_page(page, live_server, live_app):  # noqa: F811
    """The walkthrough found «Bekreft neste 20» only at the bottom of a 21 000 px run page (25 themes)."""
    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    run_id = _run_id(live_app)
    page.goto(f"{live_server}/review/runs/{run_id}")
    target = f"/review/runs/{run_id}/confirm"
    tab_to(page, f"document.activeElement.getAttribute('href') === '{target}'", limit=40)
    assert page.evaluate("document.activeElement.closest('[data-confirm-top]') !== null")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(target)
