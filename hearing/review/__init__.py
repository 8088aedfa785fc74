"""Reviewers' pages (kreativ gruppe): grouping runs, their progress, themes and the inputs in them."""

from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review")

from hearing.review import views  # noqa: E402,F401,I001  (routes register on bp)
from hearing.review import assessment_views  # noqa: E402,F401  (assessment routes register on bp)
from hearing.review import confirm_views  # noqa: E402,F401  («Bekreft neste 20» routes register on bp)
from hearing.review import volume_views  # noqa: E402,F401  (board for many inputs: routes register on bp)
