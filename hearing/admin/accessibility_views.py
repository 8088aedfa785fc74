"""Accessibility: reported problems and replies to them, and the accessibility statement."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing import audit
from hearing.actions import commit
from hearing.admin import bp, forms
from hearing.auth import role_required
from hearing.extensions import db
from hearing.models import AccessibilityReport, User, utcnow


@bp.route("/accessibility-reports", methods=["GET", "POST"])
@role_required("admin")
def accessibility_reports():
    if request.method == "POST" and forms.ConfirmForm().validate_on_submit():
        report = db.get_or_404(AccessibilityReport, request.form.get("report_id", 0, type=int))
        report.handled_dt = utcnow()
        audit.record(db.session, current_user, "accessibility_report.handle", report)
        commit()
        return redirect(url_for("admin.accessibility_reports"))
    reports = db.session.scalars(sa.select(AccessibilityReport).order_by(AccessibilityReport.created_dt.desc())).all()
    from hearing.models import AccessibilityReply

    answered = dict(db.session.execute(sa.select(AccessibilityReply.report_id, sa.func.count(AccessibilityReply.id))
                                       .group_by(AccessibilityReply.report_id)).all())
    return render_template("admin/accessibility_reports.html", reports=reports, answered=answered)


@bp.route("/accessibility-reports/<int:report_id>", methods=["GET", "POST"])
@role_required("admin")
def accessibility_report(report_id: int):
    """One reported problem, the replies given so far, and a reply (sent by e-mail when the person gave one)."""
    from hearing import accessibility as a11y

    report = db.get_or_404(AccessibilityReport, report_id)
    form = forms.ConfirmForm()
    errors, typed = {}, {"body": "", "send": True, "handled": False}
    if form.validate_on_submit():
        typed = {"body": request.form.get("body", ""), "send": bool(request.form.get("send")),
                 "handled": bool(request.form.get("handled"))}
        try:
            entry = a11y.reply(db.session, current_user, report, typed["body"], send=typed["send"], handled=typed["handled"])
            commit()
            flash(_("Svaret er sendt på e-post og lagret.") if entry.emailed else _("Svaret er lagret."), "success")
            return redirect(url_for("admin.accessibility_report", report_id=report.id))
        except a11y.StatementError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.errors.items()}
    replies = a11y.replies(db.session, report)
    authors = {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.id.in_({r.author_id for r in replies})))}
    return render_template("admin/accessibility_report.html", report=report, replies=replies, authors=authors,
                           form=form, errors=errors, typed=typed), (422 if errors else 200)


@bp.route("/accessibility", methods=["GET", "POST"])
@role_required("admin")
def accessibility_statement():
    """The accessibility statement: organisation, address, contact, reply time, complaint route, status per criterion."""
    from hearing import accessibility as a11y

    form = forms.ConfirmForm()
    statement = a11y.statement(db.session)
    items = a11y.criteria(db.session)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        f = request.form
        last_tested = None
        if f.get("last_tested"):
            try:
                last_tested = date.fromisoformat(f["last_tested"])
            except ValueError:
                errors["last_tested"] = _("Skriv datoen som dd.mm.åååå.")
        reply_days = f.get("reply_days", "").strip()
        data = {k: f.get(k, "") for k in ("country", "organisation", "org_number", "covered_url", "uustatus_url",
                                          "contact_email", "contact_phone", "complaint_body", "test_notes")}
        data["reply_days"] = int(reply_days) if reply_days.isdigit() else None
        data["last_tested"] = last_tested
        if data["country"] in a11y.COUNTRIES and data["country"] != statement.country:
            items = a11y.criteria(db.session, data["country"])  # the criteria of the country chosen now
        # A criterion the form did not have (the country was changed) keeps its default status and text.
        typed = {c.number: {k: f.get(f"{c.field_id}-{k}", getattr(c, k)) for k in ("status", "deviation", "consequence", "plan")}
                 for c in items}
        try:
            if errors:
                raise a11y.StatementError({})
            a11y.save(db.session, current_user, data, typed)
            commit()
            flash(_("Tilgjengelighetserklæringen er lagret."), "success")
            return redirect(url_for("admin.accessibility_statement"))
        except a11y.StatementError as exc:
            db.session.rollback()
            errors.update({k: str(v) for k, v in exc.errors.items()})
            # Show what was typed, with the messages (not on the stored row: nothing half-checked may be flushed).
            statement = SimpleNamespace(**{k: data[k] for k in ("country", "organisation", "org_number", "covered_url", "uustatus_url",
                                                                 "contact_email", "contact_phone", "complaint_body", "test_notes")},
                                        reply_days=reply_days, last_tested=f.get("last_tested", ""))
            for c in items:
                for key, value in typed[c.number].items():
                    setattr(c, key, value)
    return render_template("admin/accessibility_statement.html", form=form, statement=statement, criteria=items,
                           errors=errors, statuses=a11y.STATUSES, complaint_bodies=a11y.COMPLAINT_BODIES,
                           countries=a11y.COUNTRIES, complaint_country=a11y.COMPLAINT_COUNTRY,
                           summary=a11y.summary(items)), (422 if errors else 200)
