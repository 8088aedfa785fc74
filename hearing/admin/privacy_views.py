"""Personal data: attachments (warned, masked text first, every download recorded), one person's responses found and deleted, an input's original text."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing import audit
from hearing.actions import commit
from hearing.admin import bp, forms
from hearing.auth import role_required
from hearing.extensions import db
from hearing.models import Attachment, Input
from hearing.privacy import records


@bp.route("/attachments/<int:attachment_id>", methods=["GET", "POST"])
@role_required("reviewer")
def attachment(attachment_id: int):
    """An attachment is not masked: a warning first, a masked text to read, and the original only after a
    confirmed (and recorded) choice."""
    from hearing.participation.views import send_attachment
    from hearing.privacy.extract import READABLE

    att = db.get_or_404(Attachment, attachment_id)
    form = forms.ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        response = send_attachment(att)  # 404 before anything is recorded when the file is gone
        audit.record(db.session, current_user, "attachment.download", att, process_id=att.submission.activity.process_id,
                     submission_id=att.submission_id, warned=True)
        commit()
        return response
    return render_template("admin/attachment.html", att=att, form=form, process=att.submission.activity.process,
                           readable=att.content_type in READABLE)


@bp.get("/attachments/<int:attachment_id>/tekst")
@role_required("reviewer")
def attachment_text(attachment_id: int):
    """The attachment's text with personal data masked, to read instead of the original. The text is read
    out by a background job (a long PDF takes pypdf many seconds); until then the page shows its progress."""
    from pathlib import Path

    from hearing.admin import extracts
    from hearing.jobs import progress_view

    att = db.get_or_404(Attachment, attachment_id)
    if not (Path(current_app.config["UPLOAD_FOLDER"]) / att.storage_name).is_file():
        abort(404)
    stored = extracts.stored_extract(att)
    process = att.submission.activity.process
    if stored is None:
        job = extracts.extract_job(db.session, att, current_user, again=request.args.get("igjen") == "1")
        commit()
        db.session.refresh(job)
        if request.accept_mimetypes.best == "application/json":
            return jsonify(progress_view(job))
        return render_template("admin/attachment_text.html", att=att, extract=None, problem=None, job=job,
                               process=process)
    audit.record(db.session, current_user, "attachment.view_masked", att, process_id=process.id,
                 submission_id=att.submission_id)
    commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"status": "done", "finished": True, "progress": 100, "message": "", "error": None,
                        "status_label": ""})
    extract = SimpleNamespace(text=stored["text"], is_cut=stored.get("is_cut", False)) if "text" in stored else None
    return render_template("admin/attachment_text.html", att=att, extract=extract, problem=stored.get("problem"),
                           job=None, process=process)


@bp.route("/privacy", methods=["GET", "POST"])
@role_required("admin")
def privacy():
    """Find and delete one person's responses by e-mail address."""
    email = (request.values.get("email") or "").strip().lower()
    found = records.submissions_by_email(db.session, email) if email else []
    if request.method == "POST" and forms.ConfirmForm().validate_on_submit() and found:
        for sub in found:
            records.delete_submission(db.session, current_user, sub, current_app.config["UPLOAD_FOLDER"], reason="person request")
        commit()
        flash(_("%(n)d svar fra %(email)s er slettet.", n=len(found), email=email), "success")
        return redirect(url_for("admin.privacy"))
    return render_template("admin/privacy.html", email=email, found=found, confirm=forms.ConfirmForm())


@bp.get("/inputs/<int:input_id>/original")
@role_required("admin")
def input_original(input_id: int):
    """The unmasked text; each look is recorded."""
    inp = db.get_or_404(Input, input_id)
    audit.record(db.session, current_user, "input.view_original", inp, process_id=inp.activity.process_id)
    commit()
    return render_template("admin/input_original.html", input=inp, process=inp.activity.process)
