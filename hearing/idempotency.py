"""Once-only form posts: each rendered form carries a key, and a second POST with it creates nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, redirect
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import HiddenField

from hearing.extensions import db
from hearing.models import RequestKey, utcnow

#: How long the page that shows a secret made by a form (a link, a password) can be opened again.
SECRET_SHOWN_FOR = timedelta(hours=1)


def new_key() -> str:
    return secrets.token_urlsafe(24)


class FormKeyMixin:
    """Adds the hidden one-time key to a FlaskForm. Rendered without an ``id``: a page with two such forms
    would have two elements with the id ``form_key`` (WCAG 2.1 4.1.1)."""

    form_key = HiddenField(default=new_key, render_kw={"id": False})


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


# --- secrets a form makes once ----------------------------------------------------------------


def secret_for(key: str, purpose: str) -> bytes:
    """256 bits derived from a form's one-time key with the app secret.

    An invitation token or temporary password made from it is the same for a replayed or
    double-clicked POST, so the page that shows it can show it again, although only its hash is stored.
    """
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"{purpose}:{key}".encode(), hashlib.sha256).digest()


def url_token(seed: bytes) -> str:
    return base64.urlsafe_b64encode(seed).rstrip(b"=").decode()


def secret_page(key: str, make: Callable[[str], str], matches: Callable[[str], bool], *, title: str, label: str,
                back: str, back_label: str, process=None, shown: Callable[[str], str] = str) -> tuple[str, int]:
    """The page that shows a secret a form just made (an invitation link, an API token) again, on a reload or
    double click, for :data:`SECRET_SHOWN_FOR`: ``make(key)`` makes it again from the form's key, and it is shown
    (``shown(secret)``, 200) only while ``matches(secret)`` (its hash is the stored one, not revoked); else 410."""
    from flask import render_template

    secret = make(key) if key_is_recent(key) else None
    valid = secret is not None and matches(secret)
    return render_template("admin/secret.html", title=title, label=label, secret=shown(secret) if valid else None,
                           process=process, back=back, back_label=back_label), 200 if valid else 410


def key_is_recent(key: str | None) -> bool:
    """The form with this key was sent, less than SECRET_SHOWN_FOR ago."""
    if not key or len(key) > 64:
        return False
    created = db.session.scalar(sa.select(RequestKey.created_dt).where(RequestKey.key == key))
    return created is not None and created >= utcnow() - SECRET_SHOWN_FOR
