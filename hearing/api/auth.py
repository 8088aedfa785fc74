"""Who calls the API: the personal token in ``Authorization: Bearer``, checked by :func:`token_required`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import g, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from sqlalchemy.orm.attributes import set_committed_value

from hearing.api import tokens
from hearing.api.problems import Problem
from hearing.extensions import db
from hearing.models import ApiToken, User, utcnow

#: Name of the security scheme in the OpenAPI document.
SCHEME = "bearerAuth"

_PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def presented_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def rate_limit_key() -> str:
    """Requests are counted per token (a hash of it), or per address without one."""
    token = presented_token()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    return "api-addr:" + (get_remote_address() or "")


def current_token() -> ApiToken:
    token = presented_token()
    if token is None:
        raise Problem("unauthorized")
    row = tokens.find(db.session, token)
    now = utcnow()
    if row is None:
        raise Problem("unauthorized", "API-nøkkelen er ukjent.", "The API token is unknown.")
    if row.revoked_dt is not None:
        raise Problem("unauthorized", "API-nøkkelen er trukket tilbake.", "The API token has been revoked.")
    if now >= row.expires_dt:
        raise Problem("unauthorized", "API-nøkkelen er utløpt. Be en administrator om en ny.",
                      "The API token has expired. Ask an administrator for a new one.")
    if not row.user.is_active_user:
        raise Problem("unauthorized", "Brukeren som eier nøkkelen, er deaktivert.",
                      "The user who owns the token is deactivated.")
    if tokens.due_for_touch(row, now):
        # on a connection of its own (a read-only request commits nothing, a failed write rolls back its
        # own work); the loaded row takes the value without becoming a change of the request's session
        with db.engine.begin() as conn:
            conn.execute(sa.update(ApiToken).where(ApiToken.id == row.id).values(last_used_dt=now))
        set_committed_value(row, "last_used_dt", now)
    return row


def has_scope(scope: str) -> bool:
    token: ApiToken | None = g.get("api_token")
    return token is not None and scope in (token.scopes or []) and tokens.scope_allowed(token.user, scope)


def token_required(*scopes: str) -> Callable:
    """Allow only requests with a valid token that carries every scope in ``scopes`` (and whose owner's
    role still allows them); puts the token in ``g.api_token`` and its owner in ``g.api_user``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            row = current_token()
            for scope in scopes:
                if scope not in (row.scopes or []):
                    raise Problem("forbidden", f"Nøkkelen mangler tilgangen «{scope}».",
                                  f"The token lacks the scope '{scope}'.")
                if not tokens.scope_allowed(row.user, scope):
                    raise Problem("forbidden", f"Eieren av nøkkelen har ikke lenger en rolle som gir «{scope}».",
                                  f"The token's owner no longer has a role that allows '{scope}'.")
            g.api_token = row
            g.api_user = row.user
            from flask import request

            from hearing.auth import access
            from hearing.extensions import db

            if access.names_process_being_restored(db.session, request.endpoint or "", request.view_args):
                raise Problem("not-found")
            if not access.check(db.session, row.user, request.endpoint or "", request.view_args):
                raise Problem("forbidden", "Eieren av nøkkelen har ikke tilgang til denne prosessen.",
                              "The token's owner has no access to this process.")
            return view(*args, **kwargs)

        wrapped.required_scopes = scopes  # read by the route-walking tests
        responses = {
            "401": {"description": "Mangler gyldig API-nøkkel / A valid API token is required", "content": _PROBLEM_CONTENT},
            "403": {"description": "Nøkkelen mangler tilgang / The token lacks a scope", "content": _PROBLEM_CONTENT},
            "429": {"description": "For mange forespørsler / Too many requests", "content": _PROBLEM_CONTENT},
        }
        return Blueprint.doc(security=[{SCHEME: list(scopes)}], responses=responses)(wrapped)

    return decorator


#: Documents the 404 problem of a route with an id in its path.
not_found = Blueprint.doc(responses={
    "404": {"description": "Finnes ikke / Not found", "content": _PROBLEM_CONTENT},
})


def api_user() -> User:
    return g.api_user
