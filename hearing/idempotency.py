"""Once-only form posts: each rendered form carries a key, and a second POST with it creates nothing."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask import redirect
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import HiddenField

from hearing.extensions import db
from hearing.models import RequestKey


def new_key() -> str:
    return secrets.token_urlsafe(24)


class FormKeyMixin:
    """Adds the hidden one-time key to a FlaskForm."""

    form_key = HiddenField(default=new_key)


def _previous(key: str) -> str | None:
    return db.session.scalar(sa.select(RequestKey.result_url).where(RequestKey.key == key))


def once(key: str | None, action: Callable[[], str]) -> Response:
    """Run ``action`` (which changes data and returns the URL to go to) once per key, then commit.

    A repeated key redirects to the first result instead, also when two requests race.
    """
    if key and (url := _previous(key)):
        return redirect(url)
    url = action()
    if key:
        db.session.add(RequestKey(key=key[:64], result_url=url))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if key and (url := _previous(key)):
            return redirect(url)
        raise
    return redirect(url)
