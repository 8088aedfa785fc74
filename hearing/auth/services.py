"""Login with throttling and lock-out, and the password policy."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from hearing import audit
from hearing.core.errors import DomainError
from hearing.models import TokenPurpose, User, UserToken, utcnow

#: Failed logins in a row, from any addresses, that lock the account itself for LOCK_TIME. Guessing from
#: one address is stopped much sooner, per address and e-mail (LOGIN_FAILURE_LIMIT in the views), so a
#: stranger cannot lock a colleague out with five wrong guesses.
ACCOUNT_LOCK_FAILURES = 50
MAX_FAILURES = ACCOUNT_LOCK_FAILURES
LOCK_TIME = timedelta(minutes=15)
#: The one answer to every failed login (wrong e-mail, wrong password, too many tries, a locked account):
#: it tells no one which e-mail addresses have accounts.
FAILED_LOGIN = _l("Feil e-post eller passord. Etter mange mislykkede forsøk må du vente 15 minutter før du prøver igjen.")


class LoginError(DomainError, ValueError):
    """The login is refused; the message is for the person logging in."""


#: Shortest password anyone may set (ASVS 2.1.1).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
#: Words of this service that make a password easy to guess for someone who knows where it is used.
_CONTEXT_WORDS = ("passord", "password", "kommune", "kommunen", "hearing", "høring", "horing", "medvirkning",
                  "strategiplan", "innspill", "admin", "administrator", "velkommen", "sommer", "vinter", "hemmelig")


def password_problem(password: str, *, user_inputs: Iterable[str | None] = ()) -> str | None:
    """Why ``password`` may not be used, as a message for the person choosing it; ``None`` when it may.

    The one password policy, for every place a password is set (an administrator's form, the user's own
    change, a reset link, the command line): at least :data:`MIN_PASSWORD_LENGTH` characters, and not
    common or easy to guess. The check is offline: zxcvbn (pinned in pyproject.toml) knows the 30 000 most
    common passwords of public breaches, English and Norwegian-looking words, names, dates, keyboard
    patterns, repeats and sequences, and the person's own ``user_inputs`` (e-mail, name). A password it
    scores below 3 ("safely unguessable": about 10^8 guesses) is refused.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Passordet må ha minst %(n)d tegn.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Passordet kan ha høyst %(n)d tegn.", n=MAX_PASSWORD_LENGTH)
    from zxcvbn import zxcvbn

    personal = []
    for value in (v.lower() for v in user_inputs if v):
        personal += [value, value.split("@")[0], *(w for w in re.split(r"[\W_]+", value) if len(w) >= 3)]
    # zxcvbn's work grows with length; past 64 characters a password is long enough to judge by its start.
    if zxcvbn(password[:64], user_inputs=[*_CONTEXT_WORDS, *personal])["score"] < 3:
        return _l("Passordet er for lett å gjette: det er et vanlig passord, eller bygget på navn, ord, datoer eller "
                  "mønstre som 1234 og aaaa. Bruk gjerne tre eller fire tilfeldige ord.")
    return None


#: A hash of the same method and cost as real ones, made at start so no login pays for making it.
_DUMMY_HASH = generate_password_hash("no account has this password")


def dummy_password_check(password: str) -> bool:
    """Check a password against a hash no one has, taking as long as a real check.

    Used when the e-mail is unknown, so the response time does not tell whether an account exists.
    """
    check_password_hash(_DUMMY_HASH, password)
    return False


def _count_failure(session: Session, user: User, actor: User | None) -> None:
    """One more wrong password; too many in a row lock the account for a while. Flushed: the view commits
    it although the login is refused (:func:`hearing.actions.keep_and_refuse`)."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILURES:
        user.locked_until_dt = utcnow() + LOCK_TIME
        user.failed_logins = 0
        audit.record(session, actor, "user.locked", user)
    session.flush()


def end_session(session: Session, user: User) -> None:
    """Logout: the session's user id carries the session version, so bumping it makes every copy of this
    session's cookie worthless (the user loader refuses an old version). The user's other sessions end too."""
    user.session_version = (user.session_version or 0) + 1
    audit.record(session, user, "user.logout", user)
    session.flush()


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the user for correct credentials; count failures and lock after too many. Flushes; the caller
    commits, also when it refuses with :class:`LoginError` (the counted failure must be kept)."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    now = utcnow()
    if user is not None and user.locked_until_dt and user.locked_until_dt > now:
        dummy_password_check(password)  # as long as any other answer
        raise LoginError(FAILED_LOGIN)
    if user is None:
        dummy_password_check(password)
    if user is None or not user.check_password(password):
        if user is not None:
            _count_failure(session, user, None)
        raise LoginError(FAILED_LOGIN)
    if not user.is_active_user:
        raise LoginError(_l("Kontoen er deaktivert. Kontakt en administrator."))
    user.failed_logins = 0
    user.locked_until_dt = None
    user.last_login_dt = now
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The user's own password change: the current one must be right; other sessions end (the caller
    logs this one in again). Wrong current passwords count towards the lock-out as failed logins do.
    Flushes; the caller commits, also a refusal (the counted failure)."""
    if not user.check_password(current):
        _count_failure(session, user, user)
        raise LoginError(_l("Det nåværende passordet er feil."))
    if current == new:
        raise LoginError(_l("Det nye passordet må være et annet enn det gamle."))
    if problem := password_problem(new, user_inputs=(user.email, user.name)):
        raise LoginError(problem)
    user.set_password(new)
    user.must_change_password = False
    audit.record(session, user, "user.change_password", user)
    session.flush()


