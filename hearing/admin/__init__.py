"""Administrator pages: processes, phases, groups, activities, prompts, users and the audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from hearing.admin import views  # noqa: E402,F401  (routes register on bp)
