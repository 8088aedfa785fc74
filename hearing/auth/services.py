"""Login with throttling and lock-out."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
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


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the user for correct credentials; count failures and lock after too many."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    now = utcnow()
    if user is not None and user.locked_until_dt and user.locked_until_dt > now:
        raise LoginError("Kontoen er midlertidig låst etter for mange mislykkede forsøk. Prøv igjen om 15 minutter.")
    if user is None:
        dummy_password_check(password)
    if user is None or not user.check_password(password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until_dt = now + LOCK_TIME
                user.failed_logins = 0
                audit.record(session, None, "user.locked", user)
            session.commit()
        raise LoginError("Feil e-post eller passord.")
    if not user.is_active_user:
        raise LoginError("Kontoen er deaktivert. Kontakt en administrator.")
    user.failed_logins = 0
    user.locked_until_dt = None
    user.last_login_dt = now
    session.commit()
    return user
