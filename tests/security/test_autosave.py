"""ASVS V8.2.2 (data in browser storage), the server's side of it: the answer form's draft script keeps drafts
for the tab only (sessionStorage), for hours, never name, e-mail or phone, and the receipt clears them.

Before the fix the drafts stayed in localStorage for ever, with name, e-mail and text. What the browser
actually stores is checked in Chromium by tests/browser/test_security_autosave.py; this file checks, without a
browser, that every page and script that takes part says so.
"""

from __future__ import annotations

import re

from tests.security.conftest import post_response


def test_the_draft_script_keeps_drafts_for_the_tab_for_hours_and_never_personal_fields(client):
    script = client.get("/static/js/autosave.js").get_data(as_text=True)
    # written only to sessionStorage; localStorage is only read to delete what an older version left there
    writes = re.findall(r"(\w+Storage)\.setItem|store\.setItem", script)
    assert "window.sessionStorage" in script and "localStorage.setItem" not in script and writes
    assert re.search(r"localStorage\.removeItem", script)
    hours = re.search(r"MAX_AGE_MS = (\d+) \* 60 \* 60 \* 1000", script)
    assert hours and 1 <= int(hours.group(1)) <= 12
    for never in ("respondent_name", "respondent_email", "email", "tel"):
        assert f'"{never}"' in script


def test_the_form_offers_to_discard_and_its_personal_fields_say_what_they_are(client, world):
    page = client.get(f"/delta/{world['box'].id}").get_data(as_text=True)
    assert f'data-autosave="respond-{world["box"].id}"' in page and "data-discard-draft" in page
    # the script leaves out fields by name and by their autocomplete purpose
    assert re.search(r'name="respondent_name"[^>]*autocomplete="name"', page)
    assert re.search(r'name="respondent_email"[^>]*type="email"|type="email"[^>]*name="respondent_email"', page)


def test_the_receipt_clears_the_draft_of_the_form_it_came_from(client, world):
    box = world["box"]
    response, _fields = post_response(client, f"/delta/{box.id}", {"statement": "Flere benker langs turveien",
                                                                            "consent": "without_name"})
    assert response.status_code in (302, 303), response.status_code
    receipt = client.get(response.location).get_data(as_text=True)
    assert re.search(rf'src="/static/js/autosave\.js[^"]*"[^>]*data-clear="respond-{box.id} respond-{box.id}-edit"',
                     receipt)
