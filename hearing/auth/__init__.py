"""Staff login and role checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hearing.extensions import db, login_manager
from hearing.models import User


def role_required(*roles: str) -> Callable:
    """Allow only logged-in staff with one of the roles (administrators pass every check)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the route-walking test
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone (the route-walking test checks every view says who may call it)."""
    view.is_public = True
    return view


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    uid, _, version = user_id.partition(":")
    if not uid.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(uid))
    if user is None or user.session_version != int(version):
        return None  # password changed since this session began
    return user


def init_app(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logg inn for å se denne siden.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
