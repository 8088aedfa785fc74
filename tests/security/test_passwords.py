"""ASVS V2.1 (password security): at least 12 characters, no common or guessable passwords, and a
password an administrator set is replaced at first login.

Before the fix ``1234567890`` and ``aaaaaaaaaa`` were accepted, and temporary passwords lived on.
"""

from __future__ import annotations

import pytest

from hearing.auth.services import password_problem
from hearing.extensions import db
from tests.conftest import PASSWORD, text_of


@pytest.mark.parametrize("password", [
    "1234567890", "aaaaaaaaaa", "123456789012", "aaaaaaaaaaaa", "passord12345", "qwertyuiop12", "Password1234",
    "iloveyou1234", "kommune2026!", "kort",
])
def test_short_common_and_patterned_passwords_are_refused(password):
    assert password_problem(password) is not None


def test_the_persons_own_name_and_e_mail_do_not_make_a_password():
    assert password_problem("kari.nordmann1", user_inputs=("kari.nordmann@kommune.no", "Kari Nordmann")) is not None


@pytest.mark.parametrize("password", [PASSWORD, "et-nytt-passord-123", "tre tilfeldige ord: sykkel, lampe, fjord"])
def test_long_uncommon_passwords_are_accepted(password):
    assert password_problem(password) is None


def test_the_change_form_refuses_a_common_password(client, make_user):
    user = make_user("reviewer")
    client.login(user.email)
    r = client.submit("/account/password", {"current": PASSWORD, "password": "1234567890", "confirm": "1234567890"})
    assert r.status_code == 200 and "minst 12 tegn" in text_of(r)
    r = client.submit("/account/password", {"current": PASSWORD, "password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    assert r.status_code == 200 and "for lett å gjette" in text_of(r)


def test_an_administrator_cannot_set_a_common_password(admin_client):
    r = admin_client.submit("/admin/users/new", {"email": "ny@kommune.no", "name": "Ny Bruker", "role": "reviewer",
                                                 "password": "123456789012"})
    assert r.status_code in (200, 422) and "for lett å gjette" in text_of(r)


def test_a_temporary_password_must_be_changed_at_first_login(app, admin_client, make_user):
    from hearing.admin.services import reset_password
    from tests.conftest import Client

    user = make_user("reviewer")
    temporary = reset_password(db.session, admin_client.user, user)
    db.session.commit()
    client = Client(app.test_client())
    r = client.login(user.email, temporary)
    assert r.status_code == 302 and r.location.endswith("/account/password")
    blocked = client.get("/review/")
    assert blocked.status_code == 302 and blocked.location.endswith("/account/password")
    r = client.submit("/account/password", {"current": temporary, "password": "sykkel lampe fjord vinge",
                                           "confirm": "sykkel lampe fjord vinge"})
    assert r.status_code == 302
    assert client.get("/review/").status_code == 200
