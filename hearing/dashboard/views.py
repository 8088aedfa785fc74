"""Thin views: check the role, read the form, call one service function, render or redirect."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from hearing import charts
from hearing.actions import commit
from hearing.auth import role_required
from hearing.dashboard import bp, services
from hearing.extensions import db
from hearing.models import Process


class TargetsForm(FlaskForm):
    """CSRF only: the fields (one per group, named share-<id>) are read in the view."""


def _parse_shares(process: Process, form) -> tuple[dict[int, int | None], dict[int, str], dict[int, str]]:
    """(shares, typed values, errors) from the posted share-<group id> fields."""
    shares, typed, errors = {}, {}, {}
    for group in process.groups:
        raw = (form.get(f"share-{group.id}") or "").strip().rstrip("%").strip()
        typed[group.id] = raw
        if not raw:
            shares[group.id] = None
            continue
        try:
            value = int(raw)
        except ValueError:
            errors[group.id] = _("Skriv et helt tall fra 0 til 100.")
            continue
        if not 0 <= value <= 100:
            errors[group.id] = _("Skriv et helt tall fra 0 til 100.")
            continue
        shares[group.id] = value
    return shares, typed, errors


@bp.route("/process/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def process_dashboard(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = TargetsForm()
    typed: dict[int, str] = {}
    errors: dict[int, str] = {}
    form_error = ""
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            form_error = _("Skjemaet var utløpt. Send det på nytt.")
            status = 400
        else:
            shares, typed, errors = _parse_shares(process, request.form)
            if not errors:
                try:
                    services.set_targets(db.session, current_user, process, shares)
                    commit()
                    flash(_("Forventet deltakelse er lagret."), "success")
                    return redirect(url_for("dashboard.process_dashboard", process_id=process.id) + "#expected")
                except services.ServiceError as exc:
                    db.session.rollback()
                    form_error = str(exc)
            status = 422
    data = services.participation(db.session, process)
    targets = services.targets_of(db.session, process)
    if not typed:
        typed = {g.id: str(targets[g.id]) if g.id in targets else "" for g in process.groups}
    return render_template(
        "dashboard/process.html", process=process, data=data, charts=services.participation_charts(data),
        form=form, typed=typed, errors=errors, form_error=form_error, channel_labels=services.CHANNEL_LABELS,
        fmt_pct=lambda v: charts.format_value(round(v, 1), unit="%"),
    ), status
