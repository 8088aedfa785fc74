"""Reviewers' pages (kreativ gruppe): grouping runs, their progress, themes and the inputs in them."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")

from hearing.review import views  # noqa: E402,F401  (routes register on bp)
