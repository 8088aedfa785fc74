"""What the second accessibility engine costs: axe-core and HTML_CodeSniffer on every page of the demo.

Builds the seeded demo (as the browser tests' live server does) in a temporary SQLite database, serves
it on 127.0.0.1, logs in as the administrator in headless Debian Chromium, opens every GET page of the
URL map (tests/browser/test_all_pages.py's ``page_urls``) at 320 CSS pixels and at 200 % zoom, and runs
each engine on each page. Prints a markdown table of the pages audited, the total and median seconds per
engine, and the findings (0 is what the tests require). Nothing is asserted: the script only prints.

    .venv/bin/python bench/a11y_engines.py
"""

from __future__ import annotations

import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    import sqlalchemy as sa
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from hearing import create_app
    from hearing.demo import DEMO_USERS, seed_demo
    from hearing.extensions import db
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.browser.htmlcs import sniff
    from tests.browser.test_all_pages import page_urls
    from tests.browser.test_foundation_pages import WCAG

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    folder = Path(tempfile.mkdtemp(prefix="bench-a11y-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "LOGIN_RATE_LIMIT": "1000/minute", "UPLOAD_FOLDER": str(folder / "uploads"),
                      "JOBS_LOCAL_WORKER": False, "THEMES_EMBEDDINGS": False})
    with app.app_context():
        db.create_all()
        seed_demo(db.session, None)
        db.session.commit()
        from hearing.jobs import run_pending_jobs
        from hearing.models import Process, User
        from hearing.themes.service import start_run

        admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
        start_run(db.session, admin, db.session.scalar(sa.select(Process)), n_themes=3)
        db.session.commit()
        run_pending_jobs(app)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for width, scale in ((320, 1), (640, 2)):
                page = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=scale).new_page()
                email, _n, _r, password = DEMO_USERS[0]
                page.goto(f"{base}/login")
                page.fill("#email", email)
                page.fill("#password", password)
                page.click("button[type=submit]:has-text('Logg inn')")
                page.wait_for_load_state()
                times = {"axe": [], "htmlcs": []}
                found = {"axe": 0, "htmlcs": 0}
                for url in page_urls(app):
                    response = page.goto(base + url)
                    if response is None or response.status >= 400 or "/login" in page.url:
                        continue
                    start = time.perf_counter()
                    found["axe"] += len(Axe().run(page, options=WCAG).response["violations"])
                    times["axe"].append(time.perf_counter() - start)
                    start = time.perf_counter()
                    found["htmlcs"] += len(sniff(page))
                    times["htmlcs"].append(time.perf_counter() - start)
                label = "320 px" if width == 320 else "200 % zoom"
                for engine, seconds in times.items():
                    rows.append((label, engine, len(seconds), sum(seconds), statistics.median(seconds), found[engine]))
                page.context.close()
            browser.close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    print("| width | engine | pages | total s | median s per page | findings |")
    print("|---|---|---|---|---|---|")
    for label, engine, n, total, median, findings in rows:
        print(f"| {label} | {engine} | {n} | {total:.1f} | {median:.3f} | {findings} |")


if __name__ == "__main__":
    main()
