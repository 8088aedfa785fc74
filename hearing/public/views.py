from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.auth import public, role_required
from hearing.extensions import db, limiter
from hearing.i18n import html_lang
from hearing.idempotency import once
from hearing.models import Process, utcnow
from hearing.public import bp, forms, services


@bp.get("/")
@public
def index():
    now = utcnow()
    return render_template("public/index.html", processes=services.open_public_activities(db.session, now),
                           closed=services.closed_public_hearings(db.session, now), now=now)


@bp.get("/staff")
@role_required("reviewer", "facilitator")
def staff_home():
    from hearing.auth.access import filter_processes

    query = filter_processes(db.session, current_user, sa.select(Process).order_by(Process.created_dt.desc()), Process.id)
    return render_template("public/staff_home.html", processes=db.session.scalars(query).all())


@bp.get("/healthz")
@public
def healthz():
    """The process is up."""
    return {"status": "ok"}


@bp.get("/readyz")
@public
def readyz():
    """The database (and Redis, when configured) can be reached."""
    checks = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = f"error: {type(exc).__name__}"
    if url := current_app.config.get("REDIS_URL"):
        try:
            import redis

            redis.Redis.from_url(url, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # any failure means not ready
            checks["redis"] = f"error: {type(exc).__name__}"
    ready = all(v == "ok" for v in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503


@bp.route("/tilgjengelighet", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"], methods=["POST"])
def accessibility():
    """The accessibility statement (tilgjengelighetserklæring) and a form to report a problem."""
    form = forms.AccessibilityReportForm()
    if request.method == "GET" and not form.page.data:
        form.page.data = request.args.get("side", "")
    if form.validate_on_submit():
        def create() -> str:
            services.report_accessibility_problem(db.session, form.page.data, form.description.data, form.email.data,
                                                  lang=html_lang())
            flash(_("Takk! Meldingen er sendt til administratorene."), "success")
            return url_for("public.accessibility")

        return once(form.form_key.data, create)
    from hearing import accessibility as a11y

    statement = a11y.statement(db.session)
    items = a11y.criteria(db.session)
    return render_template(
        "public/accessibility.html", form=form, statement=statement, criteria=items, summary=a11y.summary(items),
        total=len(items), statuses=a11y.STATUSES, complaint=a11y.COMPLAINT_BODIES.get(statement.complaint_body),
        uutilsynet=a11y.COMPLAINT_BODIES["uutilsynet"], official=a11y.OFFICIAL[statement.country or "no"],
        # the date (on the local clock: |d) it was last saved; never saved: no date (no fixed date in code claims a review)
        statement_date=statement.updated_dt,
        contact_email=statement.contact_email or current_app.config.get("CONTACT_EMAIL"))
