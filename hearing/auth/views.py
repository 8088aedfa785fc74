from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from hearing.auth import forms, public, role_required, services
from hearing.extensions import db, limiter

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only local paths: an open redirect to another site is refused."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def home_for(user) -> str:
    if user.role == "admin":
        return url_for("admin.index")
    return url_for("public.staff_home")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    form = forms.LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(db.session, form.email.data, form.password.data)
        except services.LoginError as exc:
            form.form_errors.append(_(str(exc)))
        else:
            login_user(user)
            if user.must_change_password:
                flash(_("Du er logget inn med et midlertidig passord. Velg ditt eget passord før du går videre."), "info")
                return redirect(url_for("auth.change_password"))
            flash(_("Du er logget inn."), "success")
            return redirect(safe_next(form.next.data) or home_for(user))
    return render_template("auth/login.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@role_required("reviewer", "facilitator")  # every staff role (administrators pass every check)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def change_password():
    form = forms.ChangePasswordForm()
    user = current_user._get_current_object()
    form.policy_user = user
    if form.validate_on_submit():
        try:
            services.change_password(db.session, user, form.current.data, form.password.data)
        except services.LoginError as exc:
            form.form_errors.append(_(str(exc)))
        else:
            login_user(user)  # this session goes on with the new password; other sessions end
            flash(_("Passordet ditt er byttet. Andre økter er logget ut."), "success")
            return redirect(home_for(user))
    return render_template("auth/change_password.html", form=form, temporary=user.must_change_password)


@bp.post("/logout")
@public
def logout():
    if current_user.is_authenticated:
        # Ended on the server too: a copy of this session's cookie no longer logs anyone in.
        services.end_session(db.session, current_user._get_current_object())
    logout_user()
    flash(_("Du er logget ut."), "info")
    return redirect(url_for("public.index"))
