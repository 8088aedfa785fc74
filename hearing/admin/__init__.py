"""Administrator pages: processes, phases, groups, activities, prompts, users, invitations, personal data,
the audit log and accessibility."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Routes register on bp: one module per feature, the same URLs and endpoint names (admin.*).
from hearing.admin import (  # noqa: E402,F401
    accessibility_views,
    audit_views,
    invitation_views,
    privacy_views,
    user_views,
    views,
)
