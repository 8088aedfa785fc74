"""The board for many inputs: filters, pages, checkboxes, "all matching the filter", actions at once,
and likely duplicates. Thin views; the logic is in :mod:`hearing.grouping.bulk` and
:mod:`hearing.grouping.duplicates`."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.auth import role_required
from hearing.extensions import db
from hearing.grouping import board, bulk, duplicates
from hearing.idempotency import new_key, once
from hearing.labels import DECISIONS
from hearing.models import Input, Process, Theme, ThemeRun
from hearing.review import bp
from hearing.review.volume_forms import BulkForm, DuplicateGroupForm, NotDuplicateForm


def _run(run_id: int) -> ThemeRun:
    run = db.get_or_404(ThemeRun, run_id)
    if run.job is not None and run.job.status != "done":
        abort(404)
    return run


def _page(run: ThemeRun, view: bulk.View, form: BulkForm | None = None, status: int = 200):
    page = bulk.page_of(db.session, run, view)
    themes = board.board_themes(run)
    form = form or BulkForm()
    form.set_choices(themes)
    form.page_ids.data = ",".join(str(r.input.id) for r in page.rows)
    return render_template(
        "review/inputs.html",
        run=run,
        process=db.session.get(Process, run.process_id),
        view=view,
        page=page,
        themes=themes,
        names={t.id: t.label for t in run.themes},
        form=form,
        options=board.filter_options(db.session, run),
        bands=bulk.BAND_LABELS,
        statuses=bulk.STATUS_LABELS,
        channels=bulk.CHANNEL_LABELS,
        decisions=DECISIONS,
        dups=duplicates.suggestions(db.session, run, view.theme_id),
        new_key=new_key,
    ), status


@bp.get("/runs/<int:run_id>/inputs")
@role_required("reviewer")
def run_inputs(run_id: int):
    return _page(_run(run_id), bulk.View.from_args(request.args))


@bp.post("/runs/<int:run_id>/inputs")
@role_required("reviewer")
def run_inputs_bulk(run_id: int):
    run = _run(run_id)
    view = bulk.View.from_args(request.form)
    form = BulkForm()
    form.set_choices(board.board_themes(run))
    if form.validate_on_submit():

        def act() -> str:
            ids = bulk.selected_ids(db.session, run, view, all_matching=form.all_matching.data,
                                    assignment_ids=form.assignment_ids.data)
            chosen = form.shown if form.all_matching.data else _input_ids(ids)
            target = db.session.get(Theme, form.theme_id.data) if form.theme_id.data else None
            result = bulk.apply(db.session, current_user, run, form.action.data, ids, target=target,
                                decision=form.decision.data or "", reason=form.reason.data or "",
                                replace=bool(form.replace.data))
            flash(_message(result), "success")
            anchor = bulk.return_anchor(db.session, run, view, form.shown, chosen)
            return url_for("review.run_inputs", run_id=run.id, **view.args()) + anchor

        try:
            return once(form.form_key.data, act)
        except bulk.BulkError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
    elif form.csrf_token.errors:
        form.form_errors.append(_("Skjemaet var utløpt. Send det på nytt."))
    return _page(run, view, form, status=400)


def _input_ids(assignment_ids: list[int]) -> list[int]:
    from hearing.models import ThemeAssignment

    if not assignment_ids:
        return []
    return list(db.session.scalars(
        db.select(ThemeAssignment.input_id).where(ThemeAssignment.id.in_(assignment_ids))
        .order_by(ThemeAssignment.input_id)))


def _message(result: bulk.BulkResult) -> str:
    if result.action == "move":
        text = _("%(n)d innspill er flyttet til «%(t)s».", n=result.done, t=result.theme.label)
    elif result.action == "confirm":
        text = _("%(n)d innspill er bekreftet der de står.", n=result.done)
    else:
        text = _("%(n)d innspill er vurdert.", n=result.done)
    if result.unchanged:
        text += " " + _("%(n)d var det allerede.", n=result.unchanged)
    if result.kept:
        text += " " + _("%(n)d hadde en vurdering fra før og ble ikke endret (kryss av for å erstatte).", n=result.kept)
    return text


@bp.post("/runs/<int:run_id>/duplicates")
@role_required("reviewer")
def run_duplicates(run_id: int):
    run = _run(run_id)
    view = bulk.View.from_args(request.form)
    form = DuplicateGroupForm()
    back = url_for("review.run_inputs", run_id=run.id, **view.args())
    if not form.validate_on_submit() or not (form.original_id.data or "").isdigit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(back + "#duplicates")

    def confirm() -> str:
        original = db.session.get(Input, int(form.original_id.data))
        if original is None or board.process_of(db.session, original).id != run.process_id:
            raise board.BoardError(_("Fant ikke det innspillet i denne prosessen."))
        n = 0
        chosen = list(form.duplicate_ids.data or [])
        if form.whole_group.data == "1":
            chosen = sorted(set(chosen) | set(duplicates.group_members(db.session, run, original)))
        for ident in chosen:
            inp = db.session.get(Input, ident)
            if inp is None or board.process_of(db.session, inp).id != run.process_id:
                raise board.BoardError(_("Fant ikke det innspillet i denne prosessen."))
            board.mark_duplicate(db.session, current_user, inp, original)
            n += 1
        flash(_("%(n)d innspill er markert som duplikat av nr. %(o)d.", n=n, o=original.id), "success")
        return back + "#duplicates"

    try:
        return once(form.form_key.data, confirm)
    except board.BoardError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back + "#duplicates")


@bp.post("/runs/<int:run_id>/duplicates/reject")
@role_required("reviewer")
def run_not_duplicate(run_id: int):
    run = _run(run_id)
    view = bulk.View.from_args(request.form)
    form = NotDuplicateForm()
    back = url_for("review.run_inputs", run_id=run.id, **view.args())
    if not form.validate_on_submit() or not (form.original_id.data or "").isdigit() \
            or not (form.input_id.data or "").isdigit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(back + "#duplicates")

    def reject() -> str:
        original = db.session.get(Input, int(form.original_id.data))
        inp = db.session.get(Input, int(form.input_id.data))
        for x in (original, inp):
            if x is None or board.process_of(db.session, x).id != run.process_id:
                raise board.BoardError(_("Fant ikke det innspillet i denne prosessen."))
        duplicates.reject(db.session, current_user, run, inp, original)
        flash(_("Nr. %(n)d foreslås ikke lenger som duplikat av nr. %(o)d.", n=inp.id, o=original.id), "success")
        return back + "#duplicates"

    try:
        return once(form.form_key.data, reject)
    except board.BoardError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back + "#duplicates")
