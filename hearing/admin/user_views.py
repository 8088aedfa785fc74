"""Staff accounts: the list, a new user (with an invitation to choose a password), edits, process access and password resets."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing import audit
from hearing.actions import save_once
from hearing.admin import bp, forms, services
from hearing.admin.views import _form_key, _save
from hearing.auth import access, role_required
from hearing.content import content
from hearing.extensions import db
from hearing.forms import choices
from hearing.idempotency import new_key, once
from hearing.links import external_url
from hearing.models import Process, User


@bp.get("/users")
@role_required("admin")
def users():
    from hearing.models import ProcessAccess

    rows = db.session.scalars(sa.select(User).order_by(User.name)).all()
    counts = dict(db.session.execute(sa.select(ProcessAccess.user_id, sa.func.count()).group_by(ProcessAccess.user_id)).all())
    return render_template("admin/users.html", users=rows, access_counts=counts)


def _staff_link(token: str) -> str:
    return external_url("auth.set_password", token=token)


def _send_staff_link(user: User) -> None:
    """E-mail ``user`` a one-time link to choose a password: an invitation for someone who has never
    logged in, else a reset link (the old password works until the link is used)."""
    from hearing.auth import services as auth_services

    if user.last_login_dt is None:
        auth_services.invite_staff(db.session, current_user, user, link_for=_staff_link, lang=None,
                                   days=int(current_app.config["STAFF_INVITATION_DAYS"]))
    else:
        minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
        token = auth_services.issue_user_token(db.session, user, "password_reset", lifetime=timedelta(minutes=minutes))
        from hearing.mail import link_in_language, queue_mail, recipient_language

        # the user's language, not the administrator's page language
        lang = recipient_language(user.lang)
        queue_mail(db.session, to=user.email, template="password_reset", lang=lang,
                   link=link_in_language(_staff_link(token), lang, current_app.config["BABEL_DEFAULT_LOCALE"]),
                   minutes=minutes, email=user.email)
        audit.record(db.session, current_user, "user.reset_link_sent", user)


def _access_choices(form, user: User | None = None) -> None:
    """The process checkboxes of a user form, and on a first view the user's access."""
    form.process_ids.choices = choices((p.id, content(p, "name")) for p in db.session.scalars(sa.select(Process).order_by(Process.name)))
    if request.method == "GET" and user is not None:
        form.all_processes.data = "1" if user.all_processes else "0"
        form.process_ids.data = sorted(access.visible_process_ids(db.session, user) or [])


def _save_access(form, user: User) -> None:
    access.set_access(db.session, current_user, user, all_processes=form.all_processes.data != "0",
                      process_ids=form.process_ids.data or [])


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_new():
    form = forms.NewUserForm()
    _access_choices(form)
    if request.method == "GET":
        form.lang.data = current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        key, chosen = _form_key(form), form.password.data

        def create() -> str:
            # Without a chosen password the account gets one nobody knows, and the person chooses their own
            # through the invitation e-mail (no temporary password is shown or sent).
            user = services.create_user(db.session, current_user, {**form.data, "password": chosen or new_key() + new_key()})
            _save_access(form, user)
            if chosen:
                flash(_("Brukeren er opprettet."), "success")
            else:
                _send_staff_link(user)
                flash(_("Brukeren er opprettet. En invitasjon med lenke for å velge passord er sendt til %(email)s.",
                        email=user.email), "success")
            return url_for("admin.users")

        if done := save_once(form, create, key):
            return done
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = forms.UserForm(obj=user)
    form.email.render_kw = {"readonly": True}
    if request.method == "POST":
        form.email.data = user.email  # the login name does not change here
    elif not user.lang:
        form.lang.data = current_app.config["BABEL_DEFAULT_LOCALE"]
    _access_choices(form, user)

    def change() -> None:
        services.update_user(db.session, current_user, user, form.data)
        _save_access(form, user)

    done = _save(form, change, url_for("admin.users"))
    return done or render_template("admin/user_form.html", form=form, user=user, reset_form=forms.ResetPasswordForm())


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def user_password(user_id: int):
    user = db.get_or_404(User, user_id)
    form = forms.ResetPasswordForm()
    form.policy_user = user
    if form.validate_on_submit():
        key, chosen = _form_key(form), form.password.data

        def reset() -> str:
            if chosen:
                services.reset_password(db.session, current_user, user, chosen)
                flash(_("Passordet er endret. Brukeren er logget ut av andre økter."), "success")
            else:
                _send_staff_link(user)
                flash(_("En lenke for å lage et nytt passord er sendt til %(email)s.", email=user.email), "success")
            return url_for("admin.users")

        return once(key, reset)
    return render_template("admin/user_form.html", form=forms.UserForm(obj=user), user=user, reset_form=form), 422
