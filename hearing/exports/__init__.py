"""Exports: all inputs of a process as CSV/XLSX, a whole process as JSON (backup, move, import), and
drafts and reports as DOCX, PDF and Markdown (for the reviewer who asks, and the public files of a
published report).

The files are made by background jobs (:mod:`hearing.exports.jobs`) and kept in the database; the
job page (``/files/jobs/<id>``) shows the progress and then the download link.
"""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/files")

from hearing.exports import views  # noqa: E402,F401  (routes register on bp)
