"""Exports: all inputs of a process as CSV/XLSX, and a whole process as JSON (backup, move, import).

The files are made by background jobs (:mod:`hearing.exports.jobs`) and kept in the database.
"""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/files")

from hearing.exports import views  # noqa: E402,F401  (routes register on bp)
