"""Security headers on every response."""

from __future__ import annotations

from flask import request

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


def init_app(app) -> None:
    from hearing.privacy import mask_filename, mask_submission_fields

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
