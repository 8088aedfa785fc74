from __future__ import annotations

import sqlalchemy as sa
from flask import render_template

from hearing.auth import public, role_required
from hearing.extensions import db
from hearing.models import Process, utcnow
from hearing.public import bp, services


@bp.get("/")
@public
def index():
    now = utcnow()
    return render_template("public/index.html", processes=services.open_public_activities(db.session, now),
                           closed=services.closed_public_hearings(db.session, now), now=now)


@bp.get("/staff")
@role_required("reviewer", "facilitator")
def staff_home():
    processes = db.session.scalars(sa.select(Process).order_by(Process.created_dt.desc())).all()
    return render_template("public/staff_home.html", processes=processes)
