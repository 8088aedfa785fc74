"""The participation dashboard for staff: who took part, through which channel, when, and who is missing."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from hearing.dashboard import views  # noqa: E402,F401  (routes register on bp)
