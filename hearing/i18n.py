"""Language choice (bokmål first, nynorsk and English next) and date formatting.

Messages are written in bokmål in the code and templates; nn and en are translations.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime

from hearing.extensions import babel

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}


def select_locale() -> str:
    """The reader's language; outside a request (background jobs, CLI) the default, bokmål."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted  # remembered for the next pages
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def html_lang() -> str:
    """Value for <html lang>: Norwegian bokmål is "nb", nynorsk "nn"."""
    return getattr(g, "_html_lang", None) or select_locale()


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str = "d. MMMM y 'kl.' HH:mm") -> str:
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("d")
    def _d(value, fmt: str = "d. MMMM y") -> str:
        return format_date(value, fmt) if value else ""

    @app.context_processor
    def _lang_context() -> dict:
        return {"html_lang": html_lang(), "language_names": LANGUAGE_NAMES}
