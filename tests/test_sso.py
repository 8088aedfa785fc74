"""Single sign-on for staff against a real OpenID Connect provider on loopback (oidc-provider-mock in a
subprocess): the whole login, users matched or created by e-mail, roles from the groups claim, and a
provider that does not answer."""

from __future__ import annotations

import json
import os
import re
import sys
from html import escape, unescape
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import AuditEvent, User
from tests.conftest import Client, text_of
from tests.processes import free_port, running

ROLE_MAP = {"medvirkning-kreativ-gruppe": "reviewer", "medvirkning-admin": "admin", "fasilitatorer": "facilitator"}
USERS = [
    {"sub": "kari-sub", "email": "Kari@Kommune.no", "name": "Kari Nordmann", "groups": ["medvirkning-kreativ-gruppe", "alle-ansatte"]},
    {"sub": "ola-sub", "email": "ola@kommune.no", "name": "Ola Fasilitator", "groups": ["fasilitatorer"]},
    {"sub": "per-sub", "email": "per@kommune.no", "name": "Per Uten Gruppe", "groups": ["alle-ansatte"]},
    {"sub": "entra-sub", "preferred_username": "anne@kommune.no", "name": "Anne Admin", "groups": ["medvirkning-admin"]},
]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """oidc-provider-mock on a loopback port, started as a subprocess, waited for (generously: the machine
    is shared), always stopped and reaped; if it does not come up, the test says what it printed."""
    port = free_port()
    args = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for user in USERS:
        args += ["--user-claims", json.dumps(user)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    base = f"http://127.0.0.1:{port}"

    def answers(_proc) -> bool:
        return requests.get(f"{base}/.well-known/openid-configuration", timeout=5).status_code == 200

    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    with running(args, ready=answers, log=log, what="oidc-provider-mock", env=env):
        yield base


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


def test_a_provider_that_accepts_but_never_answers_gives_the_same_message(app):
    """A provider that takes the connection and then says nothing (a hung server, a firewall that swallows the
    answer) must not hold the sign-in request for ever: after OIDC_TIMEOUT the person gets the clear message.
    (The timeout was handed to Authlib under a name it ignores, so this request never came back.)"""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])  # read nothing, answer nothing
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    app.config.update(OIDC_METADATA_URL=f"http://127.0.0.1:{port}/.well-known/openid-configuration",
                      OIDC_CLIENT_ID="medvirkning", OIDC_CLIENT_SECRET="x", OIDC_ROLE_MAP=ROLE_MAP, OIDC_TIMEOUT=1)
    browser = Client(app.test_client())
    answered = []
    request = threading.Thread(target=lambda: answered.append(browser.get("/login/sso")), daemon=True)
    try:
        request.start()
        request.join(timeout=120)  # a generous bound for a busy machine; the fixed code answers after about 1 s
        assert answered, "the sign-in request was still waiting for the provider"
        assert answered[0].status_code == 302 and answered[0].location.endswith("/login")
        page = text_of(browser.get("/login"))
        assert "virker ikke akkurat nå" in page and f"127.0.0.1:{port}" in page
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_without_configuration_there_is_no_button(client):
    assert "Logg inn med Microsoft" not in text_of(client.get("/login"))
    assert client.get("/login/sso").status_code == 404


# --- Entra ID group overage -----------------------------------------------------------------------


def _overage_user(provider: str, sub: str, email: str, *, groups_answer: list | None) -> None:
    """A person whose ID token says "too many groups" as Entra ID does (no groups claim, a pointer instead).

    The provider's own userinfo endpoint, called with the person's real access token, stands in for
    Microsoft Graph: its answer carries the groups under ``value`` in Graph's shape."""
    claims = {"email": email, "name": "Mange Grupper",
              "_claim_names": {"groups": "src1"},
              "_claim_sources": {"src1": {"endpoint": "https://graph.windows.net/tenant/users/x/getMemberObjects"}}}
    if groups_answer is not None:
        claims["value"] = groups_answer
    r = requests.put(f"{provider}/users/{sub}", json=claims, timeout=30)
    assert r.status_code == 204


def test_group_overage_reads_the_groups_from_the_configured_endpoint(sso_app, provider):
    _overage_user(provider, "many-sub", "mange@kommune.no", groups_answer=[
        {"@odata.type": "#microsoft.graph.group", "id": "alle-ansatte"},
        {"@odata.type": "#microsoft.graph.group", "id": "medvirkning-kreativ-gruppe"}])
    sso_app.config["OIDC_GROUPS_OVERAGE_URL"] = f"{provider}/userinfo"
    browser, done = sso_login(sso_app, "many-sub")
    assert done.status_code == 302 and done.location.endswith("/staff"), text_of(browser.get("/login"))[:500]
    assert db.session.scalar(sa.select(User.role).where(User.email == "mange@kommune.no")) == "reviewer"


def test_group_overage_without_an_endpoint_is_refused_clearly(sso_app, provider):
    _overage_user(provider, "many2-sub", "mange2@kommune.no", groups_answer=[{"id": "medvirkning-admin"}])
    browser, done = sso_login(sso_app, "many2-sub")
    assert done.status_code == 302 and done.location.endswith("/login")
    page = text_of(browser.get("/login"))
    assert "så mange grupper at innloggingstjenesten ikke sendte dem" in page and "HEARING_OIDC_GROUPS_OVERAGE_URL" in page
    assert db.session.scalar(sa.select(User).where(User.email == "mange2@kommune.no")) is None


