"""The JSON API under ``/api/v1`` with its OpenAPI 3.1 document, made from the code by flask-smorest.

- ``/api/v1/openapi.json``: the document; ``/api/v1/reference``: the same as a readable page.
- Callers authenticate with a personal token (``Authorization: Bearer hrg_…``) made by an
  administrator (:mod:`hearing.api.tokens`); requests are counted per token (``API_RATE_LIMIT``).
- Errors are RFC 9457 problem details in bokmål and English (:mod:`hearing.api.problems`).
"""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from hearing.api.problems import MIMETYPE, Problem, problem_response

#: Version of the API (in the URL and the document).
VERSION = "1.0.0"


class HearingApi(Api):
    """flask-smorest's Api, with errors as problem+json and without app-wide handlers or its own doc pages
    (the staff pages keep their HTML error pages; the document is served by :mod:`hearing.api.docs`)."""

    def _register_error_handlers(self) -> None:
        return None  # hearing.errors sends errors under /api/ to hearing.api.problems

    def _register_doc_blueprint(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MIMETYPE if status >= 400 else self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


api = HearingApi()


def _description() -> str:
    return (
        "Høringsplattformens data for kommunens andre systemer: prosesser, aktiviteter, respondentgrupper, "
        "svar og innspill (maskert tekst), temaer og plasseringer i gjeldende gruppering, vurderinger, "
        "utkast med deler og tilbakemeldingsrapporter; import av svar og bekreftelse av plasseringer.\n\n"
        "The hearing platform's data for the municipality's other systems. Authenticate with a personal "
        "API token (`Authorization: Bearer hrg_…`) made by an administrator. Lists are paged with a cursor "
        "(`next_cursor`); every GET answers with an ETag and honours `If-None-Match` (304). Errors are RFC 9457 "
        "problem details (`application/problem+json`) with the text in bokmål and English."
    )


def init_app(app: Flask) -> None:
    from hearing.api import admin, docs, views, writes  # noqa: F401  (routes register on import)
    from hearing.api.auth import SCHEME
    from hearing.api.schemas import ProblemSchema

    api.ERROR_SCHEMA = ProblemSchema
    api.init_app(app, spec_kwargs={
        "title": "Hearing API", "version": VERSION, "openapi_version": "3.1.0",
        "info": {"description": _description()},
        "servers": [{"url": "/", "description": "Denne installasjonen / This installation"}],
    })
    api.spec.components.security_scheme(SCHEME, {
        "type": "http", "scheme": "bearer", "bearerFormat": "hrg_…",
        "description": "Personlig API-nøkkel / personal API token (scopes: read, originals, import, placements)",
    })
    api.register_blueprint(views.blp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(admin.bp)

    @app.errorhandler(Problem)
    def _problem(problem: Problem):
        return problem_response(problem)
