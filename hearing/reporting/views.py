"""Thin views: reviewers make, preview, publish and export reports; everyone reads the published ones."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.actions import refuse_form
from hearing.auth import public, role_required
from hearing.exports import jobs as export_jobs
from hearing.exports.views import document_forms, send_stored, start_document_export
from hearing.extensions import db
from hearing.forms import choices
from hearing.idempotency import once
from hearing.models import HearingReport, Process
from hearing.privacy import mask
from hearing.reporting import bp, exports, forms, services

#: Seconds a reader is asked to wait while a public file is being made.
PENDING_RETRY_SECONDS = 10


def _get(model, ident):
    return db.session.get(model, ident) or abort(404)


def _choices(form, process: Process) -> None:
    form.activity_id.choices = choices(
        [("", _("Hele prosessen"))] + [(a.id, a.title) for a in process.activities]
    )
    runs = services.finished_runs(db.session, process)
    form.run_id.choices = choices(
        [("", _("Den nyeste") if runs else _("Ingen temagruppering ennå"))]
        + [
            (r.id, _("Gruppering %(n)d (%(when)s)", n=r.id, when=r.created_dt.strftime("%d.%m.%Y")))
            for r in runs
        ]
    )
    drafts = services.drafts_of(db.session, process)
    form.draft_id.choices = choices(
        [("", _("Det nyeste") if drafts else _("Ingen utkast ennå"))]
        + [(d.id, d.title) for d in reversed(drafts)]
    )


@bp.app_template_global("published_reports")
def published_reports():
    """Published reports for the public front page."""
    return services.published_reports(db.session)


# --- reviewers ----------------------------------------------------------------------------------


@bp.route("/reports/process/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def index(process_id: int):
    process = _get(Process, process_id)
    form = forms.NewReportForm()
    _choices(form, process)
    if form.validate_on_submit():

        def create() -> str:
            report = services.create_report(db.session, current_user, process, form.data)
            flash(_("Tilbakemeldingen er laget. Se over den før du publiserer."), "success")
            return url_for("reporting.preview", report_id=report.id)

        try:
            return once(form.form_key.data, create)
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template(
        "reporting/index.html", process=process, form=form, reports=services.reports_of(db.session, process)
    ), 400 if request.method == "POST" else 200


@bp.get("/reports/<int:report_id>")
@role_required("reviewer")
def preview(report_id: int):
    report = _get(HearingReport, report_id)
    return render_template(
        "reporting/preview.html",
        report=report,
        process=db.session.get(Process, report.process_id),
        view=services.build_report(db.session, report),
        form=forms.PublishForm(),
        export_forms=document_forms(),
    )


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@role_required("reviewer")
def edit(report_id: int):
    report = _get(HearingReport, report_id)
    process = db.session.get(Process, report.process_id)
    form = forms.ReportForm(obj=report)
    _choices(form, process)
    if form.validate_on_submit():
        try:
            services.update_report(db.session, current_user, report, form.data)
            db.session.commit()
            flash(_("Endringene er lagret."), "success")
            return redirect(url_for("reporting.preview", report_id=report.id))
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template("reporting/edit.html", report=report, process=process, form=form), (
        400 if request.method == "POST" else 200
    )


def _set_published(report_id: int, published: bool):
    report = _get(HearingReport, report_id)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(url_for("reporting.preview", report_id=report.id))

    def change() -> str:
        services.set_published(db.session, current_user, report, published)
        flash(
            _("Tilbakemeldingen er publisert.")
            if published
            else _("Tilbakemeldingen er ikke lenger publisert."),
            "success",
        )
        return url_for("reporting.preview", report_id=report.id)

    return once(form.form_key.data, change)


@bp.post("/reports/<int:report_id>/publish")
@role_required("reviewer")
def publish(report_id: int):
    return _set_published(report_id, True)


@bp.post("/reports/<int:report_id>/unpublish")
@role_required("reviewer")
def unpublish(report_id: int):
    return _set_published(report_id, False)


@bp.post("/reports/<int:report_id>/export.<fmt>")
@role_required("reviewer")
def export(report_id: int, fmt: str):
    report = _get(HearingReport, report_id)
    return start_document_export(report, fmt, url_for("reporting.preview", report_id=report.id))


# --- the public -------------------------------------------------------------------------------


def _published(report_id: int) -> HearingReport:
    report = db.session.get(HearingReport, report_id)
    if report is None or not report.is_published:
        abort(404)
    return report


@bp.get("/tilbakemelding/<int:report_id>")
@public
def public_report(report_id: int):
    report = _published(report_id)
    return render_template(
        "reporting/public.html", report=report, view=services.build_report(db.session, report)
    )


@bp.get("/tilbakemelding/<int:report_id>/export.<fmt>")
@public
def public_export(report_id: int, fmt: str):
    """The file made when the report was published; while it is being made, a page that says so (503)."""
    report = _published(report_id)
    if fmt not in exports.FORMATS:
        abort(404)
    stored = export_jobs.public_report_file(db.session, report, fmt)
    if stored is not None:
        return send_stored(stored, public=True)
    db.session.commit()  # the jobs queued for a report that had none
    page = render_template("reporting/public_file_pending.html", report=report, view_title=mask(report.title))
    return page, 503, {"Retry-After": str(PENDING_RETRY_SECONDS), "Cache-Control": "no-store"}
