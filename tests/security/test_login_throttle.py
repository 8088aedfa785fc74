"""ASVS V2.2.1 (anti-automation) / V2.2.? (no account enumeration): failed logins are throttled per
address and e-mail, every failure gets the same message, and a stranger cannot lock a colleague out.

Before the fix the lock-out message told which e-mails had accounts, and five guesses from anywhere
locked any known account for 15 minutes.
"""

from __future__ import annotations

from hearing.auth.services import ACCOUNT_LOCK_FAILURES
from hearing.extensions import db
from hearing.models import AuditEvent, User
from tests.conftest import PASSWORD, Client, text_of

STRANGER = {"REMOTE_ADDR": "203.0.113.7"}
OWNER = {"REMOTE_ADDR": "198.51.100.20"}


def _message(response) -> str:
    text = text_of(response)
    start = text.index("Feil e-post eller passord")
    return text[start:start + 120]


def test_known_and_unknown_e_mails_get_the_same_answer_before_and_after_throttling(app, make_user):
    user = make_user("reviewer")
    stranger = Client(app.test_client())
    answers = set()
    for email, address in ((user.email, "203.0.113.7"), ("finnes.ikke@kommune.no", "203.0.113.8")):
        for _ in range(6):  # five failures, then throttled
            r = stranger.submit("/login", {"email": email, "password": "feil-passord-123"},
                                environ_overrides={"REMOTE_ADDR": address})
            assert r.status_code == 200
            answers.add(_message(r))
    assert len(answers) == 1 and "låst" not in next(iter(answers))


def test_a_stranger_cannot_lock_the_owner_out(app, make_user):
    user = make_user("reviewer")
    stranger = Client(app.test_client())
    for _ in range(6):
        stranger.submit("/login", {"email": user.email, "password": "gjett-gjett-1"}, environ_overrides=STRANGER)
    # the stranger's address is stopped, even with the right password …
    r = stranger.submit("/login", {"email": user.email, "password": PASSWORD}, environ_overrides=STRANGER)
    assert r.status_code == 200 and "Feil e-post eller passord" in text_of(r)
    # … while the owner, elsewhere, logs in
    owner = Client(app.test_client())
    r = owner.submit("/login", {"email": user.email, "password": PASSWORD}, environ_overrides=OWNER)
    assert r.status_code == 302
    assert db.session.get(User, user.id).locked_until_dt is None


def test_many_failures_from_many_addresses_still_lock_the_account(app, make_user, monkeypatch):
    from hearing.auth import services

    assert ACCOUNT_LOCK_FAILURES >= 20
    monkeypatch.setattr(services, "MAX_FAILURES", 8)  # the same rule, fewer slow password checks
    user = make_user("reviewer")
    for n in range(8):
        Client(app.test_client()).submit("/login", {"email": user.email, "password": "gjett-gjett-1"},
                                         environ_overrides={"REMOTE_ADDR": f"10.0.{n // 200}.{n % 200 + 1}"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until_dt is not None
    assert db.session.query(AuditEvent).filter_by(action="user.locked").count() == 1
