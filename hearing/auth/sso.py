"""Single sign-on for staff with OpenID Connect (Microsoft Entra ID, or any provider by configuration).

Configured by ``OIDC_METADATA_URL``, ``OIDC_CLIENT_ID`` and ``OIDC_CLIENT_SECRET`` (see hearing/config.py);
without them the login page offers passwords only. Authlib runs the authorization code flow (state and
nonce checked, the ID token's signature checked against the provider's keys).

A person is matched by the provider's subject once linked, else by e-mail (``email``, or Entra ID's
``preferred_username``/``upn``), and created when new. The role comes from the groups claim through
``OIDC_ROLE_MAP``; someone in no mapped group is refused. Local passwords keep working beside it.

Group overage (Entra ID): a person in more groups than a token carries (200) gets a token without the
groups and a pointer instead (``_claim_names``/``_claim_sources``, or ``hasgroups``). With
``OIDC_GROUPS_OVERAGE_URL`` the groups are fetched from there with the person's access token (Microsoft
Graph, paged); without it the person is refused with a message that says why and what to set.

Signing out (``OIDC_PROVIDER_LOGOUT``): someone who signed in through the provider is also signed out there
(OpenID Connect RP-initiated logout, the provider's ``end_session_endpoint``), and comes back to
``/logget-ut``; otherwise the next "Logg inn med Microsoft" would let them straight in again.
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
                                                   "OIDC_TIMEOUT", "OIDC_SCOPE"))
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
            client_kwargs={"scope": app.config.get("OIDC_SCOPE") or "openid email profile",
                           # Authlib's requests session takes its timeout as default_timeout (a "timeout" here was
                           # kept as client metadata and never used: a provider that accepted the connection and
                           # never answered held the sign-in request for ever).
                           "default_timeout": float(app.config.get("OIDC_TIMEOUT") or 10)},
        )
        app.extensions[_EXTENSION] = (key, oauth)
    return oauth.provider


def provider_host() -> str:
    return urlsplit(current_app.config.get("OIDC_METADATA_URL") or "").netloc or "?"


# --- group overage (Entra ID) --------------------------------------------------------------------

#: Pages of groups read at most (Microsoft Graph gives 100 a page; 50 pages is 5 000 groups).
MAX_GROUP_PAGES = 50


def has_group_overage(claims: dict, groups_claim: str = "groups") -> bool:
    """The token says the person's groups were too many to carry: Entra ID's ``_claim_names`` names the groups
    claim (its ``_claim_sources`` points at the old Azure AD Graph), or ``hasgroups`` is true."""
    if groups_claim in claims and claims[groups_claim]:
        return False
    names = claims.get("_claim_names")
    return (isinstance(names, dict) and groups_claim in names) or claims.get("hasgroups") in (True, "true")


def _group_ids(answer: Any) -> list[str]:
    """Group ids from a Microsoft Graph answer: objects with ``id`` (``transitiveMemberOf``) or bare ids
    (``getMemberObjects``), under ``value``."""
    values = answer.get("value") if isinstance(answer, dict) else None
    if not isinstance(values, list):
        raise ValueError("no list of groups under 'value'")
    out = []
    for item in values:
        group = item.get("id") if isinstance(item, dict) else item
        if isinstance(group, str) and group:
            out.append(group)
    return out


def fetch_overage_groups(client_, token: dict, url: str, *, max_pages: int = MAX_GROUP_PAGES) -> list[str]:
    """Every group of the signed-in person from ``url`` (OIDC_GROUPS_OVERAGE_URL) with their access token.

    A ``…/getMemberObjects`` or ``…/getMemberGroups`` address is called with POST as Microsoft Graph wants;
    any other with GET, following ``@odata.nextLink``. Raises SsoError with a reason for the person.
    """
    host = urlsplit(url).netloc or "?"
    groups: list[str] = []
    post = url.rstrip("/").rsplit("/", 1)[-1] in ("getMemberObjects", "getMemberGroups")
    for _page in range(max_pages):
        try:
            if post:
                response = client_.post(url, json={"securityEnabledOnly": False}, token=token)
            else:
                response = client_.get(url, token=token)
        except Exception as exc:  # noqa: BLE001  (the network or the provider failed: say so)
            raise SsoError(_l("Vi fikk ikke hentet gruppene dine fra %(host)s, så vi kan ikke se hvilken tilgang du skal "
                              "ha. Prøv igjen om litt, eller logg inn med passord.", host=host)) from exc
        if response.status_code in (401, 403):
            raise SsoError(_l("%(host)s ga oss ikke lov til å lese gruppene dine (svar %(status)s). En administrator må "
                              "gi appen tillatelsen GroupMember.Read.All og ta den med i HEARING_OIDC_SCOPE.",
                              host=host, status=response.status_code))
        try:
            response.raise_for_status()
            answer = response.json()
            groups += _group_ids(answer)
        except Exception as exc:  # noqa: BLE001  (an error page or an answer of another shape)
            raise SsoError(_l("Vi fikk et svar vi ikke forstår da vi hentet gruppene dine fra %(host)s (%(error)s). "
                              "Kontakt en administrator.", host=host,
                              error=getattr(response, "status_code", "") or type(exc).__name__)) from exc
        url = answer.get("@odata.nextLink") if isinstance(answer, dict) else None
        if post or not url:
            return groups
    raise SsoError(_l("Du er med i flere grupper enn vi kan lese (over %(n)d sider). Kontakt en administrator.",
                      n=max_pages))


def overage_refusal() -> SsoError:
    return SsoError(_l("Du er med i så mange grupper at innloggingstjenesten ikke sendte dem med innloggingen, og "
                       "plattformen er ikke satt opp til å hente dem. Derfor kan vi ikke se hvilken tilgang du skal ha. "
                       "Be en administrator sette HEARING_OIDC_GROUPS_OVERAGE_URL, eller bruke approller "
                       "(HEARING_OIDC_GROUPS_CLAIM=roles). Du kan også logge inn med passord."))


# --- signing out at the provider -----------------------------------------------------------------


#: Longest ID token kept in the session cookie for the provider's logout (a browser keeps 4 KB per cookie;
#: a longer token, say one with many groups, is left out and the provider asks which account to sign out).
MAX_ID_TOKEN_KEPT = 2000


def end_session_url(*, post_logout_redirect_uri: str, state: str, id_token: str | None = None,
                    login_hint: str | None = None, ui_locales: str | None = None) -> str | None:
    """Where to send the browser to sign out at the provider (RP-initiated logout 1.0), or None when the
    provider offers no ``end_session_endpoint``. Raises when the provider's metadata cannot be read."""
    from urllib.parse import urlencode

    metadata = client().load_server_metadata()
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    params = {"client_id": current_app.config["OIDC_CLIENT_ID"], "post_logout_redirect_uri": post_logout_redirect_uri,
              "state": state}
    if id_token:
        params["id_token_hint"] = id_token
    if login_hint:
        params["logout_hint"] = login_hint  # Entra ID: skips the account picker
    if ui_locales:
        params["ui_locales"] = ui_locales
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


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
