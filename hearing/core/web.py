"""Web helpers shared by every area's views."""

from __future__ import annotations

import hashlib
import io
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import abort, current_app, has_request_context, request, send_file, url_for
from werkzeug.wrappers import Response


def download(source: bytes | Path, *, mimetype: str, filename: str, public: bool = False,
             secret_link: bool = False) -> Response:
    """Every file the platform hands out, in one way: always as an attachment (never shown inline), never
    type-sniffed, and not kept in caches (``private, no-store``; ``no-cache`` for a ``public`` file such
    as a published report's). A file on disk that is gone gives 404. ``secret_link``: the page was
    reached by a secret link, which is sent on as a referrer to this site only."""
    if isinstance(source, Path):
        if not source.is_file():
            abort(404)
        # Streamed in pieces; the file is opened when the first piece is sent, closed after the last one.
        resp = Response(_chunks(source), mimetype=mimetype)
        resp.headers["Content-Length"] = str(source.stat().st_size)
        resp.headers.set("Content-Disposition", "attachment", **_filename_options(filename))
    else:
        resp = send_file(io.BytesIO(source), mimetype=mimetype, as_attachment=True, download_name=filename, max_age=0)
    if "charset=" in mimetype:  # Werkzeug adds its own charset to a text/* mimetype: say it once
        resp.headers["Content-Type"] = mimetype
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "no-cache" if public else "private, no-store"
    if secret_link:
        resp.headers["Referrer-Policy"] = "same-origin"  # the form's CSRF check over HTTPS needs a Referer
    return resp


def _chunks(path: Path):
    with path.open("rb") as f:
        while chunk := f.read(256 * 1024):
            yield chunk


def _filename_options(filename: str) -> dict[str, str]:
    """``filename`` (ASCII) and, for a name that is not ASCII, ``filename*`` (RFC 6266), as send_file writes them."""
    try:
        filename.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": "UTF-8''" + quote(filename, safe="!#$&+-.^_`|~")}
    return {"filename": filename}


#: (site root, file) -> a static file's address, as templates ask for it (every page asks for five).
_STATIC_URLS: dict[tuple[str, str], str] = {}


def _static_version(filename: str) -> str | None:
    """The first 10 hex digits of a static file's SHA-1: its address changes when it does."""
    try:
        data = (Path(current_app.static_folder) / filename).read_bytes()
    except OSError:
        return None  # Flask answers 404 for it, with or without a version
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()[:10]


def template_url_for(endpoint: str, **values) -> str:
    """``url_for`` in templates: a static file's address carries its version (``?v=``, so a browser may keep
    it, see ``STATIC_MAX_AGE_SECONDS``) and is built once per site root and file name; every other address as
    Flask builds it. In debug mode (files edited while the server runs) the version is read every time."""
    if endpoint != "static" or values.keys() != {"filename"} or not has_request_context():
        return url_for(endpoint, **values)
    key = (request.script_root, values["filename"])
    found = None if current_app.debug else _STATIC_URLS.get(key)
    if found is None:
        version = _static_version(values["filename"])
        found = url_for(endpoint, **values, **({"v": version} if version else {}))
        if current_app.debug:
            return found
        if len(_STATIC_URLS) >= 512:  # file names come from templates; site roots from the proxy: bounded anyway
            _STATIC_URLS.clear()
        _STATIC_URLS[key] = found
    return found


def init_app(app) -> None:
    app.jinja_env.globals["url_for"] = template_url_for

    def static_max_age(filename: str | None) -> int | None:
        # A versioned address (written above) names one content: kept for long. Without one: asked again.
        if has_request_context() and request.args.get("v") and app.config["STATIC_MAX_AGE_SECONDS"]:
            return int(app.config["STATIC_MAX_AGE_SECONDS"])
        return None

    app.get_send_file_max_age = static_max_age

    @app.after_request
    def _immutable(response):
        if request.endpoint == "static" and request.args.get("v") and response.cache_control.max_age:
            response.cache_control.immutable = True  # not even asked again when the page is reloaded
        return response
