"""Behind a load balancer: X-Forwarded-For/-Proto are trusted only when PROXY_COUNT says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hearing import create_app
from hearing.extensions import db
from hearing.models import Activity, utcnow
from tests.conftest import Client, hidden_fields


@pytest.fixture
def proxied(app):
    """A second app on the same database, as configured behind one load balancer (HEARING_PROXY_COUNT=1)."""
    other = create_app({**app.config, "PROXY_COUNT": 1, "LOGIN_RATE_LIMIT": "2/minute"})
    with other.app_context():
        yield Client(other.test_client())
        db.session.remove()
        db.engine.dispose()


def _login_codes(client: Client, forwarded_for: str, n: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    return [client.submit("/login", {"email": "ingen@test.kommune.no", "password": "feil"}, headers=headers).status_code
            for _ in range(n)]


def test_proxy_count_from_the_environment(app, monkeypatch):
    monkeypatch.setenv("HEARING_PROXY_COUNT", "1")
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": app.config["SECRET_KEY"], "JOBS_LOCAL_WORKER": False})
    assert other.config["PROXY_COUNT"] == 1
    assert type(other.wsgi_app).__name__ == "ProxyFix"
    assert type(app.wsgi_app).__name__ != "ProxyFix"  # default 0: off


def test_clients_behind_the_load_balancer_are_rate_limited_separately(proxied):
    assert _login_codes(proxied, "198.51.100.7", 3) == [200, 200, 429]
    assert _login_codes(proxied, "203.0.113.9", 2) == [200, 200]  # another citizen is not blocked


def test_without_proxy_count_x_forwarded_for_is_ignored(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "2/minute"
    codes = [client.submit("/login", {"email": "ingen@test.kommune.no", "password": "feil"},
                           headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]  # a forged header does not dodge the limit


@pytest.fixture
def box(make_process):
    now = utcnow()
    act = Activity(process=make_process(), kind="suggestions", title="Benkeforslag", audience="public",
                   opens_dt=now - timedelta(days=1), closes_dt=now + timedelta(days=10))
    db.session.add(act)
    db.session.commit()
    return act


def _receipt(client: Client, activity_id: int, headers: dict) -> tuple[str, object]:
    url = f"/delta/{activity_id}"
    fields = hidden_fields(client.get(url, headers=headers).get_data(as_text=True))
    # A browser sends the form's page as Referer (Referrer-Policy same-origin); CSRFProtect checks it on https.
    post_headers = {**headers, "Referer": f"{'https' if headers.get('X-Forwarded-Proto') == 'https' else 'http'}://localhost{url}"}
    r = client.post(url, data={**fields, "statement": "En benk ved torget", "consent": "without_name"}, headers=post_headers)
    assert r.status_code == 302, r.status_code
    receipt = client.get(r.location, headers=headers)
    assert receipt.status_code == 200
    return receipt.get_data(as_text=True), receipt


def test_forwarded_https_gives_https_receipt_link_and_hsts(proxied, box):
    html, receipt = _receipt(proxied, box.id, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"})
    assert 'href="https://localhost/svar/' in html
    assert "max-age=" in receipt.headers["Strict-Transport-Security"]


def test_without_proxy_count_x_forwarded_proto_is_ignored(client, box):
    html, receipt = _receipt(client, box.id, {"X-Forwarded-Proto": "https"})
    assert 'href="http://localhost/svar/' in html
    assert "Strict-Transport-Security" not in receipt.headers
