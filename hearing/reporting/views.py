"""Thin views: reviewers make, preview, publish and export reports; everyone reads the published ones."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing import documents
from hearing.actions import commit, save, save_once
from hearing.auth import public, role_required
from hearing.content import content
from hearing.exports import jobs as export_jobs
from hearing.exports.views import document_forms, send_stored, start_document_export
from hearing.extensions import db
from hearing.forms import choices
from hearing.i18n import html_lang
from hearing.idempotency import once
from hearing.models import HearingReport, Process, ReportVersion
from hearing.privacy import mask
from hearing.reporting import bp, forms, services

#: Seconds a reader is asked to wait while a public file is being made.
PENDING_RETRY_SECONDS = 10


def _choices(form, process: Process) -> None:
    form.activity_id.choices = choices(
        [("", _("Hele prosessen"))] + [(a.id, content(a, "title")) for a in process.activities]
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
    process = db.get_or_404(Process, process_id)
    form = forms.NewReportForm()
    _choices(form, process)
    if form.validate_on_submit():

        def create() -> str:
            report = services.create_report(db.session, current_user, process, form.data)
            flash(_("Tilbakemeldingen er laget. Se over den før du publiserer."), "success")
            return url_for("reporting.preview", report_id=report.id)

        if done := save_once(form, create):
            return done
    return render_template(
        "reporting/index.html", process=process, form=form, reports=services.reports_of(db.session, process)
    ), 400 if request.method == "POST" else 200


@bp.get("/reports/<int:report_id>")
@role_required("reviewer")
def preview(report_id: int):
    report = db.get_or_404(HearingReport, report_id)
    return render_template(
        "reporting/preview.html",
        report=report,
        process=db.session.get(Process, report.process_id),
        view=(view := services.build_report(db.session, report)),
        charts=services.charts_of(view),
        form=forms.PublishForm(),
        export_forms=document_forms(),
        versions=services.versions_of(db.session, report),
    )


@bp.route("/reports/<int:report_id>/edit", methods=["GET", "POST"])
@role_required("reviewer")
def edit(report_id: int):
    report = db.get_or_404(HearingReport, report_id)
    process = db.session.get(Process, report.process_id)
    form = forms.ReportForm(obj=report)
    _choices(form, process)
    if form.validate_on_submit() and save(
            form, lambda: services.update_report(db.session, current_user, report, form.data),
            _("Endringene er lagret.")):
        return redirect(url_for("reporting.preview", report_id=report.id))
    return render_template("reporting/edit.html", report=report, process=process, form=form), (
        400 if request.method == "POST" else 200
    )


def _set_published(report_id: int, published: bool):
    report = db.get_or_404(HearingReport, report_id)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(url_for("reporting.preview", report_id=report.id))

    def change() -> str:
        if published:
            link = url_for("reporting.public_report", report_id=report.id, _external=True)
            version = services.publish_version(db.session, current_user, report, link=link)
            flash(_("Versjon %(n)d av tilbakemeldingen er publisert.", n=version.number), "success")
        else:
            services.set_published(db.session, current_user, report, False)
            flash(_("Tilbakemeldingen er ikke lenger publisert."), "success")
        return url_for("reporting.preview", report_id=report.id)

    try:
        return once(form.form_key.data, change)
    except services.ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(url_for("reporting.preview", report_id=report.id))


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
    report = db.get_or_404(HearingReport, report_id)
    return start_document_export(report, fmt, url_for("reporting.preview", report_id=report.id))


# --- the public: the published versions, frozen ----------------------------------------------------


def _published(report_id: int) -> HearingReport:
    report = db.session.get(HearingReport, report_id)
    if report is None or not report.is_published:
        abort(404)
    return report


def _version(report: HearingReport, number: int | None):
    """The version asked for (the newest without a number); 404 when there is no such version."""
    if number is None:
        version = services.current_version(db.session, report)
        commit()  # a report published before versions got its first one
    else:
        version = db.session.scalar(sa.select(ReportVersion).where(ReportVersion.report_id == report.id,
                                                                    ReportVersion.number == number))
    return version or abort(404)


@bp.get("/tilbakemelding/<int:report_id>")
@bp.get("/tilbakemelding/<int:report_id>/versjon/<int:number>")
@public
def public_report(report_id: int, number: int | None = None):
    """A published version as it was frozen, in the reader's language; earlier versions listed with their dates."""
    report = _published(report_id)
    version = _version(report, number)
    versions = services.versions_of(db.session, report)
    return render_template(
        "reporting/public.html", report=report, version=version, versions=versions,
        is_latest=version.number == versions[0].number, view=(view := services.view_of(version, html_lang())),
        charts=services.charts_of(view),
    )


