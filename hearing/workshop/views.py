"""Capture page, its JSON endpoints, the notes list for reviewers, edit and delete, and bulk paste."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.actions import commit, refuse_form, save_once
from hearing.auth import role_required
from hearing.content import content
from hearing.extensions import db
from hearing.forms import choices, local_zone
from hearing.grouping.service import schedule_after_commit
from hearing.models import Input, InputSource, utcnow
from hearing.workshop import bp, forms, services


def _workshop(activity_id: int):
    return services.workshop_activity(db.session, activity_id) or abort(404)


def _note(note_id: int) -> Input:
    note = db.session.get(Input, note_id)
    if note is None or note.source != InputSource.WORKSHOP:
        abort(404)
    return note


def _as_json(note: Input) -> dict:
    local = note.created_dt.astimezone(local_zone())
    allowed = services.can_change(current_user, note)
    return {
        "id": note.id,
        "client_id": note.client_id,
        "text": note.display_text,
        #: The language the note is written in (guessed, or set by a reviewer); the script marks it with lang.
        "lang": note.lang or "",
        "table": note.table_label or "",
        "group": note.group.name if note.group else "",
        "prompt": f"{note.prompt.position}. {note.prompt.text}" if note.prompt else "",
        "author": note.author.name if note.author else "",
        "mine": note.author_id == current_user.id,
        "time": local.strftime("%H:%M"),
        "created": note.created_dt.isoformat(),
        "can_change": allowed,
        "edit_url": url_for("workshop.note_edit", note_id=note.id) if services.can_correct(current_user, note) else None,
        "delete_url": url_for("workshop.note_delete", note_id=note.id) if allowed else None,
    }


def _choose(form: forms.NoteForm | forms.PasteForm, activity) -> None:
    form.group_id.choices = choices([(0, _("Ikke valgt"))] + [(g.id, content(g, "name")) for g in services.group_options(activity)])
    form.prompt_id.choices = choices([(0, _("Uten spørsmål"))] + [(p.id, f"{p.position}. {p.text}") for p in services.prompt_options(activity)])


def _back(note: Input) -> str:
    if current_user.has_role("facilitator"):
        return url_for("workshop.capture", activity_id=note.activity_id)
    return url_for("workshop.notes_page", activity_id=note.activity_id)


# --- capture ---------------------------------------------------------------------------------------


@bp.get("/activities/<int:activity_id>")
@role_required("facilitator")
def capture(activity_id: int):
    activity = _workshop(activity_id)
    form = forms.NoteForm(client_id=uuid.uuid4().hex)
    _choose(form, activity)
    cursor = utcnow()
    found = services.notes(db.session, activity)
    return render_template(
        "workshop/capture.html", activity=activity, process=activity.process, form=form, notes=found,
        initial=[_as_json(n) for n in found], cursor=cursor.isoformat(), tables=services.table_labels(db.session, activity),
        can_change=lambda n: services.can_change(current_user, n),
    )


@bp.get("/csrf-token")
@role_required("facilitator", "reviewer")
def csrf_token():
    """A fresh form token for the capture page's script after the person logged in again in another tab."""
    from flask_wtf.csrf import generate_csrf

    response = jsonify(token=generate_csrf())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/activities/<int:activity_id>/notes")
@role_required("facilitator")
def note_create(activity_id: int):
    """JSON from the capture page's script (CSRF token in X-CSRFToken), or the plain form without script."""
    activity = _workshop(activity_id)
    if request.is_json:
        body = request.get_json(silent=True) or {}
        try:
            data = services.NoteData(
                text=str(body.get("text", "")), table_label=str(body.get("table", "") or ""),
                group_id=int(body.get("group_id") or 0) or None, prompt_id=int(body.get("prompt_id") or 0) or None,
                client_id=str(body.get("client_id") or "") or None,
            )
            note, created = services.save_note(db.session, current_user, activity, data)
        except (TypeError, ValueError) as exc:
            db.session.rollback()
            message = str(exc) if isinstance(exc, services.NoteError) else _("Notatet kunne ikke leses.")
            return jsonify(error=message), 400
        commit()
        if created:
            schedule_after_commit(db.session)  # group it with the rest in the background
        return jsonify(note=_as_json(note), created=created), 201 if created else 200
    form = forms.NoteForm()
    _choose(form, activity)
    if form.validate_on_submit():
        try:
            _note, created = services.save_note(db.session, current_user, activity, services.NoteData(
                form.text.data, form.table_label.data, form.group_id.data, form.prompt_id.data, form.client_id.data))
            commit()
            if created:
                schedule_after_commit(db.session)
            flash(_("Notatet er lagret."), "success")
        except services.NoteError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
    else:
        flash(_("Notatet er tomt eller for langt."), "danger")
    return redirect(url_for("workshop.capture", activity_id=activity.id))


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        abort(400)
    return since if since.tzinfo else since.replace(tzinfo=UTC)


