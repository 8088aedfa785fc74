"""Single sign-on for staff against a real OpenID Connect provider on loopback (oidc-provider-mock in a
subprocess): the whole login, users matched or created by e-mail, roles from the groups claim, and a
provider that does not answer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import AuditEvent, User
from tests.conftest import Client, text_of

ROLE_MAP = {"medvirkning-kreativ-gruppe": "reviewer", "medvirkning-admin": "admin", "fasilitatorer": "facilitator"}
USERS = [
    {"sub": "kari-sub", "email": "Kari@Kommune.no", "name": "Kari Nordmann", "groups": ["medvirkning-kreativ-gruppe", "alle-ansatte"]},
    {"sub": "ola-sub", "email": "ola@kommune.no", "name": "Ola Fasilitator", "groups": ["fasilitatorer"]},
    {"sub": "per-sub", "email": "per@kommune.no", "name": "Per Uten Gruppe", "groups": ["alle-ansatte"]},
    {"sub": "entra-sub", "preferred_username": "anne@kommune.no", "name": "Anne Admin", "groups": ["medvirkning-admin"]},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider():
    """oidc-provider-mock on a loopback port, started as a subprocess, waited for, and stopped."""
    port = free_port()
    args = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for user in USERS:
        args += ["--user-claims", json.dumps(user)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # generous: the machine is shared
    while True:
        try:
            if requests.get(f"{base}/.well-known/openid-configuration", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail("the OIDC provider did not start")
        time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=60)


@pytest.fixture
def sso_app(app, provider):
    app.config.update(OIDC_METADATA_URL=f"{provider}/.well-known/openid-configuration", OIDC_CLIENT_ID="medvirkning",
                      OIDC_CLIENT_SECRET="hemmelig", OIDC_ROLE_MAP=ROLE_MAP, BASE_URL="http://localhost")
    return app


def sso_login(app, sub: str, *, next_url: str | None = None):
    """The whole login as a browser does it: our app -> the provider's form -> back to our callback."""
    browser = Client(app.test_client())
    page = browser.get("/login")
    assert "Logg inn med Microsoft" in text_of(page)
    start = browser.get("/login/sso" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    authorize = start.location
    assert authorize.startswith("http://127.0.0.1:") and "state=" in authorize and "nonce=" in authorize
    # the person chooses who they are at the provider (a real HTTP request to the provider)
    answer = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/login/sso/callback" and "code=" in back.query
    # the provider sends the browser back; our app exchanges the code with the provider over HTTP
    done = browser.get(f"{back.path}?{back.query}")
    return browser, done


def test_a_new_user_signs_in_and_gets_the_role_of_their_group(sso_app):
    browser, done = sso_login(sso_app, "kari-sub")
    assert done.status_code == 302 and done.location.endswith("/staff")
    user = db.session.scalar(sa.select(User).where(User.email == "kari@kommune.no"))
    assert user.role == "reviewer" and user.name == "Kari Nordmann" and user.sso_subject.endswith("|kari-sub")
    assert browser.get("/staff").status_code == 200 and browser.get("/review/").status_code == 200
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"user.create_sso", "user.login_sso"} <= actions


def test_an_existing_user_is_matched_by_email_and_keeps_the_password(sso_app, make_user):
    existing = make_user("reviewer", email="ola@kommune.no", name="Ola")
    browser, done = sso_login(sso_app, "ola-sub", next_url="/account/password")
    assert done.status_code == 302 and done.location.endswith("/account/password")
    db.session.expire_all()
    user = db.session.get(User, existing.id)
    assert user.role == "facilitator"  # the groups decide the role
    assert user.sso_subject.endswith("|ola-sub")
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.email == "ola@kommune.no")) == 1
    # the local password still works
    other = Client(sso_app.test_client())
    assert other.login("ola@kommune.no").status_code == 302


def test_entra_style_username_and_the_strongest_role(sso_app):
    _browser, done = sso_login(sso_app, "entra-sub")
    assert done.status_code == 302 and done.location.endswith("/admin/")
    assert db.session.scalar(sa.select(User.role).where(User.email == "anne@kommune.no")) == "admin"


def test_someone_in_no_mapped_group_is_refused_clearly(sso_app):
    browser, done = sso_login(sso_app, "per-sub")
    assert done.status_code == 302 and done.location.endswith("/login")
    page = text_of(browser.get("/login"))
    assert "ikke med i en gruppe som gir tilgang" in page
    assert db.session.scalar(sa.select(User).where(User.email == "per@kommune.no")) is None
    assert browser.get("/staff").status_code == 302


def test_a_deactivated_user_cannot_sign_in(sso_app, make_user):
    user = make_user("reviewer", email="kari@kommune.no")
    user.is_active_user = False
    db.session.commit()
    browser, done = sso_login(sso_app, "kari-sub")
    assert "Kontoen er deaktivert" in text_of(browser.get("/login"))


def test_a_provider_that_does_not_answer_gives_a_clear_message(app):
    port = free_port()  # nothing listens here
    app.config.update(OIDC_METADATA_URL=f"http://127.0.0.1:{port}/.well-known/openid-configuration",
                      OIDC_CLIENT_ID="medvirkning", OIDC_CLIENT_SECRET="x", OIDC_ROLE_MAP=ROLE_MAP, OIDC_TIMEOUT=5)
    browser = Client(app.test_client())
    r = browser.get("/login/sso")
    assert r.status_code == 302 and r.location.endswith("/login")
    page = text_of(browser.get("/login"))
    assert "virker ikke akkurat nå" in page and f"127.0.0.1:{port}" in page
    assert browser.login(app and "x@kommune.no").status_code == 200  # the password form is still there


def test_without_configuration_there_is_no_button(client):
    assert "Logg inn med Microsoft" not in text_of(client.get("/login"))
    assert client.get("/login/sso").status_code == 404
