"""Error pages in the site's look (the errors a person can act on are :mod:`hearing.core.errors`)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

# Lazy, so the texts are extracted for translation and shown in the reader's language.
MESSAGES = {
    400: (_l("Ugyldig forespørsel"), _l("Forespørselen kunne ikke behandles.")),
    403: (_l("Ingen tilgang"), _l("Du har ikke tilgang til denne siden.")),
    404: (_l("Fant ikke siden"), _l("Siden finnes ikke, eller den er flyttet.")),
    405: (_l("Ikke tillatt"), _l("Denne handlingen er ikke tillatt her.")),
    413: (_l("For stor fil"), _l("Det du sendte var for stort: vedleggene kan være høyst 10 MB hver og 55 MB til sammen. "
                                 "Gå tilbake i nettleseren, ta bort den store filen og send igjen – teksten du skrev, "
                                 "er tatt vare på i nettleseren.")),
    429: (_l("For mange forespørsler"), _l("Du har sendt for mange forespørsler på kort tid. Vent litt og prøv igjen.")),
    500: (_l("Noe gikk galt"), _l("Det oppstod en feil hos oss. Prøv igjen om litt.")),
}


def render_error(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=str(title), text=detail or str(text)), code


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_error(400, _("Skjemaet var utløpt eller ugyldig. Last siden på nytt og prøv igjen."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if request.path.startswith("/api/"):  # the JSON API answers with problem details
            from hearing.api.problems import from_http_exception

            return from_http_exception(exc)
        return render_error(exc.code or 500)

    @app.errorhandler(500)
    def _server(exc):
        if request.path.startswith("/api/"):
            from werkzeug.exceptions import InternalServerError

            from hearing.api.problems import from_http_exception

            return from_http_exception(InternalServerError())
        return render_error(500)
