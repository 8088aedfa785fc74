"""Single sign-on for staff with OpenID Connect (Microsoft Entra ID, or any provider by configuration).

Configured by ``OIDC_METADATA_URL``, ``OIDC_CLIENT_ID`` and ``OIDC_CLIENT_SECRET`` (see hearing/config.py);
without them the login page offers passwords only. Authlib runs the authorization code flow (state and
nonce checked, the ID token's signature checked against the provider's keys).

A person is matched by the provider's subject once linked, else by e-mail (``email``, or Entra ID's
``preferred_username``/``upn``), and created when new. The role comes from the groups claim through
``OIDC_ROLE_MAP``; someone in no mapped group is refused. Local passwords keep working beside it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit
from hearing.models import Role, User, utcnow

#: Stronger roles win when a person is in several mapped groups.
ROLE_ORDER = (Role.ADMIN, Role.REVIEWER, Role.FACILITATOR)

_EXTENSION = "hearing_oidc"


class SsoError(Exception):
    """Sign-on failed for a reason shown to the person (a lazy bokmål message)."""


def enabled(app=None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_METADATA_URL") and config.get("OIDC_CLIENT_ID"))


def client():
    """The Authlib client for the configured provider (registered once per app and setting: a
    changed provider setting gets a fresh client, not the old provider's cached metadata)."""
    app = current_app._get_current_object()
    key = tuple(app.config.get(name) for name in ("OIDC_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET",
                                                   "OIDC_TIMEOUT"))
    held = app.extensions.get(_EXTENSION)
    oauth = held[1] if held is not None and held[0] == key else None
    if oauth is None:
        from authlib.integrations.flask_client import OAuth

        oauth = OAuth(app)
        oauth.register(
            "provider",
            server_metadata_url=app.config["OIDC_METADATA_URL"],
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config.get("OIDC_CLIENT_SECRET"),
            client_kwargs={"scope": "openid email profile", "timeout": float(app.config.get("OIDC_TIMEOUT") or 10)},
        )
        app.extensions[_EXTENSION] = (key, oauth)
    return oauth.provider


def provider_host() -> str:
    return urlsplit(current_app.config.get("OIDC_METADATA_URL") or "").netloc or "?"


def role_from_groups(groups: Any, role_map: dict) -> str | None:
    """The strongest role any of ``groups`` maps to, or None."""
    if isinstance(groups, str):
        groups = [groups]
    roles = {role_map.get(str(g)) for g in groups or []}
    return next((r.value for r in ROLE_ORDER if r.value in roles), None)


def email_of(claims: dict) -> str | None:
    for name in ("email", "preferred_username", "upn"):
        value = claims.get(name)
        if isinstance(value, str) and "@" in value:
            return value.strip().lower()
    return None


def sign_in(session: Session, claims: dict, *, role_map: dict, groups_claim: str = "groups") -> User:
    """The staff user for verified ID-token ``claims``: matched, linked or created, role from the groups.

    Raises SsoError with a reason for the person. Flushes; the caller commits.
    """
    issuer, subject = str(claims.get("iss") or ""), str(claims.get("sub") or "")
    if not subject:
        raise SsoError(_l("Innloggingstjenesten sendte ikke hvem du er. Prøv igjen, eller logg inn med passord."))
    sso_subject = f"{issuer}|{subject}"[:300]
    email = email_of(claims)
    role = role_from_groups(claims.get(groups_claim), role_map or {})
    user = session.scalar(sa.select(User).where(User.sso_subject == sso_subject))
    if user is None and email:
        user = session.scalar(sa.select(User).where(User.email == email))
        if user is not None and user.sso_subject and user.sso_subject != sso_subject:
            raise SsoError(_l("Brukeren %(email)s er koblet til en annen konto hos innloggingstjenesten. Kontakt en "
                              "administrator.", email=email))
    if role is None:
        raise SsoError(_l("Du er logget inn hos innloggingstjenesten, men er ikke med i en gruppe som gir tilgang til "
                          "medvirkningsplattformen. Be en administrator om tilgang."))
    if user is None:
        if not email:
            raise SsoError(_l("Innloggingstjenesten sendte ingen e-postadresse, så vi kan ikke lage en bruker til deg. "
                              "Kontakt en administrator."))
        import secrets

        name = str(claims.get("name") or email.split("@")[0])[:200]
        user = User(email=email, name=name, role=role, session_version=1)
        user.set_password(secrets.token_urlsafe(32))  # nobody knows it: this person signs in through the provider
        user.must_change_password = False
        session.add(user)
        session.flush()
        audit.record(session, None, "user.create_sso", user, email=email, role=role)
    if not user.is_active_user:
        raise SsoError(_l("Kontoen er deaktivert. Kontakt en administrator."))
    if user.sso_subject != sso_subject:
        user.sso_subject = sso_subject
        audit.record(session, user, "user.link_sso", user, issuer=issuer)
    if user.role != role:
        audit.record(session, None, "user.role_from_sso", user, changed={"role": [user.role, role]})
        user.role = role
    user.last_login_dt = utcnow()
    user.failed_logins = 0
    audit.record(session, user, "user.login_sso", user)
    session.flush()
    return user
