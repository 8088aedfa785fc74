"""From words to action: the adopted plan's measures followed up (staff pages, unit spreadsheets, the
public follow-up page, the yearly revision report)."""

from flask import Blueprint

bp = Blueprint("followup", __name__)

from hearing.followup import views  # noqa: E402,F401  (routes register on bp)
