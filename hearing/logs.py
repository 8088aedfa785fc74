"""Structured JSON logs, one line per request, with a request id that also goes back in a header."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

#: Path parts that are secrets (edit links, invitations, password and unit links) and query strings.
_SECRET_PATH = re.compile(r"/(svar|invitasjon|nytt-passord|enhet)/[^/\s?\"]+")
_QUERY = re.compile(r"\?[^\s\"]*")


def redact(text: str) -> str:
    """A request line or path without its secrets: ``/svar/<token>`` becomes ``/svar/…`` and the query
    string (``?key=…``, ``?token=…``) is cut."""
    return _QUERY.sub("?…", _SECRET_PATH.sub(r"/\1/…", text))


class RedactSecrets(logging.Filter):
    """For the development server's access log (logger ``werkzeug``): tokens never reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        record.msg, record.args = redact(message), ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app) -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSecrets) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactSecrets())
    if app.config.get("LOG_JSON"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    access = app.logger.getChild("access")

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_start = time.perf_counter()

    @app.after_request
    def _log(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        if app.config.get("LOG_JSON") and request.endpoint != "static":
            ms = (time.perf_counter() - g.get("request_start", time.perf_counter())) * 1000
            # Only the path, never the query string or form: they can carry personal data or secret tokens.
            path = redact(request.path)
            access.info("request", extra={"fields": {"request_id": request_id, "method": request.method, "path": path,
                                                     "status": response.status_code, "ms": round(ms, 1)}})
        return response
