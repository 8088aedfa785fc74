"""The report back to participants, "Vi spurte – dere svarte – vi gjorde": reviewers' pages and the public page."""

from flask import Blueprint

bp = Blueprint("reporting", __name__)

from hearing.reporting import views  # noqa: E402,F401  (routes register on bp)
