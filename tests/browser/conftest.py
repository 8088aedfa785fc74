"""A live server on 127.0.0.1 and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import axe_playwright_python
import pytest
import sqlalchemy as sa
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import make_server

from hearing import create_app
from hearing.demo import seed_demo
from hearing.extensions import db
from tests.processes import START_SECONDS, STOP_SECONDS

CHROMIUM = os.environ.get("HEARING_CHROMIUM", "/usr/bin/chromium")
# Keep Chromium off the network: this machine reaches only package registries.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps", "--disable-extensions",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
#: Playwright's waits (actions, navigations, expect) in ms: generous, so that a busy machine (another
#: `make test` beside this one) is slow rather than failing; a passing test never waits that long.
TIMEOUT_MS = 60_000
#: The browser tests save full-page screenshots for a person to look at only when HEARING_SCREENSHOTS=1
#: (`make screenshots`): they took about half the time of the tests that open every page at two widths
#: (test_all_pages.py, test_more_pages.py), a few seconds each elsewhere, and nothing checks them. The
#: tests' assertions run either way.
SCREENSHOTS = os.environ.get("HEARING_SCREENSHOTS", "").lower() not in ("", "0", "false", "no")


#: The audit engines' scripts, served by the live server beside the app (not by the app: they are the tests'):
#: a page loads them with a script tag, from Chromium's cache after the first page, where sending the 560 kB of
#: axe-core through the DevTools protocol into every page audited cost the browser more than the audit itself.
AUDIT_PATH = "/__audit__"
AUDIT_SCRIPTS = {
    "axe.min.js": str(Path(axe_playwright_python.__file__).parent / "axe.min.js"),
    "HTMLCS.js": str(Path(__file__).resolve().parents[2] / "node_modules" / "html_codesniffer" / "build" / "HTMLCS.js"),
}


class _Browser:
    """The browser, with every new context given the generous default timeout."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **kw):
        context = self._browser.new_context(**kw)
        context.set_default_timeout(TIMEOUT_MS)
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture(scope="session")
def live_server(databases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    url = databases.new(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "live", "LOGIN_RATE_LIMIT": "1000/minute",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "JOBS_LOCAL_WORKER": False, "THEMES_EMBEDDINGS": False,
                      "REPORT_FILE_LANGUAGES": ("nb",)})  # as tests/conftest.py: bokmål files at publication
    with app.app_context():
        seed_demo(db.session, None)
        db.session.commit()
        # One finished grouping run, so the reviewer's pages have themes to work on.
        from hearing.jobs import run_pending_jobs
        from hearing.models import Process, User
        from hearing.themes.service import start_run

        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        start_run(db.session, admin, db.session.scalar(sa.select(Process)), n_themes=3)
        db.session.commit()
        run_pending_jobs(app)
        db.session.remove()
    server = make_server("127.0.0.1", 0, SharedDataMiddleware(app, {f"{AUDIT_PATH}/{name}": path for name, path in AUDIT_SCRIPTS.items()}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()  # returns once serve_forever has stopped
        thread.join(timeout=STOP_SECONDS)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
        databases.drop(url)


@pytest.fixture(scope="module")
def live_app(live_server):
    import gc

    from flask import Flask

    # The live server's app: found through the WSGI server thread's application.
    apps = [o for o in gc.get_objects() if isinstance(o, Flask) and o.config.get("SECRET_KEY") == "live"]
    return apps[-1]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}; `make test` installs it with apt-get")
        pytest.skip(f"Chromium is missing at {CHROMIUM}; run `apt-get install chromium`")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                     timeout=START_SECONDS * 1000)
        try:
            yield _Browser(browser)
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nb-NO")
    page = context.new_page()
    yield page
    context.close()


def page_screenshot(page, name: str) -> None:
    """A full-page screenshot under tests/artifacts/ when HEARING_SCREENSHOTS is set (see SCREENSHOTS)."""
    if SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def load_script(page, name: str, *, present: str) -> None:
    """Load the audit script ``name`` (of AUDIT_SCRIPTS) into the page unless the JavaScript ``present`` is true.

    From the live server by a script tag (cached by the browser); a page of no live server (``set_content``,
    another server) gets the script's text evaluated instead."""
    if page.evaluate(present):
        return
    from playwright.sync_api import Error

    try:
        page.add_script_tag(url=f"{AUDIT_PATH}/{name}")
    except Error:
        page.evaluate(Path(AUDIT_SCRIPTS[name]).read_text(encoding="utf-8"))


def login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]:has-text('Logg inn')")
    page.wait_for_load_state()
