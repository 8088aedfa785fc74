"""Round trips of staff forms and POST buttons, shared by the areas' views.

One rule for who commits: services change and flush; the view ends the request's change through
:func:`save` (a form), :func:`save_once` (a form that must not act twice, :func:`hearing.idempotency.once`),
:func:`confirmed_action` (a button), :func:`apply` (a button with a form of its own), :func:`keep_and_refuse` (a refusal
that keeps what the service counted) or :func:`commit` (anything else a view stores). No view calls
``db.session.commit()`` itself. A :class:`~hearing.core.errors.DomainError` from the service is rolled back and
shown where the person sees it, with what they typed kept.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect
from werkzeug.wrappers import Response

from hearing.core.errors import DomainError
from hearing.extensions import db
from hearing.idempotency import once


def commit() -> None:
    """End the request's change (services only flush)."""
    db.session.commit()


def save(form, change: Callable[[], object], done_message: str | None = None) -> bool:
    """Apply ``change()`` (a service call) and commit, then flash ``done_message``: True. When the service
    refuses with a :class:`DomainError`, roll back and show it on ``form`` (:func:`refuse_form`): False.

    The view's round trip in one line::

        if form.validate_on_submit() and save(form, lambda: services.update(db.session, x, form.data), _("Lagret.")):
            return redirect(...)
        return render_template(..., form=form)
    """
    try:
        change()
        commit()
    except DomainError as exc:
        refuse_form(form, exc)
        return False
    if done_message:
        flash(done_message, "success")
    return True


def save_once(form, action: Callable[[], str], key: str | None = None) -> Response | None:
    """:func:`hearing.idempotency.once` with the form's one-time key (``form.form_key``, or ``key``): run
    ``action()`` (which changes data and returns the URL to go to) once, commit and redirect. When the
    service refuses with a :class:`DomainError`, roll back and show it on ``form``: None (render the form)."""
    try:
        return once(form.form_key.data if key is None else key, action)
    except DomainError as exc:
        refuse_form(form, exc)
        return None


def confirmed_action(action: Callable[[], object], done_message: str, next_url: str):
    """Run ``action()`` when the CSRF check passes, commit, report the outcome and go back.

    A broken rule (:class:`DomainError`) is rolled back and shown as a message in Norwegian.
    """
    # Imported here: the admin package imports this module while it loads.
    from hearing.admin.forms import ConfirmForm

    if ConfirmForm().validate_on_submit():
        apply(action, done_message)
    return redirect(next_url)


def apply(action: Callable[[], object], done_message: str | None = None) -> bool:
    """Run ``action()`` (a service call, for a button whose form the view has checked) and commit, then
    flash ``done_message``: True. A broken rule (:class:`DomainError`) is rolled back and flashed: False."""
    try:
        action()
        commit()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return False
    if done_message:
        flash(done_message, "success")
    return True


def keep_and_refuse(form, exc: Exception) -> None:
    """A service refused, but what it flushed on the way must stay (a wrong password counts towards the
    lock-out): commit that, and show the refusal on ``form``. Not for changes that should be undone."""
    commit()
    form.form_errors.append(str(exc))


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
