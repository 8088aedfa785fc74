"""Thin views: check the role, read the form, call one service function, render or redirect."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.auth import role_required
from hearing.extensions import db
from hearing.idempotency import once
from hearing.models import Activity, JobStatus, Phase, Process, Theme, ThemeAssignment, ThemeRun
from hearing.review import bp, forms
from hearing.themes import service

#: Inputs shown per page on a theme page.
PAGE_SIZE = 100


def _get(model, ident):
    return db.session.get(model, ident) or abort(404)


def _scope_choices(process: Process) -> list[tuple[str, str]]:
    out = [("process", _("Hele prosessen"))]
    out += [(f"phase:{p.id}", _("Fase: %(name)s", name=p.name)) for p in process.phases]
    out += [(f"activity:{a.id}", _("Aktivitet: %(name)s", name=a.title)) for a in process.activities]
    return out


def _scope(process: Process, value: str) -> dict:
    kind, _sep, ident = (value or "process").partition(":")
    if kind == "phase":
        phase = db.session.get(Phase, int(ident)) if ident.isdigit() else None
        if phase is None or phase.process_id != process.id:
            abort(400)
        return {"phase": phase}
    if kind == "activity":
        activity = db.session.get(Activity, int(ident)) if ident.isdigit() else None
        if activity is None or activity.process_id != process.id:
            abort(400)
        return {"activity": activity}
    return {}


def _scope_label(run: ThemeRun) -> str:
    if run.activity_id:
        activity = db.session.get(Activity, run.activity_id)
        return _("Aktivitet: %(name)s", name=activity.title) if activity else _("Aktivitet")
    if run.phase_id:
        phase = db.session.get(Phase, run.phase_id)
        return _("Fase: %(name)s", name=phase.name) if phase else _("Fase")
    return _("Hele prosessen")


def _status_label(status: str) -> str:
    return {
        JobStatus.QUEUED: _("I kø"),
        JobStatus.RUNNING: _("Pågår"),
        JobStatus.DONE: _("Ferdig"),
        JobStatus.FAILED: _("Feilet"),
    }.get(status, status)


def _back(run: ThemeRun, anchor: str = ""):
    target = request.form.get("next") or ""
    if target.startswith("/review/") and not target.startswith("//"):
        return redirect(target)
    return redirect(url_for("review.run", run_id=run.id) + anchor)


def _done(run: ThemeRun) -> bool:
    return run.job is None or run.job.status == JobStatus.DONE


@bp.get("/")
@role_required("reviewer")
def runs():
    processes = db.session.scalars(sa.select(Process).order_by(Process.created_dt.desc())).all()
    latest = {}
    for run in db.session.scalars(sa.select(ThemeRun).order_by(ThemeRun.id)):
        latest[run.process_id] = run
    counts = dict(db.session.execute(
        sa.select(ThemeRun.process_id, sa.func.count()).group_by(ThemeRun.process_id)).all())
    return render_template("review/index.html", processes=processes, latest=latest, counts=counts,
                           status_label=_status_label)


@bp.route("/processes/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def process_runs(process_id: int):
    process = _get(Process, process_id)
    form = forms.StartRunForm()
    form.scope.choices = _scope_choices(process)
    if form.validate_on_submit():
        def start() -> str:
            run = service.start_run(db.session, current_user, process, n_themes=form.n_themes.data or "auto",
                                    guidance=form.guidance.data, **_scope(process, form.scope.data))
            flash(_("Grupperingen er startet. Den kjører i bakgrunnen."), "success")
            return url_for("review.run", run_id=run.id)

        try:
            return once(form.form_key.data, start)
        except service.ThemeServiceError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
    process_runs = db.session.scalars(
        sa.select(ThemeRun).where(ThemeRun.process_id == process.id).order_by(ThemeRun.id.desc())).all()
    return render_template("review/runs.html", process=process, runs=process_runs, form=form,
                           scope_label=_scope_label, status_label=_status_label)


@bp.get("/runs/<int:run_id>")
@role_required("reviewer")
def run(run_id: int):
    run = _get(ThemeRun, run_id)
    if run.job is not None:
        db.session.refresh(run.job)
    process = db.session.get(Process, run.process_id)
    ctx = {"run": run, "process": process, "job": run.job, "scope_label": _scope_label(run),
           "status_label": _status_label}
    if not _done(run):
        return render_template("review/run.html", **ctx)
    sizes = service.theme_sizes(db.session, run)
    themes = [t for t in run.themes if sizes.get(t.id) or not t.is_misc]
    quotes = service.inputs_by_id(db.session, [i for t in themes for i in t.quote_input_ids[:3]])
    new_count = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.is_new.is_(True)))
    unplaced = service.count_unplaced(db.session, run)
    suggested = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.is_not(None)))
    confirmed = db.session.scalar(sa.select(sa.func.count()).select_from(ThemeAssignment).where(
        ThemeAssignment.run_id == run.id,
        sa.or_(ThemeAssignment.source == "manual", ThemeAssignment.is_pinned.is_(True))))
    side = service.run_side_jobs(db.session, run)
    for job in side.values():
        db.session.refresh(job)
    pending = {kind: job for kind, job in side.items() if job.status in (JobStatus.QUEUED, JobStatus.RUNNING)}
    failed = {kind: job for kind, job in side.items() if job.status == JobStatus.FAILED}
    return render_template(
        "review/run.html", themes=themes, sizes=sizes, quotes=quotes, new_count=new_count, unplaced=unplaced,
        suggested=suggested, confirmed=confirmed, pending=pending, failed=failed, rename_form=forms.RenameForm(),
        accept_form=forms.AcceptForm(), confirm=forms.ConfirmForm(), **ctx)


@bp.get("/runs/<int:run_id>/status")
@role_required("reviewer")
def run_status(run_id: int):
    run = _get(ThemeRun, run_id)
    job = run.job
    if job is not None:
        db.session.refresh(job)  # always what the worker last stored
    return jsonify({
        "run_id": run.id,
        "status": job.status if job else "done",
        "status_label": _status_label(job.status if job else "done"),
        "progress": job.progress if job else 100,
        "message": job.message if job else "",
        "error": job.error if job else None,
        "finished": job is None or job.status in (JobStatus.DONE, JobStatus.FAILED),
    })


@bp.get("/themes/<int:theme_id>")
@role_required("reviewer")
def theme(theme_id: int):
    theme = _get(Theme, theme_id)
    run = theme.run
    page = max(1, request.args.get("page", 1, type=int))
    q = (sa.select(ThemeAssignment).where(ThemeAssignment.theme_id == theme.id)
         .order_by(ThemeAssignment.is_new.desc(), ThemeAssignment.confidence.desc().nulls_last(), ThemeAssignment.id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    rows = db.session.scalars(q.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    targets = [t for t in run.themes if not t.merged_into_id]
    names = {t.id: t.label for t in run.themes}
    return render_template("review/theme.html", theme=theme, run=run, process=db.session.get(Process, run.process_id),
                           rows=rows, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
                           targets=targets, names=names, rename_form=forms.RenameForm(obj=theme),
                           confirm=forms.ConfirmForm())


@bp.post("/themes/<int:theme_id>/rename")
@role_required("reviewer")
def theme_rename(theme_id: int):
    theme = _get(Theme, theme_id)
    form = forms.RenameForm()
    if form.validate_on_submit():
        service.rename_theme(db.session, current_user, theme, form.name.data)
        db.session.commit()
        flash(_("Temaet heter nå «%(name)s».", name=theme.label), "success")
    else:
        flash(_("Navnet ble ikke lagret: %(error)s", error="; ".join(str(e) for e in form.name.errors) or _("skjemaet var utløpt")), "danger")
    return _back(theme.run, f"#theme-{theme.id}")


@bp.post("/assignments/<int:assignment_id>/move")
@role_required("reviewer")
def assignment_move(assignment_id: int):
    assignment = _get(ThemeAssignment, assignment_id)
    run = db.session.get(ThemeRun, assignment.run_id)
    form = forms.MoveForm()
    form.theme_id.choices = [(t.id, t.label) for t in run.themes]
    if form.validate_on_submit():
        target = db.session.get(Theme, form.theme_id.data)
        try:
            service.move_input(db.session, current_user, assignment, target)
            db.session.commit()
            flash(_("Innspillet er flyttet til «%(name)s».", name=target.label), "success")
        except service.ThemeServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    else:
        flash(_("Velg et tema å flytte innspillet til."), "danger")
    return _back(run)


@bp.post("/assignments/<int:assignment_id>/pin")
@role_required("reviewer")
def assignment_pin(assignment_id: int):
    assignment = _get(ThemeAssignment, assignment_id)
    form = forms.PinForm()
    if form.validate_on_submit():
        pinned = form.pinned.data == "1"
        service.pin_input(db.session, current_user, assignment, pinned)
        db.session.commit()
        flash(_("Innspillet er festet i temaet.") if pinned else _("Innspillet er ikke lenger festet."), "success")
    return _back(db.session.get(ThemeRun, assignment.run_id))


@bp.post("/assignments/<int:assignment_id>/accept")
@role_required("reviewer")
def assignment_accept(assignment_id: int):
    assignment = _get(ThemeAssignment, assignment_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            service.accept_suggestion(db.session, current_user, assignment)
            db.session.commit()
            flash(_("Forslaget er godtatt."), "success")
        except service.ThemeServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    return _back(db.session.get(ThemeRun, assignment.run_id))


@bp.post("/runs/<int:run_id>/suggest")
@role_required("reviewer")
def run_suggest(run_id: int):
    run = _get(ThemeRun, run_id)
    if forms.ConfirmForm().validate_on_submit() and _done(run):
        service.schedule_suggestions(db.session, run, current_user)
        db.session.commit()
        flash(_("Forslagene lages i bakgrunnen. Oppdater siden om litt."), "success")
    return redirect(url_for("review.run", run_id=run.id) + "#suggestions")


@bp.post("/runs/<int:run_id>/accept")
@role_required("reviewer")
def run_accept(run_id: int):
    run = _get(ThemeRun, run_id)
    form = forms.AcceptForm()
    if form.validate_on_submit() and _done(run):
        has_suggestions = db.session.scalar(sa.select(ThemeAssignment.id).where(
            ThemeAssignment.run_id == run.id, ThemeAssignment.suggested_theme_id.is_not(None)).limit(1))
        if not has_suggestions:
            flash(_("Det finnes ingen forslag ennå. Lag forslag først."), "warning")
            return redirect(url_for("review.run", run_id=run.id) + "#suggestions")
        try:
            n = service.accept_suggestions(db.session, current_user, run, form.min_percent.data / 100)
            db.session.commit()
            flash(_("%(n)d forslag er godtatt.", n=n), "success")
        except service.ThemeServiceError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    else:
        flash(_("Oppgi en grense mellom 0 og 100 prosent."), "danger")
    return redirect(url_for("review.run", run_id=run.id) + "#suggestions")


@bp.post("/runs/<int:run_id>/place")
@role_required("reviewer")
def run_place(run_id: int):
    run = _get(ThemeRun, run_id)
    if forms.ConfirmForm().validate_on_submit() and _done(run):
        service.schedule_placement(db.session, run, current_user)
        db.session.commit()
        flash(_("De nye innspillene plasseres i bakgrunnen. Oppdater siden om litt."), "success")
    return redirect(url_for("review.run", run_id=run.id))
