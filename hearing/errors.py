"""Error pages in the site's look."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: ("Ugyldig forespørsel", "Forespørselen kunne ikke behandles."),
    403: ("Ingen tilgang", "Du har ikke tilgang til denne siden."),
    404: ("Fant ikke siden", "Siden finnes ikke, eller den er flyttet."),
    405: ("Ikke tillatt", "Denne handlingen er ikke tillatt her."),
    413: ("For stor fil", "Det du sendte var for stort."),
    429: ("For mange forespørsler", "Du har sendt for mange forespørsler på kort tid. Vent litt og prøv igjen."),
    500: ("Noe gikk galt", "Det oppstod en feil hos oss. Prøv igjen om litt."),
}


def render_error(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=_(title), text=detail or _(text)), code


def init_app(app) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return render_error(400, _("Skjemaet var utløpt eller ugyldig. Last siden på nytt og prøv igjen."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        return render_error(exc.code or 500)

    @app.errorhandler(500)
    def _server(exc):
        return render_error(500)
