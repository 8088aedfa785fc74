"""Errors of the JSON API as RFC 9457 problem details (``application/problem+json``).

Every problem carries its text in bokmål and English: ``title``, ``detail`` and the field messages under
``errors`` in the language the client asked for (``Accept-Language``: ``en`` gives English, anything else
bokmål), and both languages under ``i18n``. The API is a contract with other systems, so its messages are written here in both
languages instead of going through the interface's translation catalogue.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, json, request
from werkzeug.exceptions import HTTPException

MIMETYPE = "application/problem+json"

#: Problem type -> (HTTP status, title in bokmål, title in English). Listed on the reference page.
TYPES: dict[str, tuple[int, str, str]] = {
    "invalid-request": (400, "Ugyldig forespørsel", "Invalid request"),
    "unauthorized": (401, "Mangler gyldig API-nøkkel", "A valid API token is required"),
    "forbidden": (403, "Ingen tilgang", "Forbidden"),
    "not-found": (404, "Finnes ikke", "Not found"),
    "method-not-allowed": (405, "Metoden er ikke tillatt", "Method not allowed"),
    "conflict": (409, "Konflikt", "Conflict"),
    "payload-too-large": (413, "For stor forespørsel", "Request too large"),
    "unsupported-media-type": (415, "Feil innholdstype", "Unsupported media type"),
    "validation-failed": (422, "Ugyldige data", "Invalid data"),
    "rate-limited": (429, "For mange forespørsler", "Too many requests"),
    "server-error": (500, "Noe gikk galt", "Internal server error"),
    "unavailable": (503, "Tjenesten er midlertidig utilgjengelig", "Service temporarily unavailable"),
}
_BY_STATUS = {status: slug for slug, (status, _nb, _en) in TYPES.items()}

#: Default details per problem type (bokmål, English).
DETAILS: dict[str, tuple[str, str]] = {
    "invalid-request": ("Forespørselen kunne ikke leses.", "The request could not be read."),
    "unauthorized": (
        "Send en gyldig personlig API-nøkkel i toppfeltet «Authorization: Bearer <nøkkel>». "
        "En administrator lager nøkler under Administrasjon → API-nøkler.",
        "Send a valid personal API token in the header 'Authorization: Bearer <token>'. "
        "An administrator makes tokens under Administration → API tokens.",
    ),
    "forbidden": ("Nøkkelen gir ikke tilgang til dette.", "The token does not give access to this."),
    "not-found": ("Det du ba om, finnes ikke.", "What you asked for does not exist."),
    "method-not-allowed": ("Denne metoden kan ikke brukes her.", "This method cannot be used here."),
    "conflict": ("Forespørselen krasjer med noe som er endret samtidig. Prøv igjen.",
                 "The request conflicts with a change made at the same time. Try again."),
    "payload-too-large": ("Forespørselen er for stor.", "The request is too large."),
    "unsupported-media-type": ("Send innholdet som application/json.", "Send the body as application/json."),
    "validation-failed": ("Noen verdier er ugyldige; se «errors». Ingenting er lagret.",
                          "Some values are invalid; see 'errors'. Nothing was stored."),
    "rate-limited": ("Nøkkelen har sendt for mange forespørsler på kort tid. Vent litt og prøv igjen.",
                     "The token has sent too many requests in a short time. Wait a little and try again."),
    "server-error": ("Det oppstod en feil hos oss. Ingenting er lagret. Prøv igjen om litt.",
                     "An error occurred on our side. Nothing was stored. Try again in a little while."),
    "unavailable": ("Databasen svarer ikke akkurat nå. Ingenting er lagret. Prøv igjen om litt.",
                    "The database does not answer right now. Nothing was stored. Try again in a little while."),
}


#: Field messages of invalid data (marshmallow's own and the API's) in bokmål. The English text is the key.
FIELD_MESSAGES_NB: dict[str, str] = {
    "Missing data for required field.": "Må fylles ut.",
    "Field may not be null.": "Kan ikke være null.",
    "Unknown field.": "Ukjent felt.",
    "Invalid input type.": "Ugyldig type.",
    "Invalid type.": "Ugyldig type.",
    "Invalid value.": "Ugyldig verdi.",
    "Not a valid integer.": "Ikke et gyldig heltall.",
    "Not a valid number.": "Ikke et gyldig tall.",
    "Number too large.": "Tallet er for stort.",
    "Special numeric values (nan or infinity) are not permitted.": "Spesielle tallverdier (nan, uendelig) er ikke tillatt.",
    "Not a valid string.": "Ikke en gyldig tekst.",
    "Not a valid utf-8 string.": "Ikke gyldig UTF-8-tekst.",
    "Not a valid boolean.": "Ikke en gyldig sannhetsverdi (true eller false).",
    "Not a valid list.": "Ikke en gyldig liste.",
    "Not a valid tuple.": "Ikke en gyldig liste.",
    "Not a valid mapping type.": "Ikke et gyldig objekt.",
    "Not a valid date.": "Ikke en gyldig dato (ÅÅÅÅ-MM-DD).",
    "Not a valid datetime.": "Ikke et gyldig tidspunkt (ISO 8601, for eksempel 2026-05-01T10:00:00+02:00).",
    "Not a valid aware datetime.": "Ikke et gyldig tidspunkt med tidssone (ISO 8601, for eksempel 2026-05-01T10:00:00+02:00).",
    "Not a valid naive datetime.": "Ikke et gyldig tidspunkt uten tidssone.",
    "Not a valid time.": "Ikke et gyldig klokkeslett.",
    "Not a valid UUID.": "Ikke en gyldig UUID.",
    "Not a valid email address.": "Ikke en gyldig e-postadresse.",
    "Not a valid URL.": "Ikke en gyldig URL.",
    # the API's own checks
    "Invalid cursor.": "Ugyldig cursor; bruk next_cursor fra forrige side.",
    "Not a theme of the current run.": "Ikke et tema i gjeldende gruppering.",
    "Not an activity of the process.": "Ikke en aktivitet i prosessen.",
    "Not a stakeholder group of the process.": "Ikke en respondentgruppe i prosessen.",
    "Not a prompt of the activity.": "Ikke et spørsmål i aktiviteten.",
    "Answered twice in one response.": "Besvart to ganger i samme svar.",
    "A rating must be a whole number from 1 to 5.": "En vurdering må være et helt tall fra 1 til 5.",
    "Give source_id for every response of the batch, or for none.": "Oppgi source_id for alle svarene i bunken, eller for ingen.",
    "Each source_id may be used once in a batch.": "Hver source_id kan bare brukes én gang i en bunke.",
    "Listed twice.": "Står to ganger.",
    "Not placed in the current run (or withdrawn).": "Ikke plassert i gjeldende gruppering (eller trukket tilbake).",
    "Not a theme of the current run (or merged into another).":
        "Ikke et tema i gjeldende gruppering (eller slått sammen med et annet).",
}
#: Field messages with values (marshmallow's validators), as patterns.
FIELD_PATTERNS_NB: list[tuple[re.Pattern, str]] = [(re.compile(p), nb) for p, nb in (
    (r"^Must be greater than or equal to (.+) and less than or equal to (.+)\.$", r"Må være fra og med \1 til og med \2."),
    (r"^Must be greater than (.+) and less than (.+)\.$", r"Må være større enn \1 og mindre enn \2."),
    (r"^Must be greater than or equal to (.+)\.$", r"Må være minst \1."),
    (r"^Must be less than or equal to (.+)\.$", r"Må være høyst \1."),
    (r"^Must be greater than (.+)\.$", r"Må være større enn \1."),
    (r"^Must be less than (.+)\.$", r"Må være mindre enn \1."),
    (r"^Length must be between (.+) and (.+)\.$", r"Lengden må være mellom \1 og \2."),
    (r"^Length must be (.+)\.$", r"Lengden må være \1."),
    (r"^Shorter than minimum length (.+)\.$", r"Kortere enn minste lengde, \1."),
    (r"^Longer than maximum length (.+)\.$", r"Lengre enn største lengde, \1."),
    (r"^Must be one of: (.+)\.$", r"Må være en av: \1."),
    (r"^(.+) cannot be formatted as a (.+)\.$", r"\1 kan ikke leses som \2."),
)]


def field_message_nb(message: str) -> str:
    """A field message in bokmål (an unknown one is kept as it is)."""
    if message in FIELD_MESSAGES_NB:
        return FIELD_MESSAGES_NB[message]
    for pattern, nb in FIELD_PATTERNS_NB:
        if pattern.match(message):
            return pattern.sub(nb, message)
    return message


def errors_nb(errors: Any) -> Any:
    """The field errors with every message in bokmål; the field names (keys) stay as they are."""
    if isinstance(errors, dict):
        return {key: errors_nb(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [errors_nb(value) for value in errors]
    return field_message_nb(errors) if isinstance(errors, str) else errors


class Problem(Exception):
    """An API error with its text in both languages; raised anywhere below a view, answered as problem+json."""

    def __init__(self, slug: str, detail_nb: str | None = None, detail_en: str | None = None, *,
                 status: int | None = None, errors: Any = None, headers: dict | None = None):
        super().__init__(detail_en or slug)
        self.slug = slug if slug in TYPES else "invalid-request"
        default_nb, default_en = DETAILS.get(self.slug, ("", ""))
        self.status = status or TYPES[self.slug][0]
        self.detail_nb = detail_nb or default_nb
        self.detail_en = detail_en or default_en
        self.errors = errors
        self.headers = headers or {}


def wants_english() -> bool:
    best = request.accept_languages.best_match(["nb", "no", "nn", "en"], default="nb")
    return best == "en"


def problem_body(problem: Problem) -> dict:
    _status, title_nb, title_en = TYPES[problem.slug]
    english = wants_english()
    body: dict[str, Any] = {
        "type": f"{request.url_root.rstrip('/')}/api/v1/reference#problem-{problem.slug}",
        "title": title_en if english else title_nb,
        "status": problem.status,
        "detail": problem.detail_en if english else problem.detail_nb,
        "instance": request.path,
        "i18n": {
            "nb": {"title": title_nb, "detail": problem.detail_nb},
            "en": {"title": title_en, "detail": problem.detail_en},
        },
    }
    if problem.errors is not None:
        in_bokmaal = errors_nb(problem.errors)
        body["errors"] = problem.errors if english else in_bokmaal
        body["i18n"]["nb"]["errors"] = in_bokmaal
        body["i18n"]["en"]["errors"] = problem.errors
    return body


def problem_response(problem: Problem) -> Response:
    response = Response(json.dumps(problem_body(problem)), status=problem.status, mimetype=MIMETYPE)
    response.headers["Content-Language"] = "en" if wants_english() else "nb"
    for name, value in problem.headers.items():
        response.headers[name] = value
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hearing"'
    return response


def from_http_exception(exc: HTTPException) -> Response:
    """An HTTP error raised inside the API (404, 405, webargs' 422, the limiter's 429 …) as a problem."""
    code = exc.code or 500
    slug = _BY_STATUS.get(code, "server-error" if code >= 500 else "invalid-request")
    errors = None
    data = getattr(exc, "data", None) or {}
    if isinstance(data, dict):
        errors = data.get("errors") or data.get("messages")
    problem = Problem(slug, status=code, errors=errors)
    if code == 429:
        problem.detail_en = f"{problem.detail_en} ({exc.description})" if exc.description else problem.detail_en
    response = problem_response(problem)
    for name, value in (exc.get_headers() if code == 405 else []):
        if name.lower() == "allow":
            response.headers["Allow"] = value
    return response


def is_api_request() -> bool:
    return request.path.startswith("/api/")
