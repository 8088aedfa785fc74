"""Language choice (bokmål first, nynorsk, English and Danish next) and date formatting.

Messages are written in bokmål in the code and templates; nn, en and da are translations.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import current_app, g, has_request_context, request, session
from flask_babel import (
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    get_locale,
    get_translations,
)
from jinja2 import pass_context
from markupsafe import Markup

from hearing.extensions import babel
from hearing.labels import LANGUAGES

LANGUAGE_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English", "da": "Dansk"}
#: Languages a text (an input, a title) can be written in, named in the reader's language.
CONTENT_LANGUAGES = LANGUAGES
#: How dates read in each language: "23. november 2026 kl. 14:05" / "23 November 2026, 14:05".
#: Danish writes the time with a full stop: "23. november 2026 kl. 14.05".
DATETIME_FORMATS = {"nb": "d. MMMM y 'kl.' HH:mm", "nn": "d. MMMM y 'kl.' HH:mm", "en": "d MMMM y, HH:mm",
                    "da": "d. MMMM y 'kl.' HH.mm"}
DATE_FORMATS = {"nb": "d. MMMM y", "nn": "d. MMMM y", "en": "d MMMM y", "da": "d. MMMM y"}


def long_date(value) -> str:
    """A date, or a datetime on the local clock, as the page's language writes it ("1. desember 2026",
    "1 December 2026"): the ``|d`` filter, and files written outside a template (Markdown, Word)."""
    return format_date(value, DATE_FORMATS.get(page_language(), DATE_FORMATS["nb"])) if value else ""


def page_language() -> str:
    """The language of the page being written (nb when none is chosen)."""
    locale = get_locale()
    return locale.language if locale is not None else "nb"


#: The language cookie outlives the session, so a citizen's choice holds on the next visit too.
LANG_COOKIE = "lang"
LANG_COOKIE_DAYS = 365


def select_locale() -> str:
    """The reader's language; outside a request (background jobs, CLI) the default, bokmål."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted  # remembered for the next pages
        g._lang_chosen = wanted
    for chosen in (session.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in languages:
            return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def lang_url(code: str) -> str:
    """This page in another language: the same path and query (filters, search, page), only ?lang changes."""
    if not request.args:  # most pages: no query to keep (codes are plain letters: nothing to encode)
        return f"{request.path}?lang={code}"
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return f"{request.path}?{urlencode(args)}"


def html_lang() -> str:
    """Value for <html lang>: Norwegian bokmål is "nb", nynorsk "nn"."""
    return getattr(g, "_html_lang", None) or select_locale()


def _catalogue():
    """The catalogue of the page's language, looked up once per locale and request (a page asks for it
    some fifty times; Flask-Babel's own lookup walks its context three times per text)."""
    locale = get_locale()
    found = g.get("_catalogue")
    if found is None or found[0] is not locale:  # a locale forced for a moment (mail) or refreshed (log-in)
        found = g._catalogue = (locale, get_translations())
    return found[1]


def _context_catalogue(context):
    """The catalogue a page's render started with (put in its context by ``_lang_context``: a dictionary
    lookup per text instead of Flask-Babel's locale walk); a template rendered without it looks it up."""
    found = context.get("_i18n_catalogue")
    return found if found is not None else _catalogue()


@pass_context
def _template_gettext(context, string: str, **variables) -> str:
    """``_()`` and ``gettext()`` in templates, as Jinja's newstyle i18n does it, with one catalogue lookup."""
    text = _context_catalogue(context).ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our catalogue, as Jinja's own i18n does; variables are escaped by %)
    return text % variables


@pass_context
def _template_ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = _context_catalogue(context).ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our catalogue, as Jinja's own i18n does; variables are escaped by %)
    return text % variables


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    # ``_`` is ours too, not Jinja's alias that looks ``gettext`` up and calls it through the context again.
    app.jinja_env.globals.update(gettext=_template_gettext, ngettext=_template_ngettext, _=_template_gettext)

    @app.template_filter("dt")
    def _dt(value: datetime | None, fmt: str | None = None) -> str:
        return format_datetime(value, fmt or DATETIME_FORMATS.get(page_language(), DATETIME_FORMATS["nb"])) if value else ""

    @app.template_filter("iso_dt")
    def _iso_dt(value: str | None) -> str:
        """A stored ISO time (as in exports) in local time, as the language writes it."""
        if not value:
            return ""
        try:
            return _dt(datetime.fromisoformat(value))
        except (TypeError, ValueError):
            return value

    @app.template_filter("d")
    def _d(value, fmt: str | None = None) -> str:
        return (format_date(value, fmt) if fmt else long_date(value)) if value else ""

    @app.template_filter("num")
    def _num(value, decimals: int = 1) -> str:
        """A number as the language writes it: 3,5 in Norwegian, 3.5 in English."""
        if value is None:
            return "–"
        return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0")

    @app.template_filter("pct")
    def _pct(value) -> str:
        """A percentage (0–100) as the language writes it: "38 %" in Norwegian, "38%" in English."""
        return format_percent((value or 0) / 100) if value is not None else "–"

    @app.context_processor
    def _lang_context() -> dict:
        return {"html_lang": html_lang(), "language_names": LANGUAGE_NAMES, "lang_url": lang_url,
                "_i18n_catalogue": _catalogue()}

    @app.after_request
    def _remember_language(response):
        chosen = g.get("_lang_chosen")
        if chosen and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_DAYS * 24 * 3600, samesite="Lax",
                                secure=current_app.config.get("SESSION_COOKIE_SECURE", False), httponly=True)
        return response
