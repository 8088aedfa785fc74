"""The audit log, newest first, per process."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, render_template, request

from hearing.admin import bp
from hearing.auth import role_required
from hearing.extensions import db
from hearing.models import AuditEvent, Process, User


@bp.get("/audit")
@role_required("admin")
def audit_log():
    q = sa.select(AuditEvent).order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
    process = None
    if pid := request.args.get("process", type=int):
        process = db.get_or_404(Process, pid)
        q = q.where(AuditEvent.process_id == pid)
    page = max(request.args.get("page", 1, type=int), 1)
    events = db.session.scalars(q.limit(101).offset((page - 1) * 100)).all()
    actors = {u.id: u for u in db.session.scalars(sa.select(User)).all()}
    # The details hold what staff wrote (titles, names) in the language of the event's process: marked with it.
    langs = dict(db.session.execute(sa.select(Process.id, Process.language).where(
        Process.id.in_({e.process_id for e in events if e.process_id is not None}))).all())
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "nb")
    data_lang = {e.id: langs.get(e.process_id) or default for e in events}
    return render_template(
        "admin/audit.html", events=events[:100], has_more=len(events) > 100, page=page, process=process, actors=actors,
        data_lang=data_lang,
    )
