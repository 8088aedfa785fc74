"""Public pages: the front page with open activities, and the staff start page."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from hearing.public import views  # noqa: E402,F401
