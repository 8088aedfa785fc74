"""Login with throttling and lock-out."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hearing import audit
from hearing.models import User, utcnow

MAX_FAILURES = 5
LOCK_TIME = timedelta(minutes=15)


class LoginError(ValueError):
    pass


#: A hash of the same method and cost as real ones, made at start so no login pays for making it.
_DUMMY_HASH = generate_password_hash("no account has this password")


def dummy_password_check(password: str) -> bool:
    """Check a password against a hash no one has, taking as long as a real check.

    Used when the e-mail is unknown, so the response time does not tell whether an account exists.
    """
    check_password_hash(_DUMMY_HASH, password)
    return False


def _count_failure(session: Session, user: User, actor: User | None) -> None:
    """One more wrong password; too many in a row lock the account for a while."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until_dt = utcnow() + LOCK_TIME
        user.failed_logins = 0
        audit.record(session, actor, "user.locked", user)
    session.commit()


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the user for correct credentials; count failures and lock after too many."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    now = utcnow()
    if user is not None and user.locked_until_dt and user.locked_until_dt > now:
        raise LoginError(_l("Kontoen er midlertidig låst etter for mange mislykkede forsøk. Prøv igjen om 15 minutter."))
    if user is None:
        dummy_password_check(password)
    if user is None or not user.check_password(password):
        if user is not None:
            _count_failure(session, user, None)
        raise LoginError(_l("Feil e-post eller passord."))
    if not user.is_active_user:
        raise LoginError(_l("Kontoen er deaktivert. Kontakt en administrator."))
    user.failed_logins = 0
    user.locked_until_dt = None
    user.last_login_dt = now
    session.commit()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The user's own password change: the current one must be right; other sessions end (the caller
    logs this one in again). Wrong current passwords count towards the lock-out as failed logins do."""
    if not user.check_password(current):
        _count_failure(session, user, user)
        raise LoginError(_l("Det nåværende passordet er feil."))
    if current == new:
        raise LoginError(_l("Det nye passordet må være et annet enn det gamle."))
    user.set_password(new)
    audit.record(session, user, "user.change_password", user)
    session.commit()
