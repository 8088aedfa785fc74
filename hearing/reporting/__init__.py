"""Publication: the moderation queue before anything is public, the published responses, and the report back
to participants, "Vi spurte – dere svarte – vi gjorde": reviewers' pages and the public pages."""

from flask import Blueprint

bp = Blueprint("reporting", __name__)

from hearing.reporting import moderation_views, views  # noqa: E402,F401  (routes register on bp)
