"""Likely duplicates and near-duplicates on the board, in headless Chromium: the run found them, the reviewer
reads both texts, rejects one suggestion by keyboard alone and confirms another; axe finds nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from hearing.extensions import db
from tests.browser.conftest import login, page_screenshot
from tests.browser.test_confirm_pages import _run_id
from tests.browser.test_foundation_pages import audit
from tests.browser.test_review_pages import tab_to

pytestmark = pytest.mark.browser


TEXTS = ["Dobbeltrom på sykehjem i dag er ikke verdig for noen av beboerne",
         "Dobbeltrom på sykehjem i 2026 er ikke verdig for noen av beboerne",
         "Kurs i nettbank og Helsenorge for oss over 75, gjerne på biblioteket",
         "Kurs i nettbank og Helsenorge for oss over 75, gjerne på biblioteket. Jeg er 81 og vil lære.",
         "Flere benker langs Strandveien", "Flere benker langs Strandveien!"]


def _add_inputs(app, run_id: int) -> None:
    """Inputs that repeat each other (a word changed, a sentence added, the same words), placed in the live run,
    and the run's job step that finds them."""
    from hearing.grouping import duplicates
    from hearing.models import Activity, Input, ThemeAssignment, ThemeRun

    with app.app_context():
        run = db.session.get(ThemeRun, run_id)
        activity = db.session.scalar(sa.select(Activity).where(Activity.process_id == run.process_id).order_by(Activity.id))
        theme = next(t for t in run.themes if not t.merged_into_id)
        inputs = [Input(activity_id=activity.id, text=t, lang="nb", source="workshop") for t in TEXTS]
        db.session.add_all(inputs)
        db.session.flush()
        db.session.add_all([ThemeAssignment(run_id=run.id, input_id=i.id, theme_id=theme.id) for i in inputs])
        duplicates.store_for_run(db.session, run)
        db.session.commit()
        db.session.remove()


def test_near_duplicates_are_rejected_by_keyboard_and_confirmed_with_one_click(page, live_server, live_app):
    _add_inputs(live_app, _run_id(live_app))
    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    page.set_viewport_size({"width": 1280, "height": 900})
    url = f"{live_server}/review/runs/{_run_id(live_app)}/inputs"
    page.goto(url)
    # the search field's label fits on one line beside the filters (it wrapped to three)
    label = page.evaluate("document.querySelector('label[for=filter-q]').getBoundingClientRect().height")
    line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('label[for=filter-q]')).lineHeight)")
    assert label < 1.5 * line, (label, line)
    section = page.locator("#duplicates")
    groups = section.locator("li[data-duplicate-group]")
    assert groups.count() >= 2 and "nesten lik (" in section.inner_text()
    assert audit(page) == []
    page_screenshot(page, "board-duplicates")
    first = groups.first.get_attribute("data-duplicate-group")
    dup = groups.first.locator("li[data-duplicate]").first.get_attribute("data-duplicate")
    # reject the first group's first suggestion by keyboard: Tab to its button, Enter
    tab_to(page, f"document.activeElement.textContent.trim() === 'Ikke duplikat: nr. {dup}'", limit=2000)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"Nr. {dup} foreslås ikke lenger som duplikat av nr. {first}." in page.inner_text("main")
    assert page.locator(f"#duplicates li[data-duplicate-group='{first}'] li[data-duplicate='{dup}']").count() == 0
    # confirm the next group with one click
    group = page.locator("#duplicates li[data-duplicate-group]").first
    original = group.get_attribute("data-duplicate-group")
    with page.expect_navigation():
        group.locator("button", has_text=f"Bekreft: duplikater av nr. {original}").click()
    assert "er markert som duplikat av nr." in page.inner_text("main")
    assert page.locator(f"#duplicates li[data-duplicate-group='{original}']").count() == 0
    page.goto(url)  # the rejection holds when the page is read again
    assert page.locator(f"#duplicates li[data-duplicate-group='{first}'] li[data-duplicate='{dup}']").count() == 0
    assert audit(page) == []
