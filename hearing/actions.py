"""Round trips of staff forms and POST buttons, shared by the areas' views.

One rule for who commits: services change and flush; the view ends the request's change through
:func:`save` (a form), :func:`confirmed_action` (a button) or :func:`hearing.idempotency.once` (a form
that must not act twice). A :class:`~hearing.errors.DomainError` from the service is rolled back and
shown where the person sees it, with what they typed kept.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect

from hearing.errors import DomainError
from hearing.extensions import db


def commit() -> None:
    """End the request's change (services only flush)."""
    db.session.commit()


def save(form, change: Callable[[], object]) -> bool:
    """Apply ``change()`` (a service call) and commit: True. When the service refuses with a
    :class:`DomainError`, roll back and show it on ``form`` (:func:`refuse_form`): False."""
    try:
        change()
        commit()
    except DomainError as exc:
        refuse_form(form, exc)
        return False
    return True


def confirmed_action(action: Callable[[], object], done_message: str, next_url: str):
    """Run ``action()`` when the CSRF check passes, commit, report the outcome and go back.

    A broken rule (:class:`DomainError`) is rolled back and shown as a message in Norwegian.
    """
    # Imported here: the admin package imports this module while it loads.
    from hearing.admin.forms import ConfirmForm

    if ConfirmForm().validate_on_submit():
        try:
            action()
            commit()
            if done_message:
                flash(done_message, "success")
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    return redirect(next_url)


def refuse_form(form, exc: Exception) -> None:
    """A service refused the change: roll it back and show its message on the form, which keeps what was typed.

    The messages of a :class:`DomainError`'s ``errors`` go by their fields (the form's error summary
    lists them too); one for a field the form does not have, or a plain message, goes on top."""
    db.session.rollback()
    by_field = getattr(exc, "errors", None) or {}
    for name, message in by_field.items():
        field = form._fields.get(name) if name else None
        if field is not None:
            field.errors = [*field.errors, str(message)]
        else:
            form.form_errors.append(str(message))
    if not by_field:
        form.form_errors.append(str(exc))
