"""Security headers on every response."""

from __future__ import annotations

from flask import request
from werkzeug.routing import IntegerConverter

# Scripts and styles only from our own origin: no inline script, no CDN. Designsystemet's CSS uses
# data: URLs for its icons.
CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: only ids a database column can hold (PostgreSQL ``integer``), so
    ``/delta/99999999999999999999999`` is a 404, not an OverflowError (500)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002  (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed)


#: Largest id in a URL (PostgreSQL's integer).
MAX_ID = 2**31 - 1


def init_app(app) -> None:
    # Before any blueprint adds its routes: the converter is chosen when a rule is added.
    app.url_map.converters["int"] = IdConverter
    from hearing import links
    from hearing.privacy import mask_filename, mask_submission_fields

    links.init_app(app)
    # Templates show typed fields only through the one masking rule (hearing.privacy.fields).
    app.jinja_env.globals["masked_fields"] = mask_submission_fields
    app.jinja_env.filters["mask_filename"] = mask_filename

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and not request.endpoint.startswith("static") and "Cache-Control" not in h:
            # Pages can carry personal data and secret links: never store them in shared caches.
            h["Cache-Control"] = "no-store"
        return response
