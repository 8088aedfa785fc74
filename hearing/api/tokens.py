"""Personal API tokens: made and revoked by administrators, checked on every API request.

A token is ``hrg_`` followed by 43 URL-safe characters (256 bits). Only its SHA-256 is stored; the
token itself is shown once. A request acts as the token's staff member: the scopes say what the
token may be used for, and the member's role still limits it (a facilitator's token cannot confirm
placements, only an administrator's token can carry "originals"). Plain functions; the caller commits.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.core.errors import ServiceError
from hearing.models import ApiScope, ApiToken, Role, User, utcnow

PREFIX = "hrg_"
#: Longest life a token may be given.
MAX_LIFETIME = timedelta(days=366)
#: How often ``last_used_dt`` is written (not on every request).
TOUCH_EVERY = timedelta(minutes=1)

#: Role a staff member must have for a token with the scope (administrators have every role).
SCOPE_ROLES: dict[str, tuple[str, ...]] = {
    ApiScope.READ: (Role.REVIEWER, Role.FACILITATOR),
    ApiScope.ORIGINALS: (Role.ADMIN,),
    ApiScope.IMPORT: (Role.REVIEWER,),
    ApiScope.PLACEMENTS: (Role.REVIEWER,),
}

SCOPE_LABELS = {
    ApiScope.READ: _l("Lese (maskerte tekster)"),
    ApiScope.ORIGINALS: _l("Lese originaltekster og navn (bare administratorer)"),
    ApiScope.IMPORT: _l("Importere svar"),
    ApiScope.PLACEMENTS: _l("Bekrefte plasseringer i temaer"),
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def scope_allowed(user: User, scope: str) -> bool:
    """May ``user`` (by role) hold a token with ``scope``?"""
    roles = SCOPE_ROLES.get(scope)
    return roles is not None and user.has_role(*roles)


def create_token(session: Session, actor: User | None, user: User, *, name: str, scopes: list[str],
                 expires_dt: datetime, token: str, now: datetime | None = None) -> ApiToken:
    """Store a token for ``user`` (the hash of ``token``, made by the caller) and audit it."""
    now = now or utcnow()
    name = (name or "").strip()
    if not name:
        raise ServiceError(_l("Skriv hva nøkkelen skal brukes til."))
    scopes = sorted({str(s) for s in scopes})
    if not scopes:
        raise ServiceError(_l("Velg minst én tilgang."))
    unknown = [s for s in scopes if s not in {str(v) for v in ApiScope}]
    if unknown:
        raise ServiceError(_l("Ukjent tilgang: %(scopes)s.", scopes=", ".join(unknown)))
    refused = [s for s in scopes if not scope_allowed(user, s)]
    if refused:
        raise ServiceError(_l("%(name)s har ikke en rolle som gir tilgangen «%(scope)s».", name=user.name,
                              scope=SCOPE_LABELS[ApiScope(refused[0])]))
    if not user.is_active_user:
        raise ServiceError(_l("Brukeren er deaktivert."))
    if expires_dt <= now:
        raise ServiceError(_l("Utløpsdatoen må være etter i dag."))
    if expires_dt > now + MAX_LIFETIME:
        raise ServiceError(_l("En nøkkel kan gjelde i høyst ett år."))
    row = ApiToken(user_id=user.id, name=name[:200], token_hash=token_hash(token), prefix=token[:12],
                   scopes=scopes, created_by_id=getattr(actor, "id", None), created_dt=now, expires_dt=expires_dt)
    session.add(row)
    session.flush()
    audit.record(session, actor, "api_token.create", row, user_id=user.id, name=row.name, scopes=scopes,
                 expires=expires_dt.isoformat())
    return row


def revoke_token(session: Session, actor: User | None, row: ApiToken) -> ApiToken:
    if row.revoked_dt is None:
        row.revoked_dt = utcnow()
        audit.record(session, actor, "api_token.revoke", row, user_id=row.user_id, name=row.name)
    return row


def find(session: Session, token: str) -> ApiToken | None:
    """The stored token for a presented one (valid or not), or None."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    return session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == token_hash(token)))


def due_for_touch(row: ApiToken, now: datetime) -> bool:
    """Should this use be noted in ``last_used_dt``? (At most once every TOUCH_EVERY.)"""
    return row.last_used_dt is None or now - row.last_used_dt >= TOUCH_EVERY


def tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(sa.select(ApiToken).order_by(ApiToken.revoked_dt.is_not(None), ApiToken.created_dt.desc())))
