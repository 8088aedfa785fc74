"""Citizens, councils and employees answer hearings, surveys and suggestion boxes here."""

from functools import lru_cache

import nh3
from flask import Blueprint
from markdown_it import MarkdownIt
from markupsafe import Markup

bp = Blueprint("participation", __name__)

# Raw HTML in documents is turned off: Markdown only, so nothing a writer types runs as script.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False})


@bp.app_template_filter("markdown")
def markdown(text: str | None) -> Markup:
    return _render_markdown(text or "")


@lru_cache(maxsize=2048)
def _render_markdown(text: str) -> Markup:
    # Cached: a hearing document's sections are rendered on every visit of the busiest page.
    # nh3 as a second guard: only safe tags and link schemes survive.
    return Markup(nh3.clean(_md.render(text), url_schemes={"http", "https", "mailto"}))  # noqa: S704


@bp.app_template_filter("pairs")
def pairs(values) -> list[tuple[str, str]]:
    """Options as (value, label) pairs where both are the same text."""
    return [(str(v), str(v)) for v in values or []]


from hearing.participation import views  # noqa: E402,F401

# CSRFProtect guards every POST here as everywhere; a failed check shows the answer form again with the
# respondent's text (views.csrf_failed) instead of a bare error page.
