"""Thin views: check the role, read the form, call one service function, render or redirect."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.actions import commit, confirmed_action, refuse_form, save, save_once
from hearing.auth import role_required
from hearing.content import Localized, content, theme_name
from hearing.drafting import bp, forms, services
from hearing.exports.views import document_forms, start_document_export
from hearing.extensions import db
from hearing.forms import choices
from hearing.idempotency import new_key, once
from hearing.models import Activity, Draft, Input, Plan, Process, Theme, utcnow
from hearing.pagination import page_arg, paginate


def _part(kind: str, part_id: int):
    if kind not in services.KINDS:
        abort(404)
    return db.get_or_404(services.KINDS[kind].model, part_id)


def _draft_url(obj, *, anchor: bool = True) -> str:
    draft = services.draft_of(obj)
    area = services.focus_area_of(obj)
    return url_for("drafting.draft", draft_id=draft.id) + (f"#fa-{area.id}" if anchor and area is not None else "")


# --- drafts -------------------------------------------------------------------------------------


@bp.route("/process/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def index(process_id: int):
    process = db.get_or_404(Process, process_id)
    drafts = services.drafts_of(db.session, process)
    themes = services.themes_of(db.session, process, with_misc=False)
    form = forms.DraftForm()
    form.theme_ids.choices = choices((t.id, theme_name(t)) for t in themes)
    if form.validate_on_submit():
        def create() -> str:
            chosen = [t for t in themes if t.id in set(form.theme_ids.data or [])]
            draft = services.create_draft(db.session, current_user, process, form.data, copy=form.copy.data, themes=chosen)
            flash(_("%(title)s er opprettet.", title=draft.title), "success")
            if warning := services.focus_area_warning(draft):
                flash(warning, "warning")
            return url_for("drafting.draft", draft_id=draft.id)

        if done := save_once(form, create):
            return done
    return render_template("drafting/index.html", process=process, drafts=drafts, form=form, themes=themes)


@bp.get("/<int:draft_id>")
@role_required("reviewer")
def draft(draft_id: int):
    d = db.get_or_404(Draft, draft_id)
    process = db.session.get(Process, d.process_id)
    quotes = {}
    themes_by_id = {}
    for area in d.focus_areas:
        if area.theme_id and (theme := db.session.get(Theme, area.theme_id)) is not None:
            themes_by_id[area.id] = theme
            quotes[area.id] = services.theme_quotes(db.session, theme)
    return render_template(
        "drafting/draft.html", draft=d, process=process, warning=services.focus_area_warning(d),
        previous=services.previous_draft(db.session, d), themes=services.themes_of(db.session, process, with_misc=False),
        area_themes=themes_by_id, quotes=quotes, new_key=new_key, export_forms=document_forms(),
        hearing=db.session.get(Activity, d.hearing_activity_id) if d.hearing_activity_id else None,
        adopted_plan=db.session.scalar(sa.select(Plan).where(Plan.draft_id == d.id)),
    )


@bp.route("/<int:draft_id>/edit", methods=["GET", "POST"])
@role_required("reviewer")
def draft_edit(draft_id: int):
    d = db.get_or_404(Draft, draft_id)
    form = forms.DraftEditForm(obj=d)
    if form.validate_on_submit() and save(
            form, lambda: services.update_draft(db.session, current_user, d, form.data),
            _("Endringene er lagret.")):
        return redirect(url_for("drafting.draft", draft_id=d.id))
    return render_template("drafting/draft_form.html", form=form, draft=d, process=d.process)


@bp.post("/<int:draft_id>/from-theme/<int:theme_id>")
@role_required("reviewer")
def from_theme(draft_id: int, theme_id: int):
    d = db.get_or_404(Draft, draft_id)
    theme = services.theme_for(db.session, d.process, theme_id) or abort(404)
    form = forms.FromThemeForm()
    if not form.validate_on_submit():
        return redirect(url_for("drafting.draft", draft_id=d.id))

    def create() -> str:
        area = services.add_focus_area_from_theme(db.session, current_user, d, theme)
        flash(_("Satsningsområdet «%(title)s» er startet fra temaet.", title=area.title), "success")
        return url_for("drafting.draft", draft_id=d.id) + f"#fa-{area.id}"

    try:
        return once(form.form_key.data, create)
    except services.ServiceError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("drafting.draft", draft_id=d.id))


# --- parts of a draft ---------------------------------------------------------------------------


def _heading(kind: str, editing: bool) -> str:
    names = {"focus_area": _("satsningsområde"), "goal": _("mål"), "indicator": _("indikator"),
             "strategy": _("strategi"), "measure": _("tiltak")}
    return _("Rediger %(what)s", what=names[kind]) if editing else _("Legg til %(what)s", what=names[kind])


def _part_data(kind: str, form) -> dict:
    return {name: form.data.get(name) for name in services.KINDS[kind].fields}


@bp.route("/add/<kind>/<int:parent_id>", methods=["GET", "POST"])
@role_required("reviewer")
def part_add(kind: str, parent_id: int):
    if kind not in services.KINDS:
        abort(404)
    parent = db.get_or_404(services.KINDS[kind].parent, parent_id)
    form = forms.PART_FORMS[kind]()
    if form.validate_on_submit():
        def create() -> str:
            obj = services.add_part(db.session, current_user, kind, parent, _part_data(kind, form))
            flash(_("Lagt til."), "success")
            if kind == "focus_area" and (warning := services.focus_area_warning(services.draft_of(obj))):
                flash(warning, "warning")
            return _draft_url(obj)

        if done := save_once(form, create):
            return done
    d = parent if isinstance(parent, Draft) else services.draft_of(parent)
    return render_template("drafting/part_form.html", form=form, kind=kind, parent=parent, obj=None, heading=_heading(kind, False), draft=d, process=d.process)


@bp.route("/part/<kind>/<int:part_id>/edit", methods=["GET", "POST"])
@role_required("reviewer")
def part_edit(kind: str, part_id: int):
    obj = _part(kind, part_id)
    form = forms.PART_FORMS[kind](obj=obj)
    if form.validate_on_submit() and save(
            form, lambda: services.update_part(db.session, current_user, obj, _part_data(kind, form)),
            _("Endringene er lagret.")):
        return redirect(_draft_url(obj))
    d = services.draft_of(obj)
    return render_template("drafting/part_form.html", form=form, kind=kind, parent=services.parent_of(obj), obj=obj, heading=_heading(kind, True),
                           draft=d, process=d.process)


@bp.post("/part/<kind>/<int:part_id>/delete")
@role_required("reviewer")
def part_delete(kind: str, part_id: int):
    obj = _part(kind, part_id)
    back = _draft_url(obj, anchor=kind != "focus_area")
    return confirmed_action(lambda: services.delete_part(db.session, current_user, obj), _("Slettet."), back)


@bp.post("/part/<kind>/<int:part_id>/move")
@role_required("reviewer")
def part_move(kind: str, part_id: int):
    obj = _part(kind, part_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    return confirmed_action(lambda: services.move_part(db.session, current_user, obj, direction), "", _draft_url(obj))


# --- where does this come from? -----------------------------------------------------------------


@bp.route("/part/<kind>/<int:part_id>/sources", methods=["GET", "POST"])
@role_required("reviewer")
def sources(kind: str, part_id: int):
    if kind not in services.LINKABLE:
        abort(404)
    obj = _part(kind, part_id)
    d = services.draft_of(obj)
    area = services.focus_area_of(obj)
    themes = services.themes_of(db.session, d.process)
    theme_id = request.args.get("theme", type=int) or (area.theme_id if area else None)
    theme = services.theme_for(db.session, d.process, theme_id)
    form = forms.LinkForm()
    offered = None
    if theme:
        query = services.unlinked_theme_inputs_query(theme, obj)
        offered = paginate(db.session, query, page_arg(request.args))
        form.theme_input_ids.choices = choices((i.id, f"#{i.id}: {i.display_text}") for i in offered)
        if request.method == "POST":
            # What was ticked on the page the reviewer saw; link_inputs checks each belongs to the process.
            ticked = [int(v) for v in request.form.getlist(form.theme_input_ids.name) if v.isdigit()]
            shown = {i.id for i in offered}
            form.theme_input_ids.choices += [(i, f"#{i}") for i in ticked if i not in shown]
    if form.validate_on_submit():
        ids = services.parse_input_ids(form.input_ids.data) + list(form.theme_input_ids.data or [])
        try:
            added = services.link_inputs(db.session, current_user, obj, ids)
            commit()
            flash(_("%(n)d innspill er knyttet til.", n=len(added)), "success")
            return redirect(request.full_path.rstrip("?"))
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template(
        "drafting/sources.html", obj=obj, kind=kind, draft=d, process=d.process, area=area, form=form,
        sources=services.sources_page(db.session, obj, page_arg(request.args, "kilder")), themes=themes,
        theme=theme, offered=offered,
    )


@bp.post("/part/<kind>/<int:part_id>/unlink/<int:input_id>")
@role_required("reviewer")
def unlink(kind: str, part_id: int, input_id: int):
    if kind not in services.LINKABLE:
        abort(404)
    obj = _part(kind, part_id)
    db.get_or_404(Input, input_id)
    return confirmed_action(
        lambda: services.unlink_input(db.session, current_user, obj, input_id),
        _("Koblingen til innspillet er fjernet."),
        url_for("drafting.sources", kind=kind, part_id=obj.id),
    )


# --- diff, hearing, exports ---------------------------------------------------------------------


@bp.get("/<int:draft_id>/diff")
@role_required("reviewer")
def diff(draft_id: int):
    d = db.get_or_404(Draft, draft_id)
    previous = services.previous_draft(db.session, d)
    return render_template("drafting/diff.html", draft=d, process=d.process, previous=previous,
                           areas=services.diff_drafts(previous, d))


def numbered(phase) -> Localized:
    """"2. Slik vil vi ha det": the phase's name in the reader's language, knowing its language."""
    name = content(phase, "name")
    return Localized(f"{phase.position}. {name}", name.lang)


def _send_form(d: Draft) -> forms.SendForm:
    """The send form, prefilled on GET: a public hearing of the plan from now for six weeks, in the hearing phase.

    A POST is read as sent, never filled in with the defaults: an empty POST is refused with what is missing.
    """
    if request.method == "POST":
        form = forms.SendForm()
    else:
        now = utcnow().replace(second=0, microsecond=0)
        phase = services.hearing_phase(d.process)
        form = forms.SendForm(data={"title": services.default_hearing_title(d, d.process)[:200], "opens_dt": now,
                                    "closes_dt": now + services.HEARING_PERIOD, "phase_id": phase.id if phase else 0})
    form.group_ids.choices = choices((g.id, content(g, "name")) for g in d.process.groups)
    form.phase_id.choices = choices([(0, _("Ingen fase"))] + [(p.id, numbered(p)) for p in d.process.phases])
    return form


@bp.route("/<int:draft_id>/send", methods=["GET", "POST"])
@role_required("reviewer")
def send(draft_id: int):
    d = db.get_or_404(Draft, draft_id)
    form = _send_form(d)
    if form.validate_on_submit():
        def create() -> str:
            activity = services.send_on_hearing(db.session, current_user, d, form.data)
            flash(_("Utkastet er sendt på høring: «%(title)s».", title=activity.title), "success")
            return url_for("drafting.draft", draft_id=d.id)

        if done := save_once(form, create):
            return done
    return render_template("drafting/send.html", form=form, draft=d, process=d.process,
                           sections=services.plan_sections(d))


@bp.post("/<int:draft_id>/export/<fmt>")
@role_required("reviewer")
def export(draft_id: int, fmt: str):
    d = db.get_or_404(Draft, draft_id)
    return start_document_export(d, fmt, url_for("drafting.draft", draft_id=d.id))
