"""Drafts of the plan (strategiutkast N) in the plan format, their diff, hearing and exports (reviewers)."""

from flask import Blueprint

bp = Blueprint("drafting", __name__, url_prefix="/drafts")

from hearing.drafting import views  # noqa: E402,F401  (routes register on bp)