# --- one-time links: password reset and invitations of new staff ------------------------------------

#: At most this many reset links per account and hour (more requests are answered the same, and ignored).
RESETS_PER_HOUR = 3


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_password(password: str, user: User) -> None:
    """The password policy (:func:`password_problem`) for a password set through a one-time link."""
    if problem := password_problem(password, user_inputs=(user.email, user.name)):
        raise LoginError(problem)


def issue_user_token(session: Session, user: User, purpose: str, *, lifetime: timedelta) -> str:
    """A new one-time link token for ``user`` (earlier unused ones of the purpose stop working); only
    its hash is stored. The caller puts the link in an e-mail and commits."""
    now = utcnow()
    session.execute(
        sa.update(UserToken).where(UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_dt.is_(None))
        .values(used_dt=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(UserToken(user_id=user.id, purpose=purpose, token_hash=_token_hash(token), created_dt=now,
                          expires_dt=now + lifetime))
    session.flush()
    return token


def request_password_reset(session: Session, email: str, *, link_for: Callable[[str], str], lang: str | None,
                           minutes: int) -> bool:
    """Put a reset link in the outbox for an active account with this e-mail; the caller commits.

    The answer to the person is the same whether the account exists or not (no account enumeration);
    the return value (a link was queued) is for tests and the audit only. At most RESETS_PER_HOUR a
    link per account and hour: more requests are ignored, so nobody can flood a colleague's inbox.
    """
    from hearing.mail import link_in_language, queue_mail, recipient_language

    user = session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.is_active_user:
        return False
    recent = session.scalar(
        sa.select(sa.func.count(UserToken.id)).where(
            UserToken.user_id == user.id, UserToken.purpose == TokenPurpose.PASSWORD_RESET,
            UserToken.created_dt > utcnow() - timedelta(hours=1))
    )
    if recent >= RESETS_PER_HOUR:
        return False
    token = issue_user_token(session, user, TokenPurpose.PASSWORD_RESET, lifetime=timedelta(minutes=minutes))
    # the person's own language when they chose one, else the language of the page they asked on
    lang = recipient_language(user.lang or lang)
    queue_mail(session, to=user.email, template="password_reset", lang=lang,
               link=link_in_language(link_for(token), lang, current_app.config["BABEL_DEFAULT_LOCALE"]),
               minutes=minutes, email=user.email)
    audit.record(session, None, "user.password_reset_requested", user)
    return True


def invite_staff(session: Session, actor: User, user: User, *, link_for: Callable[[str], str], lang: str | None,
                 days: int) -> None:
    """E-mail a new (or not yet started) staff member a link to choose a password, in their language (else
    ``lang``, else the installation's); the caller commits."""
    from hearing.labels import ROLES
    from hearing.mail import link_in_language, queue_mail, recipient_language

    token = issue_user_token(session, user, TokenPurpose.STAFF_INVITATION, lifetime=timedelta(days=days))
    lang = recipient_language(user.lang or lang)
    with force_locale(lang):
        role = str(ROLES.get(user.role, user.role))
    link = link_in_language(link_for(token), lang, current_app.config["BABEL_DEFAULT_LOCALE"])
    queue_mail(session, to=user.email, template="staff_invitation", lang=lang, link=link, days=days,
               email=user.email, role=role, inviter=actor.name if actor else "")
    audit.record(session, actor, "user.invite", user)


def find_user_token(session: Session, token: str) -> UserToken | None:
    """The unused, unexpired token row for a link, or None."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(sa.select(UserToken).where(UserToken.token_hash == _token_hash(token)))
    if row is None or row.used_dt is not None or row.expires_dt <= utcnow() or not row.user.is_active_user:
        return None
    return row


def set_password_with_token(session: Session, row: UserToken, password: str) -> User:
    """Use a one-time link: check the policy, set the password, void the link and every other one, end
    other sessions; flushes, and the caller commits."""
    user = row.user
    check_new_password(password, user)
    now = utcnow()
    claimed = session.execute(
        sa.update(UserToken).where(UserToken.id == row.id, UserToken.used_dt.is_(None)).values(used_dt=now)
    ).rowcount
    if claimed != 1:  # used in another tab a moment ago (the caller rolls back)
        raise LoginError(_l("Lenken er allerede brukt. Be om en ny lenke."))
    session.execute(sa.update(UserToken).where(UserToken.user_id == user.id, UserToken.used_dt.is_(None)).values(used_dt=now))
    user.set_password(password)
    user.must_change_password = False
    user.failed_logins = 0
    user.locked_until_dt = None
    user.last_login_dt = now
    audit.record(session, user, "user.set_password_by_link", user, purpose=row.purpose)
    session.flush()
    return user
