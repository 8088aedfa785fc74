"""Facilitator note capture in workshops: fast typing, offline queue, several facilitators at once."""

from flask import Blueprint

bp = Blueprint("workshop", __name__, url_prefix="/workshop")

from hearing.workshop import views  # noqa: E402,F401  (routes register on bp)