def test_group_overage_endpoint_that_refuses_or_answers_nonsense(sso_app, provider):
    _overage_user(provider, "many3-sub", "mange3@kommune.no", groups_answer=None)  # no 'value': not Graph's shape
    sso_app.config["OIDC_GROUPS_OVERAGE_URL"] = f"{provider}/userinfo"
    browser, _done = sso_login(sso_app, "many3-sub")
    assert "svar vi ikke forstår da vi hentet gruppene dine" in text_of(browser.get("/login"))
    sso_app.config["OIDC_GROUPS_OVERAGE_URL"] = f"{provider}/userinfo/nothing-here"  # 404
    browser, _done = sso_login(sso_app, "many3-sub")
    assert "svar vi ikke forstår" in text_of(browser.get("/login"))
    assert db.session.scalar(sa.select(User).where(User.email == "mange3@kommune.no")) is None


def test_overage_groups_are_read_page_by_page():
    from hearing.auth import sso

    class Answer:
        def __init__(self, body, status=200):
            self.body, self.status_code = body, status

        def json(self):
            return self.body

        def raise_for_status(self):
            if self.status_code >= 400:
                raise requests.HTTPError(str(self.status_code))

    class Graph:
        def __init__(self, pages):
            self.pages, self.calls = pages, []

        def get(self, url, token):
            self.calls.append(url)
            return self.pages[url]

    graph = Graph({"https://graph/me/memberOf": Answer({"value": [{"id": "a"}], "@odata.nextLink": "https://graph/p2"}),
                   "https://graph/p2": Answer({"value": [{"id": "b"}, {"id": "c"}]})})
    assert sso.fetch_overage_groups(graph, {}, "https://graph/me/memberOf") == ["a", "b", "c"]
    forbidden = Graph({"https://graph/me/memberOf": Answer({}, 403)})
    with pytest.raises(sso.SsoError, match="GroupMember.Read.All"):
        sso.fetch_overage_groups(forbidden, {}, "https://graph/me/memberOf")
    assert sso.has_group_overage({"hasgroups": True}) and not sso.has_group_overage({"groups": ["a"], "hasgroups": True})


# --- signing out at the provider ------------------------------------------------------------------


def _payload(id_token: str) -> dict:
    import base64

    body = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_signing_out_also_signs_out_at_the_provider(sso_app, provider):

    browser, done = sso_login(sso_app, "kari-sub")
    assert browser.get("/staff").status_code == 200
    out = browser.submit("/staff", action="/logout")
    # a page that moves on by itself (a POST redirected to another site is refused by the CSP's form-action)
    assert out.status_code == 200 and out.headers["Cache-Control"] == "no-store"
    target = out.headers["Refresh"].removeprefix("0; url=")
    assert f'href="{escape(target)}"' in out.get_data(as_text=True)
    leave = urlsplit(target)
    assert f"{leave.scheme}://{leave.netloc}" == provider and leave.path == "/oauth2/end_session"
    from urllib.parse import parse_qs

    params = {k: v[0] for k, v in parse_qs(leave.query).items()}
    assert params["client_id"] == "medvirkning" and params["post_logout_redirect_uri"] == "http://localhost/logget-ut"
    assert _payload(params["id_token_hint"])["sub"] == "kari-sub"  # the ID token the provider gave at sign-in
    # our session is already over, before the provider answers
    assert browser.get("/staff").status_code == 302
    # at the provider: its sign-out page, confirmed, sends the browser back with our state
    form = requests.get(target, timeout=30)
    assert form.status_code == 200 and "End Session" in form.text
    redirect_uri = re.search(r'name="redirect_uri" value="([^"]+)"', form.text).group(1)
    confirmed = requests.post(f"{provider}/oauth2/end_session/confirm", data={"redirect_uri": unescape(redirect_uri)},
                              allow_redirects=False, timeout=30)
    assert confirmed.status_code == 302
    back = urlsplit(confirmed.headers["Location"])
    assert back.path == "/logget-ut" and f"state={params['state']}" in back.query
    home = browser.get(f"{back.path}?{back.query}")
    assert home.status_code == 302
    assert "Du er logget ut, også hos innloggingstjenesten." in text_of(browser.get(home.location))
    # a second visit with the same state is only "logged out" (the state is used once)
    again = browser.get(f"{back.path}?{back.query}")
    assert "også hos innloggingstjenesten" not in text_of(browser.get(again.location))


def test_a_password_login_signs_out_here_only(sso_app, make_user):
    user = make_user("reviewer", email="lokal@kommune.no")
    browser = Client(sso_app.test_client())
    assert browser.login(user.email).status_code == 302
    out = browser.submit("/staff", action="/logout")
    assert out.status_code == 302 and urlsplit(out.location).path == "/"


def test_signing_out_when_the_provider_is_gone_still_signs_out_here(sso_app):
    browser, _done = sso_login(sso_app, "ola-sub")
    sso_app.config.update(OIDC_METADATA_URL=f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration",
                          OIDC_TIMEOUT=5)
    out = browser.submit("/staff", action="/logout")
    assert out.status_code == 302 and urlsplit(out.location).path == "/"
    page = text_of(browser.get("/"))
    assert "Du er logget ut her, men vi fikk ikke svar fra innloggingstjenesten" in page
    assert browser.get("/staff").status_code == 302


def test_the_way_back_from_the_provider_says_nothing_to_someone_still_signed_in(sso_app, make_user):
    user = make_user("reviewer", email="inne@kommune.no")
    browser = Client(sso_app.test_client())
    assert browser.login(user.email).status_code == 302
    back = browser.get("/logget-ut?state=anything")
    assert back.status_code == 302 and "logget ut" not in text_of(browser.get(back.location))
    assert browser.get("/staff").status_code == 200
