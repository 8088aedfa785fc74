"""Full links that leave the page (receipts, e-mails, invitation and password links, PDFs).

They are built from the configured ``BASE_URL``, never from the request's Host header, which anyone can
set: a password reset or receipt link must not point at someone else's server. Without ``BASE_URL``
(development) a request's own address is used, and ``http://localhost:5000`` outside a request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for

#: Used outside a request when BASE_URL is not set (development).
DEVELOPMENT_URL = "http://localhost:5000"


def external_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as a full link on the configured site address."""
    base = current_app.config.get("BASE_URL") or ""
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or DEVELOPMENT_URL):
        return url_for(endpoint, _external=True, **values)


def init_app(app) -> None:
    app.jinja_env.globals["external_url"] = external_url
    if not app.config.get("BASE_URL") and not (app.debug or app.testing):
        app.logger.warning("BASE_URL is not set: full links (receipts, e-mails) follow the request's Host header; "
                           "set HEARING_BASE_URL to the site's address")
