"""Staff's archive page: choose responses to file, follow the worker, download packages, note references."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from hearing import audit
from hearing.actions import apply, commit, save_once
from hearing.archive import bp, services, transport
from hearing.auth import role_required
from hearing.extensions import db
from hearing.idempotency import FormKeyMixin
from hearing.models import ArchiveMessage, ArchiveStatus, Job, JobStatus, Process
from hearing.pagination import page_arg, paginate
from hearing.privacy.fields import mask_submission_fields


class FileForm(FormKeyMixin, FlaskForm):
    """The chosen responses come as ``submission`` checkboxes (one per row of the page)."""


class ReferenceForm(FlaskForm):
    reference = StringField()


STATUS_LABELS = {
    ArchiveStatus.QUEUED: _l("Venter på arbeideren"),
    ArchiveStatus.READY: _l("Klar, ikke sendt"),
    ArchiveStatus.SENT: _l("Sendt til arkivet"),
    ArchiveStatus.FAILED: _l("Feilet"),
}


def archive_status(message: ArchiveMessage) -> str:
    return str(STATUS_LABELS.get(message.status, message.status))


def sender_label(submission) -> str:
    """Who sent it, as reviewers may see it: the body (masked), never a private person's name."""
    return mask_submission_fields(submission, audience="reviewer").on_behalf_of or str(_l("Privatperson"))


def _process(process_id: int) -> Process:
    return db.get_or_404(Process, process_id)


@bp.route("/processes/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def process(process_id: int):
    proc = _process(process_id)
    form = FileForm()
    if form.validate_on_submit():
        chosen = [int(v) for v in request.form.getlist("submission") if v.isdigit()]

        def run() -> str:
            job = services.request_filing(db.session, current_user, proc, chosen)
            if job is None:
                flash(_("De valgte svarene er allerede arkivert eller på vei."), "info")
            else:
                flash(_("Arkivmeldingene lages nå i bakgrunnen."), "success")
            return url_for("archive.process", process_id=proc.id)

        if done := save_once(form, run):
            return done
    page = paginate(db.session, services.fileable_query(proc), page_arg(request.args))
    latest = services.latest_messages(db.session, proc)
    active = db.session.scalar(sa.select(Job).where(Job.kind == services.KIND,
                                                    Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
                               .where(Job.id.in_(sa.select(ArchiveMessage.job_id).where(ArchiveMessage.process_id == proc.id)))
                               .order_by(Job.id.desc()).limit(1))
    return render_template("archive/process.html", process=proc, form=form, page=page, latest=latest, active=active,
                           folder=latest.get(None), transport_name=transport.configured_name(),
                           archive_status=archive_status, sender_label=sender_label, chosen=set(request.form.getlist("submission"))), \
        422 if form.form_errors else 200


def _message(message_id: int) -> ArchiveMessage:
    return db.get_or_404(ArchiveMessage, message_id)


@bp.get("/messages/<int:message_id>/download")
@role_required("reviewer")
def download(message_id: int):
    """The zip package (arkivmelding.xml and its files); it holds personal data, so each download is audited."""
    message = _message(message_id)
    if not services.download_allowed(message):
        abort(404)
    audit.record(db.session, current_user, "archive.download", message, process_id=message.process_id)
    commit()
    resp = current_app.response_class(message.data, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f'attachment; filename="{message.filename}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.post("/messages/<int:message_id>/reference")
@role_required("reviewer")
def reference(message_id: int):
    message = _message(message_id)
    form = ReferenceForm()
    if form.validate_on_submit():
        apply(lambda: services.set_reference(db.session, current_user, message, form.reference.data),
              _("Arkivreferansen er lagret."))
    return redirect(url_for("archive.process", process_id=message.process_id, page=request.args.get("page", 1)))
