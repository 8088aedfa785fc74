"""Workshop capture in real headless Chromium: three notes by keyboard alone, and notes typed offline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hearing.demo import DEMO_USERS
from hearing.jobs import run_pending_jobs
from tests.browser.conftest import login
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser

WORKSHOP = "Oppstartsverksted med tjenesteledere"


def open_capture(page, base: str) -> None:
    email, _name, _role, password = DEMO_USERS[1]  # the facilitator
    login(page, base, email, password)
    page.goto(f"{base}/staff")
    page.get_by_role("link", name=f"Ta notater: {WORKSHOP}").click()
    page.wait_for_selector("#capture-form")
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "0")  # the script is running


def tab_to(page, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element has focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} was not reached by Tab")


def test_three_notes_by_keyboard_alone(page, live_server):
    open_capture(page, live_server)
    assert audit(page) == []
    tab_to(page, "table_label")
    page.keyboard.press("Control+A")
    page.keyboard.type("Bord 7")
    tab_to(page, "group_id")
    page.keyboard.press("ArrowDown")  # first group instead of "Ikke valgt"
    tab_to(page, "text")
    notes = ["Vi trenger flere heltidsstillinger", "Pårørende må bli hørt tidligere", "Mer opplæring i velferdsteknologi"]
    for note in notes:
        page.keyboard.type(note)
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "text"  # focus stays
        assert page.input_value("#text") == ""  # the field is cleared
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "0")
    expect(page.locator("#note-list li.note--pending")).to_have_count(0)
    first_three = page.locator("#note-list li .note__text").all_inner_texts()[:3]
    assert first_three == list(reversed(notes))  # newest first
    meta = page.locator("#note-list li .meta").first.inner_text()
    assert "Bord 7" in meta and "Frida Fasilitator" in meta
    assert page.locator("#queue-status").inner_text() == "Alle notater er lagret."

    # They are stored: a fresh page shows them too.
    page.reload()
    assert page.locator("#note-list li .note__text").all_inner_texts()[:3] == list(reversed(notes))


def test_a_note_in_another_language_is_marked_with_it(page, live_server):
    """WCAG 3.1.2: a stored note whose language is not the page's carries lang; a bokmål note carries none."""
    open_capture(page, live_server)
    for text in ("Vi har brug for flere hænder i ældreplejen om aftenen", "Vi trenger flere ansatte på kveldstid"):
        page.fill("#text", text)
        page.press("#text", "Enter")
    page.reload()
    danish = page.locator("#note-list li .note__text", has_text="hænder i ældreplejen").first
    expect(danish).to_have_attribute("lang", "da")
    bokmal = page.locator("#note-list li .note__text", has_text="flere ansatte på kveldstid").first
    assert bokmal.get_attribute("lang") is None


def test_notes_typed_offline_wait_and_are_sent_once_back_online(page, live_server):
    open_capture(page, live_server)
    page.context.set_offline(True)
    page.fill("#text", "Skrevet uten nett")
    page.press("#text", "Enter")
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "1")
    assert "1 notat venter på å bli sendt." in page.locator("#queue-status").inner_text()
    assert "Venter på å bli sendt" in page.locator("#note-list li").first.inner_text()
    queued = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('capture-queue:')).map(k => JSON.parse(localStorage[k]).length)")
    assert queued == [1]
    page.context.set_offline(False)
    expect(page.locator("#queue-status")).to_have_attribute("data-waiting", "0")
    page.reload()
    assert page.locator("#note-list li .note__text", has_text="Skrevet uten nett").count() == 1


def test_paste_notes_and_import_pages_pass_axe(page, live_server, live_app):
    email, _name, _role, password = DEMO_USERS[0]  # the administrator may do all of it
    login(page, live_server, email, password)
    page.goto(f"{live_server}/staff")
    page.get_by_role("link", name=f"Ta notater: {WORKSHOP}").click()
    capture_url = page.url
    problems = {}

    def check(name):
        if found := audit(page):
            problems[name] = found

    page.get_by_role("link", name="Lim inn mange notater").click()
    page.fill("#lines", "Fra lapp 1\n\nFra lapp 2")
    page.click("button[name=preview]")
    assert "Forhåndsvisning: 2 notater" in page.inner_text("#preview")
    check("paste preview")
    page.goto(capture_url + "/notes")
    check("notes")
    page.goto(capture_url.replace("/workshop/", "/imports/"))
    check("import upload")
    csv = ("Navn;Hva er de største utfordringene i tjenestene i dag?\r\nÅse;For få hender\r\n").encode("utf-8-sig")
    page.set_input_files("#file", files=[{"name": "svar.csv", "mimeType": "text/csv", "buffer": csv}])
    page.click("button[type=submit]:has-text('Last opp')")
    # the file is read in the background: the page says so (live region) until the job has run
    page.wait_for_selector("#job-text[aria-live=polite]")
    check("import reading")
    run_pending_jobs(live_app)
    page.reload()
    page.wait_for_selector("select#col-1")
    check("import mapping")
    page.click("button[value=preview]")
    page.wait_for_selector("#dry-run #job-text[aria-live=polite]")
    check("import dry run waiting")
    run_pending_jobs(live_app)
    page.reload()
    page.wait_for_selector("#dry-run-counts")
    check("import dry run")
    page.click("button[value=run]")
    page.wait_for_selector("#run-counts")
    check("import run")
    assert problems == {}


