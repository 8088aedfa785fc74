"""Every page a citizen, council, facilitator, reviewer or administrator opens, in headless Chromium.

The pages come from the app's own URL map, so a new page is audited without editing this test:
axe-core with the WCAG 2.0/2.1 A and AA rules and HTML_CodeSniffer's WCAG2AA errors (a second engine,
tests/browser/htmlcs.py), each at 320 CSS pixels and at 200 % zoom, no horizontal scrolling at either,
and with HEARING_SCREENSHOTS=1 (`make screenshots`) a screenshot of each at both sizes under
tests/artifacts/ for a person to look at
(w320_* and w640_*, the latter 640 CSS pixels at device scale 2). Pages the seeded data does not
reach (a filled draft, the diff, the send page, invitation and response edit pages) are built and
audited in test_more_pages.py.

Runs in the SQLite pass only: what Chromium and axe see of a page (contrast, names, widths, titles) does
not depend on the database, and in the PostgreSQL pass every page of the seeded demo is still served and
checked from its HTML, in every language and role (test_every_language.py).
"""

from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa

from hearing.demo import DEMO_USERS
from tests.browser.conftest import login, page_screenshot
from tests.browser.htmlcs import sniff
from tests.browser.test_foundation_pages import audit

pytestmark = pytest.mark.browser

#: Not pages: data, files and redirects.
SKIP = re.compile(r"(\.json|\.pdf|\.docx|\.xlsx|\.csv|\.md|\.zip|\.eml|/api/|/status|/export|/data\.|/vedlegg|/attachments/|/original$|/healthz|/readyz|/static/|/logout|/csrf-token)")


def page_urls(app) -> list[str]:
    """One URL per GET page, with ids taken from the seeded database."""
    from hearing.extensions import db
    from hearing.models import (
        Activity,
        Draft,
        Input,
        Process,
        Prompt,
        StakeholderGroup,
        Theme,
        ThemeRun,
        User,
    )

    with app.app_context():
        first = lambda model: db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))  # noqa: E731
        ids = {
            "process_id": first(Process), "group_id": first(StakeholderGroup), "prompt_id": first(Prompt),
            "run_id": first(ThemeRun), "theme_id": first(Theme), "user_id": first(User), "draft_id": first(Draft),
            "input_id": first(Input), "note_id": first(Input),
        }
        by_kind = dict(db.session.execute(sa.select(Activity.kind, sa.func.min(Activity.id)).group_by(Activity.kind)).all())
        hearing = db.session.scalar(sa.select(Activity.id).where(Activity.kind == "hearing", Activity.audience == "public"))
    urls = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or SKIP.search(rule.rule) or rule.endpoint == "static":
            continue
        variants = [{}]
        if "activity_id" in rule.arguments:
            # a workshop's pages (the facilitator's, and the notes' moderation at /moderation/workshop/<id>)
            workshop = rule.endpoint.startswith("workshop.") or "/workshop/" in rule.rule
            kinds = ["workshop"] if workshop else ["hearing", "survey", "suggestions"]
            variants = [{"activity_id": hearing if k == "hearing" and rule.endpoint.startswith("participation.") else by_kind.get(k)} for k in kinds]
        for extra in variants:
            values = {**ids, **extra}
            if any(values.get(arg) is None for arg in rule.arguments):
                continue
            url = rule.rule
            for arg in rule.arguments:
                url = re.sub(rf"<(?:\w+:)?{arg}>", str(values[arg]), url)
            urls.add(url)
    return sorted(urls)


def _first_workshop(app) -> int:
    from hearing.extensions import db
    from hearing.models import Activity

    with app.app_context():
        return db.session.scalar(sa.select(sa.func.min(Activity.id)).where(Activity.kind == "workshop"))


#: The elements that stick out to the right, for a useful failure message.
WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.right > limit + 1 && !(el.parentElement && el.parentElement.closest(".table-wrap"))) {
      out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " " + Math.round(r.right));
    }
  }
  return out.slice(-3);
}"""


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="pages audited in the SQLite pass")
@pytest.mark.parametrize("width", [320, 640])
def test_every_page_passes_axe_and_fits_narrow_screens(browser, live_server, live_app, width, capsys):
    # 640 CSS pixels at device scale 2 is a 1280-pixel window at 200 % zoom.
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1 if width == 320 else 2)
    page = context.new_page()
    email, _n, _r, password = DEMO_USERS[0]
    login(page, live_server, email, password)
    problems, wide, audited, bad_titles = {}, [], [], []
    for url in page_urls(live_app):
        response = page.goto(live_server + url)
        if response is None or response.status >= 400 or "/login" in page.url:
            continue
        audited.append(url)
        if not page.title().strip() or "<" in page.title():  # WCAG 2.4.2: a plain, telling page title
            bad_titles.append((url, page.title()))
        if found := audit(page) + sniff(page):
            problems[url] = found
        if page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"):
            wide.append((url, page.evaluate(WIDEST)))
        name = re.sub(r"[^a-z0-9]+", "_", url.strip("/").lower()) or "index"
        page_screenshot(page, f"w{width}_{name}")
    context.close()
    with capsys.disabled():
        print(f"\n{width}px: audited {len(audited)} pages:", ", ".join(audited))
    assert len(audited) > 25
    # the pages staff approve from are among them (a wrong id would have skipped them as 404s)
    notes = f"/moderation/workshop/{_first_workshop(live_app)}"
    assert notes in audited and any(u.startswith("/moderation/activity/") for u in audited)
    assert problems == {}, "\n".join(f"{u}: {p}" for u, p in problems.items())
    assert bad_titles == []
    assert wide == [], "\n".join(f"{u}: {w}" for u, w in wide)
