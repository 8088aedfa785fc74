"""Round trips of staff forms and POST buttons, shared by the areas' views."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect

from hearing.extensions import db


def confirmed_action(action: Callable[[], object], done_message: str, next_url: str):
    """Run ``action()`` when the CSRF check passes, commit, report the outcome and go back.

    A broken rule (:class:`ServiceError`) is rolled back and shown as a message in Norwegian.
    """
    # Imported here: the admin package imports this module while it loads.
    from hearing.admin.forms import ConfirmForm
    from hearing.admin.services import ServiceError

    if ConfirmForm().validate_on_submit():
        try:
            action()
            db.session.commit()
            if done_message:
                flash(done_message, "success")
        except ServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    return redirect(next_url)


def refuse_form(form, exc: Exception) -> None:
    """A service refused the change: roll it back and show its message on the form, which keeps what was typed."""
    db.session.rollback()
    form.form_errors.append(str(exc))
