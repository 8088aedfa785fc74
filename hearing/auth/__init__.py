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


#: What a user with a temporary password may still open: the change itself, logout, static files.
_WHILE_TEMPORARY = {"auth.change_password", "auth.logout", "static", "public.accessibility"}


def init_app(app) -> None:
    @app.before_request
    def _anonymous_without_a_login():
        """A session that carries no login (a citizen's, holding only a form's CSRF secret) is anonymous as it
        stands. Left to Flask-Login, its strong session protection "clears" such a session on every page that
        asks for current_user: the session cookie is sent again and a remember cookie nobody has is deleted."""
        from flask import current_app, g, request, session

        remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        if "_user_id" not in session and remember not in request.cookies:
            g._login_user = login_manager.anonymous_user()

    @app.before_request
    def _temporary_password_first():
        """A password an administrator set must be replaced before anything else is done (ASVS 2.1.x / 2.3.1)."""
        from flask import redirect, request, session, url_for

        # Only sessions that carry a login are looked at (loading the user of an anonymous session would
        # trip Flask-Login's session protection and clear cookies for nothing).
        if ("_user_id" in session and request.endpoint and request.endpoint not in _WHILE_TEMPORARY
                and current_user.is_authenticated
                and getattr(current_user, "must_change_password", False)):
            return redirect(url_for("auth.change_password"))
        return None

    from hearing.auth import access

    app.before_request(access.check_request)  # roles per process, for every staff view and export

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logg inn for å se denne siden.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