@bp.get("/tilbakemelding/<int:report_id>/export.<fmt>")
@bp.get("/tilbakemelding/<int:report_id>/versjon/<int:number>/export.<fmt>")
@public
def public_export(report_id: int, fmt: str, number: int | None = None):
    """The version's file in the reader's language, made in the background; while it is made, a page that says so (503)."""
    report = _published(report_id)
    if fmt not in documents.FORMATS:
        abort(404)
    version = _version(report, number)
    lang = html_lang() if html_lang() in services.snapshot_languages() else "nb"
    stored = export_jobs.public_report_file(db.session, report, fmt, version=version, lang=lang)
    if stored is not None:
        response = send_stored(stored, public=True)
        response.headers["Content-Language"] = documents.LANG_TAGS.get(lang, lang)
        return response
    commit()  # the job queued for a file nobody had asked for
    jobs = export_jobs._public_jobs(db.session, version, fmt, lang)
    page = render_template("reporting/public_file_pending.html", report=report, view_title=mask(report.title),
                           job=jobs[0] if jobs else None)
    return page, 503, {"Retry-After": str(PENDING_RETRY_SECONDS), "Cache-Control": "no-store"}


@bp.get("/tilbakemelding/<int:report_id>/filer/<int:job_id>/status")
@public
def public_export_status(report_id: int, job_id: int):
    """What the progress bar of a public file of the report polls."""
    from flask import jsonify

    from hearing.jobs import progress_view
    from hearing.models import Job

    _published(report_id)
    job = db.session.get(Job, job_id)
    if job is None or job.kind != export_jobs.PUBLIC_REPORT or (job.payload or {}).get("report_id") != report_id:
        abort(404)
    resp = jsonify({"job_id": job.id, **progress_view(job)})
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- the report builder -------------------------------------------------------------------------


@bp.route("/reports/<int:report_id>/builder", methods=["GET", "POST"])
@role_required("reviewer")
def builder_page(report_id: int):
    """Per theme "dere sa", "vi gjorde", quotes, name, place and whether it is shown; the merknadsskjema."""
    from flask_wtf import FlaskForm

    from hearing.reporting import builder

    report = db.get_or_404(HearingReport, report_id)
    process = db.session.get(Process, report.process_id)
    themes = builder.themes_of(db.session, report)
    statements = builder.statements_of(db.session, report)
    form = FlaskForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        typed = builder.read_form(request.form, themes, statements)
        if not form.validate():
            errors["form"] = _("Skjemaet var utløpt. Send det på nytt.")
        else:
            errors = builder.save(db.session, current_user, report, typed)
            if not errors:
                commit()
                flash(_("Tilbakemeldingen er oppdatert. Den blir offentlig når du publiserer en ny versjon.")
                      if report.is_published else _("Tilbakemeldingen er oppdatert."), "success")
                return redirect(url_for("reporting.preview", report_id=report.id))
            db.session.rollback()
        builder.apply_typed(themes, statements, typed)
    return render_template("reporting/builder.html", report=report, process=process, themes=themes,
                           statements=statements, form=form, errors=errors,
                           max_quotes=services.QUOTES_PER_THEME), 422 if errors else 200
