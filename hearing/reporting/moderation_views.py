"""Thin views of the moderation queue: staff approve (one by one or in bulk), redact or hide responses."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from hearing.actions import commit
from hearing.auth import role_required
from hearing.extensions import db
from hearing.labels import CONSENTS
from hearing.models import Activity, Process, Submission
from hearing.pagination import page_arg
from hearing.reporting import bp
from hearing.reporting import moderation as services


def _state_arg(states) -> str:
    """The queue's filter from ``?status=``, one of ``states``; "pending" by default."""
    state = request.args.get("status", "pending")
    return state if state in states else "pending"


def _back_to(endpoint: str, activity: Activity) -> str:
    """The queue page (filter and page) a POST came from."""
    return url_for(endpoint, activity_id=activity.id, status=request.form.get("status", "pending"),
                   page=request.form.get("page", 1, type=int))


def _ticked() -> list[int]:
    """The ids ticked on the page, or all of the page's with the "all on this page" button."""
    field = "page_ids" if request.form.get("bulk") == "page" else "ids"
    return [int(i) for i in request.form.getlist(field) if i.isdigit()]


@bp.get("/moderation/process/<int:process_id>")
@role_required("reviewer")
def moderation_index(process_id: int):
    process = db.get_or_404(Process, process_id)
    return render_template("reporting/moderation_index.html", process=process,
                           activities=services.activities_of(db.session, process),
                           workshops=services.workshops_of(db.session, process))


@bp.get("/moderation/activity/<int:activity_id>")
@role_required("reviewer")
def moderation_queue(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    state = _state_arg(services.STATES)
    return render_template(
        "reporting/moderation_queue.html", activity=activity, process=activity.process, state=state,
        states=services.STATES, counts=services.counts(db.session, activity),
        page=services.queue(db.session, activity, state, page_arg(request.args)), form=FlaskForm(),
        consents=CONSENTS,
    )


@bp.post("/moderation/activity/<int:activity_id>/approve")
@role_required("reviewer")
def moderation_approve(activity_id: int):
    """Approve the ticked responses, or the one whose button was pressed (a late one only that way)."""
    activity = db.get_or_404(Activity, activity_id)
    back = _back_to("reporting.moderation_queue", activity)
    if not FlaskForm().validate():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(back)
    one = request.form.get("approve_one", type=int)
    try:
        if one:
            sub = db.session.get(Submission, one)
            if sub is None or sub.activity_id != activity.id:
                abort(404)
            services.approve(db.session, current_user, sub)
            commit()
            flash(_("Svaret %(ref)s er godkjent for publisering.", ref=sub.reference), "success")
            return redirect(back)
        ids = _ticked()
        if not ids:
            flash(_("Kryss av for svarene du vil godkjenne."), "warning")
            return redirect(back)
        done, late = services.approve_many(db.session, current_user, activity, ids)
        commit()
    except services.ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back)
    flash(ngettext("%(num)d svar er godkjent for publisering.", "%(num)d svar er godkjent for publisering.", done),
          "success")
    if late:
        flash(ngettext("%(num)d svar kom etter fristen og må avgjøres for seg.",
                       "%(num)d svar kom etter fristen og må avgjøres hver for seg.", late), "warning")
    return redirect(back)


@bp.route("/moderation/response/<int:submission_id>", methods=["GET", "POST"])
@role_required("reviewer")
def moderation_decide(submission_id: int):
    """One response: approve it, redact parts of it (beside the original), hide it with a reason, or reopen it."""
    sub = db.get_or_404(Submission, submission_id)
    activity = sub.activity
    review = services.review_of(sub)
    form = FlaskForm()
    typed = {"decision": "", "reason": sub.moderation_reason, "texts": {}, "attachment_ids": None}
    errors: list[str] = []
    if request.method == "POST":
        typed = {
            "decision": request.form.get("decision", ""),
            "reason": request.form.get("reason", "")[:services.MAX_REASON + 100],
            "texts": {inp.id: request.form.get(f"text-{inp.id}", "")[:50_000] for inp in sub.inputs
                      if f"text-{inp.id}" in request.form},
            "attachment_ids": [int(i) for i in request.form.getlist("attachment_ids") if i.isdigit()],
        }
        if not form.validate():
            errors.append(_("Skjemaet var utløpt. Send det på nytt."))
        else:
            try:
                services.decide(db.session, current_user, sub, typed)
                commit()
                flash({"approve": _("Svaret %(ref)s er godkjent for publisering.", ref=sub.reference),
                       "redact": _("Svaret %(ref)s er godkjent med sladding. Originalen er tatt vare på.", ref=sub.reference),
                       "hide": _("Svaret %(ref)s er skjult. Begrunnelsen er lagret.", ref=sub.reference),
                       "reopen": _("Svaret %(ref)s venter på avgjørelse igjen.", ref=sub.reference)}[typed["decision"]],
                      "success")
                return redirect(url_for("reporting.moderation_queue", activity_id=activity.id))
            except services.ServiceError as exc:
                db.session.rollback()
                errors.append(str(exc))
                review = services.review_of(sub)
    return render_template("reporting/moderation_decide.html", sub=sub, activity=activity, process=activity.process,
                           review=review, form=form, typed=typed, errors=errors, consents=CONSENTS,
                           states=services.STATES), 422 if errors else 200


@bp.get("/moderation/workshop/<int:activity_id>")
@role_required("reviewer")
def moderation_notes(activity_id: int):
    """A workshop's notes: approve them for quoting in public reports (masked), or take the approval back."""
    activity = db.get_or_404(Activity, activity_id)
    if activity.kind != "workshop":
        abort(404)
    state = _state_arg(services.NOTE_STATES)
    return render_template("reporting/moderation_notes.html", activity=activity, process=activity.process,
                           state=state, states=services.NOTE_STATES, form=FlaskForm(),
                           page=services.notes_queue(db.session, activity, state, page_arg(request.args)))


@bp.post("/moderation/workshop/<int:activity_id>")
@role_required("reviewer")
def moderation_notes_decide(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    if activity.kind != "workshop":
        abort(404)
    back = _back_to("reporting.moderation_notes", activity)
    if not FlaskForm().validate():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(back)
    action = request.args.get("action", "")
    one = request.form.get("one", type=int)
    ids = [one] if one else _ticked()
    if action not in ("approve", "withdraw"):
        abort(400)
    if not ids:
        flash(_("Kryss av for notatene du vil godkjenne."), "warning")
        return redirect(back)
    try:
        if action == "approve":
            n = services.approve_notes(db.session, current_user, activity, ids)
            message = ngettext("%(num)d notat er godkjent for sitat.", "%(num)d notater er godkjent for sitat.", n)
        else:
            n = services.withdraw_notes(db.session, current_user, activity, ids)
            message = ngettext("%(num)d notat er ikke lenger godkjent for sitat.",
                               "%(num)d notater er ikke lenger godkjent for sitat.", n)
        commit()
    except services.ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(back)
    flash(message, "success")
    return redirect(back)