@bp.get("/activities/<int:activity_id>/notes.json")
@role_required("facilitator", "reviewer")
def notes_json(activity_id: int):
    """Notes made or changed since the cursor (all without one), the ids that still exist, the next cursor."""
    activity = _workshop(activity_id)
    cursor = utcnow()
    since = _since(request.args.get("since"))
    found = services.notes(db.session, activity, since=since)
    return jsonify(
        notes=[_as_json(n) for n in found], ids=services.note_ids(db.session, activity), cursor=cursor.isoformat(),
    )


@bp.get("/activities/<int:activity_id>/notes")
@role_required("facilitator", "reviewer")
def notes_page(activity_id: int):
    activity = _workshop(activity_id)
    return render_template(
        "workshop/notes.html", activity=activity, process=activity.process, notes=services.notes(db.session, activity),
        can_change=lambda n: services.can_change(current_user, n), confirm=forms.ConfirmForm(),
        can_correct=lambda n: services.can_correct(current_user, n),
    )


# --- edit and delete -------------------------------------------------------------------------------


@bp.route("/notes/<int:note_id>/edit", methods=["GET", "POST"])
@role_required("facilitator", "reviewer")
def note_edit(note_id: int):
    note = _note(note_id)
    if not services.can_correct(current_user, note):
        abort(403)
    correcting = not services.can_change(current_user, note)
    form = forms.EditForm(obj=note)
    if request.method == "GET" and note.author_id != current_user.id and current_user.role != "admin":
        form.text.data = note.display_text  # others see personal data masked, also when editing
    if form.validate_on_submit():
        try:
            services.update_note(db.session, current_user, note, text=form.text.data,
                                 table_label=form.table_label.data or "", reason=form.reason.data or "")
            commit()
        except services.NoteError as exc:
            refuse_form(form, exc)
        else:
            flash(_("Rettingen er lagret.") if correcting else _("Notatet er endret."), "success")
            return redirect(_back(note))
    return render_template("workshop/note_edit.html", form=form, note=note, activity=note.activity,
                           process=note.activity.process, back=_back(note), correcting=correcting)


@bp.post("/notes/<int:note_id>/delete")
@role_required("facilitator", "reviewer")
def note_delete(note_id: int):
    """A form button, or the capture page's script (JSON answer when it asks for one)."""
    note = _note(note_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not services.can_change(current_user, note):
        if wants_json:
            return jsonify(error=_("Du kan bare slette dine egne notater.")), 403
        abort(403)
    back = _back(note)
    services.delete_note(db.session, current_user, note)
    commit()
    if wants_json:
        return jsonify(deleted=note_id)
    flash(_("Notatet er slettet."), "success")
    return redirect(back)


# --- bulk paste ------------------------------------------------------------------------------------


def _fingerprint(form: forms.PasteForm, lines: list[str]) -> str:
    where = f"{form.table_label.data or ''}|{form.group_id.data}|{form.prompt_id.data}"
    return services.fingerprint([where, *lines])


@bp.route("/activities/<int:activity_id>/paste", methods=["GET", "POST"])
@role_required("facilitator")
def paste(activity_id: int):
    """Paste many lines, see them as notes, then store them once."""
    activity = _workshop(activity_id)
    form = forms.PasteForm()
    _choose(form, activity)
    lines: list[str] | None = None
    if form.validate_on_submit():
        lines = services.paste_lines(form.lines.data)
        if not lines:
            form.lines.errors.append(_("Lim inn minst én linje med tekst."))
            lines = None
        elif form.store.data and form.checked.data != _fingerprint(form, lines):
            form.form_errors.append(_("Teksten er endret etter forhåndsvisningen. Se over notatene og lagre igjen."))
        elif form.store.data:
            base = services.NoteData("", form.table_label.data or "", form.group_id.data, form.prompt_id.data)

            def store() -> str:
                stored = services.save_pasted(db.session, current_user, activity, lines, base)
                flash(_("%(n)d notater er lagret.", n=len(stored)), "success")
                return url_for("workshop.capture", activity_id=activity.id)

            if done := save_once(form, store):
                return done
    if lines:
        form.checked.data = _fingerprint(form, lines)
    return render_template("workshop/paste.html", activity=activity, process=activity.process, form=form,
                           lines=lines, tables=services.table_labels(db.session, activity))
