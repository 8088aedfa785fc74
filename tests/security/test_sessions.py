"""ASVS V3.3 (session termination): logout ends the session on the server.

Before the fix a copied session cookie still worked after POST /logout.
"""

from __future__ import annotations

from tests.conftest import Client, hidden_fields


def test_a_copied_cookie_is_worthless_after_logout(app, client, make_user):
    user = make_user("reviewer")
    assert client.login(user.email).status_code == 302
    assert client.get("/review/").status_code == 200
    cookie = client.raw.get_cookie("session").value
    thief = Client(app.test_client())
    thief.raw.set_cookie("session", cookie)
    assert thief.get("/review/").status_code == 200  # the copy works while the session lives
    page = client.get("/review/").get_data(as_text=True)
    assert client.post("/logout", data=hidden_fields(page, action="/logout")).status_code == 302
    assert client.get("/review/").status_code == 302
    stolen = thief.get("/review/")
    assert stolen.status_code == 302 and "/login" in stolen.location


def test_logging_in_again_after_logout_works(client, make_user):
    user = make_user("reviewer")
    client.login(user.email)
    page = client.get("/review/").get_data(as_text=True)
    client.post("/logout", data=hidden_fields(page, action="/logout"))
    assert client.login(user.email).status_code == 302
    assert client.get("/review/").status_code == 200