def test_other_facilitators_notes_and_deletions_arrive_by_polling(page, live_server, browser):
    open_capture(page, live_server)
    other = browser.new_context(locale="nb-NO").new_page()
    try:
        email, _name, _role, password = DEMO_USERS[0]
        login(other, live_server, email, password)
        other.goto(page.url)
        other.fill("#text", "Notat fra bord 2 hos en annen")
        other.press("#text", "Enter")
        expect(page.locator("#note-list li", has_text="Notat fra bord 2 hos en annen")).to_be_visible()
        expect(page.locator("#capture-announce")).to_have_text("1 nytt notat fra andre.")
        # The other's note cannot be changed here; one's own can, and its deletion reaches the other page.
        assert page.locator("#note-list li", has_text="Notat fra bord 2 hos en annen").locator("[data-action]").count() == 0
        page.fill("#text", "Skal slettes")
        page.press("#text", "Enter")
        expect(other.locator("#note-list li", has_text="Skal slettes")).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("#note-list li", has_text="Skal slettes").locator("[data-action=delete]").click()
        expect(page.locator("#capture-announce")).to_have_text("Notatet er slettet.")
        expect(other.locator("#note-list li", has_text="Skal slettes")).to_have_count(0)
    finally:
        other.context.close()


# --- no note is ever lost (issue 20) ---------------------------------------------------------------


def test_a_refused_note_stays_with_its_reason_and_can_be_moved_and_sent_again(page, live_server):
    open_capture(page, live_server)
    page.select_option("#prompt_id", index=1)
    refusal = {"error": "Spørsmålet finnes ikke i dette verkstedet."}

    def refuse(route):
        route.fulfill(status=400, content_type="application/json", body=__import__("json").dumps(refusal))

    page.route("**/workshop/activities/*/notes", refuse)
    page.fill("#text", "Skoleskyss for 10. klasse må sees i sammenheng")
    page.press("#text", "Enter")
    box = page.locator("#refused-notes")
    expect(box).to_be_visible()
    item = page.locator("#refused-list li").first
    expect(item).to_contain_text("Grunn: Spørsmålet finnes ikke i dette verkstedet.")
    area = item.locator("textarea")
    assert area.input_value() == "Skoleskyss for 10. klasse må sees i sammenheng"
    expect(page.locator("#queue-status")).to_have_attribute("data-refused", "1")
    assert "Alle notater er lagret" not in page.locator("#queue-status").inner_text()
    # It survives a reload: the text is never thrown away.
    page.unroute("**/workshop/activities/*/notes")
    page.reload()
    expect(page.locator("#refused-list li")).to_have_count(1)
    assert audit(page) == []
    item = page.locator("#refused-list li").first
    item.locator("textarea").fill("Skoleskyss for 10. klasse-elever må sees i sammenheng")
    item.locator("select").select_option("0")  # moved: no question
    item.locator("[data-action=resend]").click()
    expect(page.locator("#refused-notes")).to_be_hidden()
    expect(page.locator("#queue-status")).to_have_text("Alle notater er lagret.")
    page.reload()
    expect(page.locator("#note-list li .note__text", has_text="Skoleskyss for 10. klasse-elever må sees")).to_have_count(1)


