"""Staff password reset by e-mail: one-time hashed link, short expiry, no account enumeration, rate limited."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from hearing.extensions import db
from hearing.models import MailMessage, User, UserToken, utcnow
from tests.conftest import text_of


def reset_link(email: str) -> str:
    msg = db.session.scalars(sa.select(MailMessage).where(MailMessage.to_address == email).order_by(MailMessage.id.desc())).first()
    return re.search(r"http://localhost(/nytt-passord/[\w-]+)", msg.body_text).group(1)


def test_reset_by_link_once(client, make_user):
    user = make_user("reviewer")
    assert "Glemt passordet?" in text_of(client.get("/login"))
    r = client.submit("/glemt-passord", {"email": user.email.upper()})
    assert r.status_code == 200 and "Sjekk e-posten din" in text_of(r)
    link = reset_link(user.email)
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(UserToken))
    assert stored.token_hash != token and token not in stored.token_hash  # only the hash is stored
    r = client.submit(link, {"password": "kort", "confirm": "kort"})
    assert r.status_code == 200 and "Passordet må ha minst 12 tegn." in text_of(r)
    r = client.submit(link, {"password": "Blåbær-Skodde-Ferje-47", "confirm": "Blåbær-Skodde-Ferje-47"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Blåbær-Skodde-Ferje-47")
    assert client.get(link).status_code == 410


def test_same_answer_for_unknown_and_known_addresses(client, make_user):
    user = make_user("reviewer")
    known = text_of(client.submit("/glemt-passord", {"email": user.email}))
    unknown = text_of(client.submit("/glemt-passord", {"email": "finnes.ikke@kommune.no"}))
    assert known.replace(user.email, "X") == unknown.replace("finnes.ikke@kommune.no", "X")
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 1


def test_link_expires_and_a_newer_link_voids_the_older(client, make_user, app):
    user = make_user("reviewer")
    client.submit("/glemt-passord", {"email": user.email})
    first = reset_link(user.email)
    client.submit("/glemt-passord", {"email": user.email})
    second = reset_link(user.email)
    assert first != second and client.get(first).status_code == 410 and client.get(second).status_code == 200
    db.session.execute(sa.update(UserToken).values(expires_dt=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    r = client.get(second)
    assert r.status_code == 410 and "Lenken virker ikke lenger" in text_of(r)


def test_at_most_three_links_an_hour_and_deactivated_users_get_none(client, make_user):
    user = make_user("reviewer")
    for _ in range(5):
        assert client.submit("/glemt-passord", {"email": user.email}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id))) == 3
    gone = make_user("reviewer")
    gone.is_active_user = False
    db.session.commit()
    client.submit("/glemt-passord", {"email": gone.email})
    assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).where(MailMessage.to_address == gone.email)) == 0


def test_the_form_is_rate_limited(client, app):
    app.config["LOGIN_RATE_LIMIT"] = "2/minute"
    codes = [client.submit("/glemt-passord", {"email": "a@kommune.no"}).status_code for _ in range(3)]
    assert codes[-1] == 429
