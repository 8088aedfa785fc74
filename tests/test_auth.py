"""Login, logout, throttling, lock-out, redirects and cookie flags."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import AuditEvent, RateLimit, User
from tests.conftest import PASSWORD, text_of


def test_login_and_logout(client, make_user):
    user = make_user("reviewer")
    r = client.login(user.email)
    assert r.status_code == 302 and r.location == "/staff"
    assert client.get("/staff").status_code == 200
    r = client.submit("/staff", action="/logout")
    assert r.status_code == 302
    assert client.get("/staff").status_code == 302


def test_wrong_password_gives_norwegian_message_and_keeps_email(client, make_user):
    user = make_user("admin")
    r = client.login(user.email, "feil-passord")
    assert r.status_code == 200
    assert "Feil e-post eller passord." in text_of(r)
    assert f'value="{user.email}"' in r.get_data(as_text=True)


def test_five_failures_from_one_address_stop_that_address_with_the_same_message(client, make_user):
    user = make_user("admin")
    for _ in range(5):
        client.login(user.email, "feil-passord")
    r = client.login(user.email)  # right password, but this address has tried too often
    assert r.status_code == 200 and "Feil e-post eller passord." in text_of(r)
    assert db.session.get(User, user.id).locked_until_dt is None  # the account itself stays open


def test_deactivated_user_cannot_log_in(client, make_user):
    user = make_user("reviewer")
    user.is_active_user = False
    db.session.commit()
    assert "deaktivert" in text_of(client.login(user.email))


def test_login_rate_limit(client, make_user):
    user = make_user("admin")
    codes = [client.login(user.email + "x", "feil").status_code for _ in range(11)]
    assert codes[:10] == [200] * 10
    assert codes[10] == 429


def test_next_parameter_only_allows_local_paths(client, make_user):
    user = make_user("admin")
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client.submit(f"/login?next={bad}", {"email": user.email, "password": "correct-horse-battery", "next": bad})
        assert r.status_code == 302 and r.location == "/admin/"
        client.submit("/admin/", action="/logout")
    r = client.submit("/login", {"email": user.email, "password": "correct-horse-battery", "next": "/admin/users"})
    assert r.location == "/admin/users"


def test_protected_page_redirects_to_login_with_next(client):
    r = client.get("/admin/users")
    assert r.status_code == 302 and r.location.startswith("/login?next=")


def test_session_cookie_flags(client, make_user):
    user = make_user("admin")
    r = client.login(user.email)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_is_hashed(make_user):
    user = make_user("admin")
    assert "correct-horse-battery" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_login_rate_limit_is_shared_by_every_app_process(app, client, make_user):
    """Counters live in the shared database: a second app (another gunicorn worker) sees the first one's hits."""
    from hearing import create_app
    from tests.conftest import Client

    # Read here: inside the other app, a lazy load of the user would borrow a connection of that app's engine
    # for this app's session, and it would be collected unclosed after that engine is disposed.
    wrong = make_user("admin").email + "x"
    for _ in range(6):
        assert client.login(wrong, "feil").status_code == 200
    other = create_app({**app.config, "JOBS_LOCAL_WORKER": False})
    assert other.config["RATELIMIT_STORAGE_URI"] == "hearing+db://"
    with other.app_context():
        second = Client(other.test_client())
        codes = [second.login(wrong, "feil").status_code for _ in range(5)]
        db.session.remove()
        db.engine.dispose()  # this app's connections, before the test database is dropped
    assert codes == [200, 200, 200, 200, 429]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RateLimit)) >= 1


def test_rate_limit_storage_counts_windows(app):
    from hearing.ratelimit import DatabaseStorage

    storage = DatabaseStorage("hearing+db://")
    assert storage.check() and storage.get("k") == 0
    started = time.time()
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.get("k") == 3 and storage.get_expiry("k") >= started + 60  # the window runs from the first hit
    assert storage.incr("gone", -1) == 1  # a window that already ended …
    assert storage.get("gone") == 0 and storage.incr("gone", 60) == 1  # … starts again at the next hit
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.reset() >= 1