def test_server_not_answering_is_told_apart_from_offline_and_notes_wait(page, live_server):
    open_capture(page, live_server)
    page.route("**/workshop/activities/*/notes", lambda route: route.abort("connectionrefused"))
    page.fill("#text", "Skrevet mens serveren var nede")
    page.press("#text", "Enter")
    status = page.locator("#queue-status")
    expect(status).to_have_attribute("data-state", "server")
    assert "Serveren svarer ikke nå" in status.inner_text() and "Ingen nettforbindelse" not in status.inner_text()
    assert "1 notat venter på å bli sendt." in status.inner_text()
    # The status line stays in view on a laptop screen however long the page is.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.mouse.wheel(0, 400)
    box = page.locator(".capture-status").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768 + 1
    page.context.set_offline(True)
    page.evaluate("window.dispatchEvent(new Event('offline'))")
    expect(status).to_have_attribute("data-state", "offline")
    assert "Ingen nettforbindelse" in status.inner_text()
    page.context.set_offline(False)
    page.unroute("**/workshop/activities/*/notes")
    expect(status).to_have_text("Alle notater er lagret.")
    page.reload()
    expect(page.locator("#note-list li .note__text", has_text="Skrevet mens serveren var nede")).to_have_count(1)


def test_status_says_saved_only_when_nothing_waits(page, live_server):
    open_capture(page, live_server)
    held = []
    page.route("**/workshop/activities/*/notes", lambda route: held.append(route))
    page.fill("#text", "Sendes sakte")
    page.press("#text", "Enter")
    status = page.locator("#queue-status")
    expect(status).to_have_attribute("data-state", "sending")
    assert status.inner_text() == "1 notat sendes …"
    page.wait_for_function("() => true")
    for route in held:
        route.continue_()
    page.unroute("**/workshop/activities/*/notes")
    expect(status).to_have_text("Alle notater er lagret.")


def test_after_logging_in_again_in_another_tab_notes_are_sent_without_reload(page, live_server):
    open_capture(page, live_server)
    page.evaluate("window.notReloaded = true")
    other = page.context.new_page()
    other.goto(f"{live_server}/staff")
    with other.expect_navigation():
        other.evaluate("document.querySelector(\"form[action$='/logout']\").requestSubmit()")
    page.fill("#text", "Skrevet mens jeg var logget ut")
    page.press("#text", "Enter")
    status = page.locator("#queue-status")
    expect(status).to_have_attribute("data-state", "login")
    assert "Du er logget ut" in status.inner_text()
    email, _name, _role, password = DEMO_USERS[1]
    login(other, live_server, email, password)
    # The next retry fetches a fresh form token and sends: no reload, no 400.
    expect(status).to_have_text("Alle notater er lagret.")
    assert page.evaluate("window.notReloaded") is True
    other.close()


def test_shift_enter_makes_a_new_line_and_alt_n_goes_to_the_next_table(page, live_server):
    open_capture(page, live_server)
    page.fill("#table_label", "Bord 3")
    page.focus("#text")
    page.keyboard.type("Første linje")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("Andre linje")
    assert page.input_value("#text") == "Første linje\nAndre linje"
    page.keyboard.press("Enter")
    expect(page.locator("#queue-status")).to_have_text("Alle notater er lagret.")
    first = page.locator("#note-list li").first
    assert first.locator(".note__text").inner_text() == "Første linje\nAndre linje"
    assert "Bord 3" in first.inner_text()
    page.keyboard.press("Alt+N")
    assert page.input_value("#table_label") == "Bord 4"
    expect(page.locator("#capture-announce")).to_have_text("Bord: Bord 4")
    assert page.evaluate("document.activeElement.id") == "text"


def test_on_a_phone_a_refused_note_and_the_status_stay_in_view_and_usable(browser, live_server):
    from tests.browser.conftest import page_screenshot

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nb-NO", is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_capture(page, live_server)
        page.route("**/workshop/activities/*/notes", lambda route: route.fulfill(
            status=400, content_type="application/json", body='{"error": "Spørsmålet finnes ikke i dette verkstedet."}'))
        page.fill("#text", "Første linje")
        page.press("#text", "Shift+Enter")
        page.type("#text", "andre linje på telefonen")
        page.press("#text", "Enter")
        item = page.locator("#refused-list li").first
        expect(item).to_contain_text("Grunn: Spørsmålet finnes ikke i dette verkstedet.")
        assert item.locator("textarea").input_value() == "Første linje\nandre linje på telefonen"
        # nothing wider than the screen, the status line at the bottom of the window
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        box = page.locator(".capture-status").bounding_box()
        assert box is not None and box["y"] + box["height"] <= 844 + 1 and box["y"] > 600
        expect(page.locator("#queue-status")).to_have_attribute("data-refused", "1")
        assert audit(page) == []
        item.scroll_into_view_if_needed()
        page_screenshot(page, "capture_phone_refused")
        page.unroute("**/workshop/activities/*/notes")
        item.locator("select").select_option("0")
        item.locator("[data-action=resend]").tap()
        expect(page.locator("#refused-notes")).to_be_hidden()
        expect(page.locator("#queue-status")).to_have_text("Alle notater er lagret.")
    finally:
        context.close()
