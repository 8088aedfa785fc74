"""Thin views: ask for an export (a job), follow its progress, download the file; import a backup."""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from hearing import audit
from hearing.actions import commit, save_once
from hearing.auth import role_required
from hearing.core import web
from hearing.exports import backup, bp, forms, storage
from hearing.exports import jobs as exports
from hearing.extensions import db
from hearing.idempotency import once
from hearing.jobs import progress_view
from hearing.labels import job_status_label
from hearing.models import ExportFile, Job, JobStatus, Process, Role


def max_import_bytes() -> int:
    """Largest backup the import form accepts (BACKUP_MAX_MB; the form's request may be that large)."""
    return int(current_app.config.get("BACKUP_MAX_MB", 1024)) * 1024 * 1024


@bp.record_once
def _larger_uploads_for_backups(state) -> None:
    # Before CSRF protection reads the form: a restore may be larger than MAX_CONTENT_LENGTH allows others.
    def allow(app=state.app) -> None:
        if request.endpoint == "exports.process_import" and request.method == "POST":
            request.max_content_length = int(app.config.get("BACKUP_MAX_MB", 1024)) * 1024 * 1024

    state.app.before_request_funcs.setdefault(None, []).insert(0, allow)


def _job(job_id: int) -> Job:
    job = db.get_or_404(Job, job_id)
    if not exports.may_see(current_user, job):
        abort(404)  # another person's export: not even its existence is shown
    db.session.refresh(job)  # always what the worker last stored
    return job


#: Names of the document formats, for labels and buttons.
DOCUMENT_FORMAT_NAMES = {"pdf": "PDF", "docx": "Word (DOCX)", "md": "Markdown"}


def _kind_label(job: Job) -> str:
    if job.kind == exports.BACKUP:
        return _("Sikkerhetskopi (JSON)")
    if job.kind == exports.IMPORT:
        return _("Import av prosess")
    if job.kind in (exports.DRAFT, exports.REPORT, exports.REVISION):
        payload = job.payload or {}
        return _(
            "%(title)s som %(format)s",
            title=payload.get("title", ""),
            format=DOCUMENT_FORMAT_NAMES.get(payload.get("fmt"), payload.get("fmt")),
        )
    fmt = (job.payload or {}).get("format", "csv")
    label = _("Innspill som Excel") if fmt == "xlsx" else _("Innspill som CSV")
    if (job.payload or {}).get("include_original"):
        label += " " + _("(med originaltekst)")
    return label


def _page_context(jobs: list[Job]) -> dict:
    active = next((j for j in jobs if j.status in (JobStatus.QUEUED, JobStatus.RUNNING)), None)
    return {
        "jobs": jobs,
        "active": active,
        "kept": exports.has_file(db.session, jobs),
        "status_label": job_status_label,
        "kind_label": _kind_label,
        "retention_days": exports.retention_days(),
    }


