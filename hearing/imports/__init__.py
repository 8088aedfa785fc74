"""Imports of answers exported from Microsoft Forms, Google Forms or Questback (CSV or XLSX)."""

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/imports")

from hearing.imports import views  # noqa: E402,F401  (routes register on bp)
