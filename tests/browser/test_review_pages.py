"""Review pages in headless Chromium: axe audit, rename a theme and move an input by keyboard alone."""

from __future__ import annotations

import re

import pytest

from hearing.demo import DEMO_USERS
from tests.browser.conftest import ARTIFACTS, SCREENSHOTS, login, page_screenshot
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser


def tab_to(page, predicate_js: str, limit: int = 200) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"focus never reached: {predicate_js}")


def test_reviewer_renames_a_theme_and_moves_an_input_by_keyboard(page, live_server):
    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/review/")
    problems = {"/review/": audit(page)}
    page.locator("main a").filter(has_text=re.compile("Strategiplan")).first.click()
    page.wait_for_load_state()
    problems[page.url] = audit(page)
    page.locator("main a[href*='/review/runs/']").first.click()
    page.wait_for_load_state()
    run_url = page.url
    problems[run_url] = audit(page)
    # Rename the first theme: Tab to its name field, type, Enter submits the form.
    tab_to(page, "document.activeElement.id && document.activeElement.id.startsWith('rename-')")
    field_id = page.evaluate("document.activeElement.id")
    page.keyboard.type("Heltid og bemanning (omdøpt)")
    with page.expect_navigation():  # wait for the answer to the POST, not the page we are on
        page.keyboard.press("Enter")
    assert "Heltid og bemanning (omdøpt)" in page.inner_text("main")
    assert page.locator(f"#{field_id}").input_value() == "Heltid og bemanning (omdøpt)"
    # Open the theme's inputs and move the first one with the select and its button.
    page.goto(run_url)
    page.locator("main a", has_text="Se, flytt og fest innspillene").first.click()
    page.wait_for_load_state()
    problems[page.url] = audit(page)
    tab_to(
        page, "document.activeElement.tagName === 'SELECT' && document.activeElement.id.startsWith('move-')"
    )
    select_id = page.evaluate("document.activeElement.id")
    before = page.evaluate("document.activeElement.value")
    page.keyboard.press("ArrowDown")
    after = page.evaluate("document.activeElement.value")
    if after == before:
        page.keyboard.press("ArrowUp")
        after = page.evaluate("document.activeElement.value")
    assert after != before
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(f"#{select_id}").count() == 0  # the input left this theme
    page_screenshot(page, "review_theme")
    assert {k: v for k, v in problems.items() if v} == {}


def test_reviewer_drags_an_input_onto_another_theme_and_opens_it(page, live_server):
    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    page.goto(f"{live_server}/review/")
    page.locator("main a").filter(has_text=re.compile("Strategiplan")).first.click()
    page.wait_for_load_state()
    page.locator("main a[href*='/review/runs/']").first.click()
    page.wait_for_load_state()
    if SCREENSHOTS:
        page.locator("section.ds-card").first.screenshot(path=str(ARTIFACTS / "review_board_card.png"))
    page.locator("main a", has_text="Se, flytt og fest innspillene").first.click()
    page.wait_for_load_state()
    theme_url = page.url
    problems = {theme_url: audit(page)}
    page_screenshot(page, "review_board_theme")
    row = page.locator("tr[data-move-row]").first
    row_id = row.get_attribute("id")
    target = page.locator("[data-drop-theme]").first
    target_name = target.inner_text().strip()
    assert row.get_attribute("draggable") == "true"  # the script made the rows draggable
    with page.expect_navigation():
        row.drag_to(target)
    assert f"flyttet til «{target_name}»" in page.inner_text("main")
    assert page.locator(f"#{row_id}").count() == 0  # it left this theme
    # the moved input's own page says where it went, and who moved it
    input_id = row_id.removeprefix("input-")
    page.goto(f"{live_server}/review/inputs/{input_id}")
    problems[page.url] = audit(page)
    main = page.inner_text("main")
    assert target_name in main and "Flyttet fra" in main
    # the filters keep their state in the URL
    page.goto(theme_url)
    page.locator("#filter-new").check()
    with page.expect_navigation():
        page.locator("main button", has_text="Vis").click()
    assert "new=1" in page.url and page.locator("#filter-new").is_checked()
    problems[page.url] = audit(page)
    # search from the run page: hits with their theme, group and activity
    page.goto(theme_url)
    page.locator("nav.ds-breadcrumbs a[href*='/review/runs/']").click()
    page.wait_for_load_state()
    page.fill("#search-q", "tid")
    with page.expect_navigation():
        page.locator("#search-q").press("Enter")
    assert "/search?" in page.url and "innspill inneholder «tid»" in page.inner_text("main")
    problems[page.url] = audit(page)
    assert {k: v for k, v in problems.items() if v} == {}


def test_the_board_list_uses_the_width_of_the_page(page, live_server, live_app):
    """The walkthrough: the list of inputs on the board was held to a form's 44rem, so each text wrapped into
    a third of a 1280 px screen; the bulk actions below it keep a form's width."""
    from tests.browser.test_confirm_pages import _run_id

    email, _name, _role, password = DEMO_USERS[2]
    login(page, live_server, email, password)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/review/runs/{_run_id(live_app)}/inputs")
    main = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    table = page.evaluate("document.querySelector('#bulk-form table').getBoundingClientRect().width")
    actions = page.evaluate("document.querySelector('#bulk-form .bulk-actions').getBoundingClientRect().width")
    assert table > 0.9 * main, (table, main)
    assert actions <= 44 * 16 + 1
    page.set_viewport_size({"width": 390, "height": 800})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than a phone
    assert audit(page) == []
