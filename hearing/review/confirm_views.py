"""«Bekreft neste 20»: thin views over :mod:`hearing.grouping.confirm` (check the role, read the form,
call one function, redirect to the next input)."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.actions import refuse_form
from hearing.auth import role_required
from hearing.content import theme_name
from hearing.extensions import db
from hearing.forms import choices
from hearing.grouping import board, confirm, service
from hearing.idempotency import once
from hearing.jobs import progress_view
from hearing.labels import job_status_label
from hearing.models import JobStatus, Process, Theme, ThemeRun
from hearing.review import bp
from hearing.review.confirm_forms import BulkAcceptForm, ConfirmInputForm, NextBatchForm


def _run(run_id: int) -> ThemeRun:
    run = db.get_or_404(ThemeRun, run_id)
    if run.job is not None:
        db.session.refresh(run.job)
    return run


def _page(run: ThemeRun, anchor: str = "") -> str:
    return url_for("review.confirm_page", run_id=run.id) + anchor


def _input_form(run: ThemeRun, input_id: int, targets: list[Theme], selected: int | None = None) -> ConfirmInputForm:
    form = ConfirmInputForm(prefix=f"c{input_id}")
    form.theme_id.choices = choices((t.id, theme_name(t)) for t in targets)
    if selected is not None and request.method == "GET":
        form.theme_id.data = selected
    return form


@bp.get("/runs/<int:run_id>/confirm")
@role_required("reviewer")
def confirm_page(run_id: int, bulk_form: BulkAcceptForm | None = None, status: int = 200):
    run = _run(run_id)
    if run.job is not None and run.job.status != JobStatus.DONE:
        flash(_("Grupperingen er ikke ferdig ennå."), "warning")
        return redirect(url_for("review.run", run_id=run.id))
    job = confirm.latest_job(db.session, run)
    if job is not None:
        db.session.refresh(job)
    batch = confirm.current_batch(db.session, run)
    targets = board.board_themes(run)
    forms = {item.input.id: _input_form(run, item.input.id, targets, item.suggested.id if item.suggested else None)
             for item in (batch.items if batch else []) if item.state in ("open", "skipped")}
    return render_template(
        "review/confirm.html",
        run=run,
        process=db.session.get(Process, run.process_id),
        batch=batch,
        job=job,
        pending=job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        failed=job is not None and job.status == JobStatus.FAILED,
        forms=forms,
        next_form=NextBatchForm(),
        bulk_form=bulk_form or BulkAcceptForm(),
        suggestions=confirm.count_suggestions(db.session, run),
        spread=confirm.suggestion_spread(db.session, run),
        size=confirm.BATCH_SIZE,
        status_label=job_status_label,
    ), status


@bp.get("/runs/<int:run_id>/confirm/status")
@role_required("reviewer")
def confirm_status(run_id: int):
    run = _run(run_id)
    job = confirm.latest_job(db.session, run)
    if job is not None:
        db.session.refresh(job)
    return jsonify({"run_id": run.id, **progress_view(job)})


@bp.post("/runs/<int:run_id>/confirm/next")
@role_required("reviewer")
def confirm_next(run_id: int):
    run = _run(run_id)
    form = NextBatchForm()
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(_page(run))

    def start() -> str:
        confirm.schedule_batch(db.session, run, current_user)
        flash(_("De neste innspillene velges i bakgrunnen."), "success")
        return _page(run, "#batch")

    try:
        return once(form.form_key.data, start)
    except service.ThemeServiceError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(_page(run))


@bp.post("/runs/<int:run_id>/confirm/inputs/<int:input_id>")
@role_required("reviewer")
def confirm_input(run_id: int, input_id: int):
    run = _run(run_id)
    form = _input_form(run, input_id, board.board_themes(run))
    action = request.form.get("action", "")
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen.") if form.csrf_token.errors else _("Velg et tema i listen."), "danger")
        return redirect(_page(run, f"#input-{input_id}"))

    def act() -> str:
        batch = confirm.current_batch(db.session, run)
        if action == "accept":
            item = confirm.accept(db.session, current_user, batch, input_id)
            flash(_("Nr. %(n)d er bekreftet i «%(t)s».", n=input_id, t=item.suggested.label), "success")
        elif action == "correct":
            theme = db.session.get(Theme, form.theme_id.data)
            confirm.correct(db.session, current_user, batch, input_id, theme)
            flash(_("Nr. %(n)d er flyttet til og bekreftet i «%(t)s».", n=input_id, t=theme.label), "success")
        elif action == "skip":
            confirm.skip(db.session, current_user, batch, input_id)
            flash(_("Nr. %(n)d er hoppet over.", n=input_id), "info")
        else:
            raise confirm.ConfirmError(_("Velg «Godta», «Rett» eller «Hopp over»."))
        after = batch.next_after(input_id)
        return _page(run, f"#input-{after.input.id}" if after else "#batch-done")

    try:
        return once(form.form_key.data, act)
    except service.ThemeServiceError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(_page(run, f"#input-{input_id}"))


@bp.post("/runs/<int:run_id>/confirm/accept")
@role_required("reviewer")
def confirm_bulk(run_id: int):
    run = _run(run_id)
    form = BulkAcceptForm()
    if form.validate_on_submit():

        def accept_all() -> str:
            n = confirm.accept_confident(db.session, current_user, run, form.min_percent.data / 100)
            if n:
                flash(_("%(n)d forslag med sikkerhet på minst %(p)d %% er godtatt.", n=n, p=form.min_percent.data), "success")
            else:
                top = confirm.suggestion_spread(db.session, run, ()).top
                flash(_("Ingen forslag har sikkerhet på minst %(p)d %%, så ingen er godtatt. Det sikreste forslaget har %(top)d %%.",
                        p=form.min_percent.data, top=top or 0), "warning")
            return _page(run, "#bulk")

        try:
            return once(form.form_key.data, accept_all)
        except service.ThemeServiceError as exc:
            db.session.rollback()
            refuse_form(form, exc)
    return confirm_page(run_id, bulk_form=form, status=400)


# --- traceability on the input page ----------------------------------------------------------------


@bp.app_template_global("input_trace")
def _input_trace(inp, run):
    """For ``review/_trace.html``: theme, confirmation, assessment and citing draft sections of an input."""
    from hearing.review.trace import input_trace

    return input_trace(db.session, inp, run)
