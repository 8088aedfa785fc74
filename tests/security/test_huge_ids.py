"""ASVS V5.1 (input validation) / V7.4 (error handling): an id no column can hold is a 404, not a 500.

Before the fix ``/delta/99999999999999999999999`` answered 500 (OverflowError in the database driver).
"""

from __future__ import annotations

import pytest

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("url", [f"/delta/{HUGE}", f"/delta/{HUGE}/svar", f"/delta/{2**31}", f"/delta/{2**63}"])
def test_huge_ids_are_not_found(client, url):
    assert client.get(url).status_code == 404


def test_huge_ids_on_staff_pages_are_not_found(admin_client):
    for url in (f"/admin/activities/{HUGE}/responses", f"/admin/attachments/{HUGE}", f"/review/inputs/{2**40}"):
        assert admin_client.get(url).status_code == 404, url


def test_every_int_route_refuses_a_huge_id(app, admin_client):
    """Walk every GET route with an integer argument: none may answer 500."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not any(c.__class__.__name__ == "IdConverter" for c in rule._converters.values()):
            continue
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", HUGE).replace(f"<{name}>", "x").replace(f"<path:{name}>", "x")
        url = url.split("<")[0]
        assert admin_client.get(url).status_code in (302, 400, 403, 404, 405, 410), url
