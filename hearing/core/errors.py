"""Errors a person can act on: services raise them, one helper (:mod:`hearing.actions`) shows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A rule was broken: the message says, in the reader's language, what the person must change.

    Services raise it (or a subclass: ``ServiceError``, ``ResponseError``, ``ThemeServiceError``, …)
    before anything is committed; a view shows it on the form, which keeps what was typed
    (:func:`hearing.actions.refuse_form`), or as a message (:func:`hearing.actions.confirmed_action`).

    ``errors`` maps form field names to messages, for errors that belong by a field; the message of the
    whole error (``str(exc)``) is the first argument, or the field messages joined. Messages are lazy
    (``_l``), so they are rendered in the language of whoever reads them.

    >>> str(DomainError(errors={"title": "Skriv en tittel.", "closes_dt": "Fristen er passert."}))
    'Skriv en tittel.; Fristen er passert.'
    """

    def __init__(self, *args: Any, errors: Mapping[str, Any] | None = None):
        self.errors: dict[str, Any] = dict(errors or {})
        if not args and self.errors:
            args = ("; ".join(str(message) for message in self.errors.values()),)
        super().__init__(*args)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ServiceError(DomainError, ValueError):
    """A rule was broken; the message (lazy, in the reader's language) is shown to the user.

    The common error of the areas' services (was ``hearing.admin.services.ServiceError``)."""
