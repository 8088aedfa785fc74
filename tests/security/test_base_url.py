"""ASVS V5.1/V14 (configuration) — host header injection: full links come from the configured BASE_URL.

Before the fix the Host header of the request decided the receipt link (and the password reset link
in e-mails), so a forged Host could point them at another server.
"""

from __future__ import annotations

import re

from tests.conftest import hidden_fields

EVIL = {"Host": "evil.example"}


def test_the_receipt_link_follows_base_url_not_the_host_header(app, client, world):
    app.config["BASE_URL"] = "https://medvirkning.kommune.no"
    url = f"/delta/{world['box'].id}"
    fields = hidden_fields(client.get(url, headers=EVIL).get_data(as_text=True))
    r = client.post(url, data={**fields, "statement": "En benk", "consent": "without_name"}, headers=EVIL)
    assert r.status_code == 302
    receipt = client.get(r.location, headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in receipt
    assert re.search(r'href="https://medvirkning\.kommune\.no/svar/[\w-]+"', receipt)


def test_the_password_reset_link_follows_base_url(app, client, make_user):
    from hearing.links import external_url

    app.config["BASE_URL"] = "https://medvirkning.kommune.no/"
    with app.test_request_context("/", headers=EVIL):
        link = external_url("auth.set_password", token="abc")
    assert link == "https://medvirkning.kommune.no/nytt-passord/abc"


def test_without_base_url_outside_a_request_links_go_to_the_development_address(app):
    from hearing.links import external_url

    app.config["BASE_URL"] = ""
    assert external_url("public.index").startswith("http://localhost:5000/")