def test_unknown_email_still_checks_a_password_hash(client, make_user, monkeypatch, real_password_hashes):
    """An unknown e-mail costs the same password check as a known one, so timing does not reveal accounts."""
    from werkzeug import security

    from hearing.auth import services
    from hearing.models import users

    user = make_user("admin")
    checked = []

    def spy(pwhash, password):
        checked.append((pwhash.split("$")[0], password))
        return security.check_password_hash(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", spy)
    monkeypatch.setattr(services, "check_password_hash", spy)
    assert "Feil e-post eller passord." in text_of(client.login(user.email, "feil-passord-1"))
    assert "Feil e-post eller passord." in text_of(client.login("ukjent@test.kommune.no", "feil-passord-2"))
    assert [pw for _, pw in checked] == ["feil-passord-1", "feil-passord-2"]
    assert checked[0][0] == checked[1][0]  # the same hash method and cost


NEW_PASSWORD = "ny-og-lang-passordfrase"


def test_staff_change_their_own_password(app, client, make_user):
    from tests.conftest import Client

    user = make_user("facilitator")
    other_device = Client(app.test_client())
    other_device.login(user.email)
    client.login(user.email)
    assert 'href="/account/password"' in client.get("/staff").get_data(as_text=True)  # in the staff navigation
    r = client.submit("/account/password", {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 302
    assert "Passordet ditt er byttet" in text_of(client.get(r.location))
    assert client.get("/staff").status_code == 200  # this session goes on …
    assert other_device.get("/staff").status_code == 302  # … the other one has ended
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.change_password"))
    assert event.actor_id == user.id and event.object_id == user.id
    client.submit("/staff", action="/logout")
    assert "Feil e-post eller passord." in text_of(client.login(user.email, PASSWORD))
    assert client.login(user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(("data", "message"), [
    ({"current": "feil-passord", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "Det nåværende passordet er feil."),
    ({"current": PASSWORD, "password": "kort", "confirm": "kort"}, "Passordet må ha minst 12 tegn."),
    ({"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"}, "Passordene er ikke like."),
    ({"current": "", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "Skriv passordet du bruker nå."),
    ({"current": PASSWORD, "password": PASSWORD, "confirm": PASSWORD}, "Det nye passordet må være et annet enn det gamle."),
])
def test_change_password_errors_are_norwegian_and_change_nothing(client, make_user, data, message):
    user = make_user("reviewer")
    client.login(user.email)
    r = client.submit("/account/password", data)
    assert r.status_code == 200
    assert message in text_of(r) and "data-error-summary" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.change_password")) is None


def test_change_password_needs_login_csrf_and_is_rate_limited(app, client, make_user):
    assert client.get("/account/password").status_code == 302  # anonymous: to the login page
    user = make_user("admin")
    client.login(user.email)
    data = {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert client.post("/account/password", data=data).status_code == 400  # no CSRF token
    app.config["LOGIN_RATE_LIMIT"] = "2/minute"
    wrong = {**data, "current": "feil-passord"}
    codes = [client.submit("/account/password", wrong).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_a_failed_login_is_counted_by_the_view_not_committed_by_the_service(app, client, make_user):
    """Services flush and views commit (hearing.actions.keep_and_refuse): the refused login keeps its count."""
    from hearing.auth import services

    user = make_user("reviewer")
    with app.test_request_context(), pytest.raises(services.LoginError):
        services.authenticate(db.session, user.email, "feil-passord-1")
    assert db.session.get(User, user.id).failed_logins == 1
    db.session.rollback()  # the service committed nothing
    assert db.session.get(User, user.id).failed_logins == 0

    client.login(user.email, "feil-passord-1")
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 1
    client.login(user.email)
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 0 and db.session.get(User, user.id).last_login_dt