@bp.route("/processes/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def process_exports(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = forms.InputsExportForm()
    is_admin = current_user.role == Role.ADMIN
    if form.validate_on_submit():

        def start() -> str:
            exports.request_inputs_export(
                db.session,
                current_user,
                process,
                form.format.data,
                include_original=bool(form.include_original.data and is_admin),
            )
            flash(
                _("Eksporten er startet. Den lages i bakgrunnen; lenken til filen kommer når den er ferdig."),
                "success",
            )
            return url_for("exports.process_exports", process_id=process.id)

        if done := save_once(form, start):
            return done
    jobs = exports.export_jobs(db.session, current_user, process.id)
    return render_template(
        "exports/process.html",
        process=process,
        form=form,
        backup_form=forms.BackupForm(),
        is_admin=is_admin,
        **_page_context(jobs),
    )


@bp.post("/processes/<int:process_id>/backup")
@role_required("admin")
def process_backup(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = forms.BackupForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(url_for("exports.process_exports", process_id=process.id))

    def start() -> str:
        exports.request_backup(db.session, current_user, process)
        flash(_("Sikkerhetskopien lages i bakgrunnen; lenken til filen kommer når den er ferdig."), "success")
        return url_for("exports.process_exports", process_id=process.id) + "#backup"

    return once(form.form_key.data, start)


def _origin(job: Job) -> tuple[str, str]:
    """Where the export was asked for: (URL, link text)."""
    payload = job.payload or {}
    if job.kind == exports.DRAFT:
        return url_for("drafting.draft", draft_id=payload.get("draft_id", 0)), _("Tilbake til utkastet")
    if job.kind == exports.REPORT:
        return url_for("reporting.preview", report_id=payload.get("report_id", 0)), _("Tilbake til tilbakemeldingen")
    if job.kind == exports.IMPORT:
        return url_for("exports.process_import"), _("Tilbake til import")
    if job.kind == exports.REVISION:
        return url_for("followup.revision", plan_id=payload.get("plan_id", 0), year=payload.get("year", 0)), \
            _("Tilbake til rulleringen")
    return url_for("exports.process_exports", process_id=payload.get("process_id", 0)), _("Tilbake til eksport")


def start_document_export(obj, fmt: str, back_url: str):
    """For the draft and report views (role checked there): queue the file once per form key, show its job."""
    if fmt not in DOCUMENT_FORMAT_NAMES:
        abort(404)
    form = forms.ExportForm(prefix=fmt)
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(back_url)

    def start() -> str:
        job = exports.request_document(db.session, current_user, obj, fmt)
        flash(_("Filen lages i bakgrunnen. Lenken kommer her når den er ferdig."), "success")
        return url_for("exports.job_page", job_id=job.id)

    return once(form.form_key.data, start)


def document_forms() -> list[tuple[str, str, forms.ExportForm]]:
    """(format, name, form) per format button; each form has its own CSRF token and one-time key."""
    return [(fmt, name, forms.ExportForm(prefix=fmt)) for fmt, name in DOCUMENT_FORMAT_NAMES.items()]


@bp.get("/jobs/<int:job_id>")
@role_required("reviewer")
def job_page(job_id: int):
    job = _job(job_id)
    back_url, back_label = _origin(job)
    return render_template("exports/job.html", job=job, back_url=back_url, back_label=back_label,
                           **_page_context([job]))


@bp.get("/jobs/<int:job_id>/status")
@role_required("reviewer")
def job_status(job_id: int):
    job = _job(job_id)
    return jsonify({"job_id": job.id, **progress_view(job)})


@bp.get("/jobs/<int:job_id>/download")
@role_required("reviewer")
def download(job_id: int):
    job = _job(job_id)
    if job.kind not in exports.DOWNLOADABLE:
        abort(404)
    stored = exports.file_of(db.session, job)
    back = url_for("exports.job_page", job_id=job.id)
    if job.status != JobStatus.DONE or stored is None:
        flash(
            _("Filen finnes ikke (lenger). Eksporter på nytt.")
            if job.status == JobStatus.DONE
            else _("Filen er ikke ferdig ennå."),
            "info",
        )
        return redirect(back)
    if job.kind == exports.BACKUP or (job.payload or {}).get("include_original"):
        audit.record(
            db.session,
            current_user,
            "export.download",
            None,
            process_id=stored.process_id,
            job_id=job.id,
            filename=stored.filename,
        )
        commit()
    return send_stored(stored)


def send_stored(stored: ExportFile, *, public: bool = False):
    """A kept file as an attachment; ``public`` for the files of a published report anyone may fetch."""
    path = storage.path_of(stored)
    source = stored.data or b"" if path is None else path  # None: made before the files moved to disk
    return web.download(source, mimetype=stored.mimetype, filename=stored.filename, public=public)


@bp.route("/import", methods=["GET", "POST"])
@role_required("admin")
def process_import():
    form = forms.ImportForm()
    if form.validate_on_submit():
        storage_file = form.file.data
        name = storage.new_name()
        path = storage.folder() / name
        storage_file.save(path)  # streamed to the upload volume, never whole in memory
        if path.stat().st_size > max_import_bytes():
            storage.remove_files([name])
            form.file.errors.append(_("Filen er for stor (mer enn %(mb)s MB).", mb=max_import_bytes() // (1024 * 1024)))
        else:

            def start() -> str:
                exports.request_import(db.session, current_user, path, storage_file.filename or "")
                flash(_("Filen er godkjent. Prosessen importeres i bakgrunnen."), "success")
                return url_for("exports.process_import")

            try:
                return once(form.form_key.data, start)
            except (backup.BackupError, exports.ExportError) as exc:
                db.session.rollback()
                storage.remove_files([name])
                form.file.errors.append(str(exc))
    jobs = exports.export_jobs(db.session, current_user, kinds=(exports.IMPORT,))
    return render_template("exports/import.html", form=form, **_page_context(jobs))
