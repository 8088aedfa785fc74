"""Thin views: check the role, read the form, call one service, render or redirect.

Processes, groups, activities, prompts, the hearing document, responses and content languages; users,
invitations, personal data, the audit log and accessibility have modules of their own (``*_views.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import defer, selectinload

from hearing.actions import commit, confirmed_action, refuse_form, save, save_once
from hearing.admin import bp, documents, forms, services
from hearing.auth import role_required
from hearing.content import content
from hearing.extensions import db
from hearing.forms import choices
from hearing.idempotency import new_key
from hearing.models import (
    Activity,
    Input,
    Process,
    Prompt,
    StakeholderGroup,
    Submission,
    utcnow,
)
from hearing.pagination import page_arg, paginate
from hearing.participation import services as participation

PLAN_HEARING_MINIMUM = services.PLAN_HEARING_MINIMUM


def _save(form, change, next_url: str):
    """Validate, apply ``change()``, commit and redirect; on a broken rule keep the form with the message."""
    if not form.validate_on_submit() or not save(form, change):
        return None
    flash(_("Endringene er lagret."), "success")
    return redirect(next_url)


@bp.get("/")
@role_required("admin")
def index():
    from hearing.public.services import open_accessibility_reports

    processes = db.session.scalars(sa.select(Process).order_by(Process.created_dt.desc())).all()
    from hearing.mail import outbox_problem

    return render_template("admin/index.html", processes=processes, open_reports=open_accessibility_reports(db.session),
                           mail_problem=outbox_problem(db.session))


# --- processes -------------------------------------------------------------------------------


def _phase_data(form: forms.ProcessForm) -> list[dict]:
    return [entry.form.data for entry in form.phases.entries]


@bp.route("/processes/new", methods=["GET", "POST"])
@role_required("admin")
def process_new():
    form = forms.ProcessForm()
    if request.method == "GET":
        # A new process is written in the reader's language by default, its standard phases too.
        from hearing.content import reader_lang

        form.language.data = reader_lang() if reader_lang() in current_app.config["LANGUAGES"] else "nb"
        while len(form.phases.entries) < len(services.default_phases()):
            form.phases.append_entry()
        for entry, data in zip(form.phases.entries, services.default_phases(form.language.data), strict=True):
            entry.form.name.data = data["name"]
    if form.validate_on_submit():
        def create() -> str:
            process = services.create_process(db.session, current_user, form.data, _phase_data(form))
            flash(_("Prosessen «%(name)s» er opprettet.", name=process.name), "success")
            return url_for("admin.process_view", process_id=process.id)

        if done := save_once(form, create):
            return done
    return render_template("admin/process_form.html", form=form, process=None)


@bp.get("/processes/<int:process_id>")
@role_required("reviewer", "facilitator")
def process_view(process_id: int):
    process = db.get_or_404(Process, process_id)
    overview = services.process_overview(db.session, process)
    return render_template("admin/process_view.html", process=process, overview=overview, now=utcnow())


@bp.route("/processes/<int:process_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def process_edit(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = forms.ProcessForm(obj=process)
    if request.method == "POST" and request.form.get("add_phase"):
        form.phases.append_entry()  # keep what was typed, add an empty row
        return render_template("admin/process_form.html", form=form, process=process)
    done = _save(
        form,
        lambda: services.update_process(db.session, current_user, process, form.data, _phase_data(form)),
        url_for("admin.process_view", process_id=process.id),
    )
    return done or render_template("admin/process_form.html", form=form, process=process)


# --- stakeholder groups ----------------------------------------------------------------------


@bp.route("/processes/<int:process_id>/groups", methods=["GET", "POST"])
@role_required("admin")
def groups(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = forms.GroupForm()
    if form.validate_on_submit():
        def create() -> str:
            group = services.create_group(db.session, current_user, process, form.data)
            flash(_("Gruppen «%(name)s» er lagt til.", name=group.name), "success")
            return url_for("admin.groups", process_id=process.id)

        if done := save_once(form, create):
            return done
    return render_template(
        "admin/groups.html", process=process, form=form, confirm=forms.ConfirmForm(), standard=services.STANDARD_GROUPS
    )


@bp.post("/processes/<int:process_id>/groups/standard")
@role_required("admin")
def groups_standard(process_id: int):
    process = db.get_or_404(Process, process_id)
    if forms.ConfirmForm().validate_on_submit():
        added = services.add_standard_groups(db.session, current_user, process)
        commit()
        flash(_("%(n)d grupper er lagt til.", n=len(added)), "success")
    return redirect(url_for("admin.groups", process_id=process.id))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def group_edit(group_id: int):
    group = db.get_or_404(StakeholderGroup, group_id)
    form = forms.GroupForm(obj=group)
    done = _save(
        form,
        lambda: services.update_group(db.session, current_user, group, form.data),
        url_for("admin.groups", process_id=group.process_id),
    )
    return done or render_template("admin/group_form.html", form=form, group=group, process=group.process)


@bp.post("/groups/<int:group_id>/delete")
@role_required("admin")
def group_delete(group_id: int):
    group = db.get_or_404(StakeholderGroup, group_id)
    return confirmed_action(
        lambda: services.delete_group(db.session, current_user, group),
        _("Gruppen er slettet."),
        url_for("admin.groups", process_id=group.process_id),
    )


# --- activities and prompts ------------------------------------------------------------------


def _activity_form(process: Process, obj: Activity | None = None) -> forms.ActivityForm:
    form = forms.ActivityForm(obj=obj)
    form.phase_id.choices = choices([(0, _("Ingen fase"))] + [(p.id, f"{p.position}. {p.name}") for p in process.phases])
    form.group_ids.choices = choices((g.id, content(g, "name")) for g in process.groups)
    if request.method == "GET" and obj is not None:
        form.group_ids.data = [g.id for g in obj.groups]
        form.phase_id.data = obj.phase_id or 0
    return form


def _deadline_warning(form: forms.ActivityForm) -> str | None:
    """The law's minimum: a plan hearing shorter than six weeks is allowed but flagged."""
    d = form.data
    if services.short_plan_hearing(d.get("kind"), d.get("is_plan_hearing"), d.get("opens_dt"), d.get("closes_dt")):
        return str(services.SHORT_PLAN_HEARING)
    return None


@bp.route("/processes/<int:process_id>/activities/new", methods=["GET", "POST"])
@role_required("admin")
def activity_new(process_id: int):
    process = db.get_or_404(Process, process_id)
    form = _activity_form(process)
    if request.method == "GET" and request.args.get("phase", type=int):
        form.phase_id.data = request.args.get("phase", type=int)
    if form.validate_on_submit():
        def create() -> str:
            activity = services.create_activity(db.session, current_user, process, form.data)
            flash(_("Aktiviteten «%(title)s» er opprettet.", title=activity.title), "success")
            if warning := _deadline_warning(form):
                flash(warning, "warning")
            return url_for("admin.activity_view", activity_id=activity.id)

        if done := save_once(form, create):
            return done
    return render_template("admin/activity_form.html", form=form, process=process, activity=None)


@bp.get("/activities/<int:activity_id>")
@role_required("admin")
def activity_view(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    return render_template(
        "admin/activity_view.html",
        activity=activity,
        process=activity.process,
        prompt_form=forms.PromptForm(),
        confirm=forms.ConfirmForm(),
        warning=_deadline_warning(_activity_form(activity.process, activity)),
        now=utcnow(),
        invitations=participation.invitation_summary(db.session, activity),
    )


@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def activity_edit(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = _activity_form(activity.process, activity)
    done = _save(
        form,
        lambda: services.update_activity(db.session, current_user, activity, form.data),
        url_for("admin.activity_view", activity_id=activity.id),
    )
    if done and (warning := _deadline_warning(form)):
        flash(warning, "warning")
    return done or render_template("admin/activity_form.html", form=form, process=activity.process, activity=activity)


def _prompt_data(form: forms.PromptForm) -> dict:
    return {**form.data, "options": (form.options_text.data or "").splitlines()}


@bp.post("/activities/<int:activity_id>/prompts")
@role_required("admin")
def prompt_add(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    form = forms.PromptForm()
    if form.validate_on_submit():
        def create() -> str:
            services.add_prompt(db.session, current_user, activity, _prompt_data(form))
            flash(_("Spørsmålet er lagt til."), "success")
            return url_for("admin.activity_view", activity_id=activity.id) + "#prompts"

        if done := save_once(form, create):
            return done
    return render_template(
        "admin/activity_view.html",
        activity=activity,
        process=activity.process,
        prompt_form=form,
        confirm=forms.ConfirmForm(),
        warning=None,
        now=utcnow(),
    ), 422


@bp.route("/prompts/<int:prompt_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def prompt_edit(prompt_id: int):
    prompt = db.get_or_404(Prompt, prompt_id)
    form = forms.PromptForm(obj=prompt)
    if request.method == "GET":
        form.options_text.data = "\n".join(prompt.options or [])
    done = _save(
        form,
        lambda: services.update_prompt(db.session, current_user, prompt, _prompt_data(form)),
        url_for("admin.activity_view", activity_id=prompt.activity_id) + "#prompts",
    )
    return done or render_template("admin/prompt_form.html", form=form, prompt=prompt, activity=prompt.activity)


@bp.post("/prompts/<int:prompt_id>/delete")
@role_required("admin")
def prompt_delete(prompt_id: int):
    prompt = db.get_or_404(Prompt, prompt_id)
    return confirmed_action(
        lambda: services.delete_prompt(db.session, current_user, prompt),
        _("Spørsmålet er slettet."),
        url_for("admin.activity_view", activity_id=prompt.activity_id) + "#prompts",
    )


@bp.post("/prompts/<int:prompt_id>/move")
@role_required("admin")
def prompt_move(prompt_id: int):
    prompt = db.get_or_404(Prompt, prompt_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    return confirmed_action(
        lambda: services.move_prompt(db.session, current_user, prompt, direction),
        "",
        url_for("admin.activity_view", activity_id=prompt.activity_id) + "#prompts",
    )


def _form_key(form) -> str:
    """The form's one-time key, or a fresh one: a secret must never come from an empty or made-up key."""
    key = form.form_key.data or ""
    return key if 16 <= len(key) <= 64 else new_key()


# --- hearing document, responses ----------------------------------------------------------------


@bp.route("/activities/<int:activity_id>/document", methods=["GET", "POST"])
@role_required("admin")
def document_edit(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    if activity.kind != "hearing":
        abort(404)
    form = forms.DocumentForm()
    if request.method == "GET":
        form.title.data = activity.document.title if activity.document else activity.title
        form.markdown.data = documents.as_markdown(activity.document)
    if form.validate_on_submit():
        upload = form.upload.data
        try:
            if upload and upload.filename:
                raw = upload.read(10 * 1024 * 1024 + 1)
                if upload.filename.lower().endswith(".docx"):
                    drafts = documents.sections_from_docx(raw)
                else:
                    try:
                        drafts = documents.sections_from_markdown(raw.decode("utf-8-sig"))
                    except UnicodeDecodeError as exc:
                        raise services.ServiceError(_("Filen må være Markdown i UTF-8 eller et Word-dokument (DOCX).")) from exc
                filename = upload.filename
            else:
                drafts, filename = documents.sections_from_markdown(form.markdown.data or ""), ""
            documents.replace_sections(db.session, current_user, activity, form.title.data, drafts, filename=filename)
            commit()
            flash(_("Høringsdokumentet er lagret med %(n)d avsnitt.", n=len(drafts)), "success")
            return redirect(url_for("admin.activity_view", activity_id=activity.id))
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template("admin/document_form.html", form=form, activity=activity, process=activity.process)


@bp.get("/activities/<int:activity_id>/responses")
@role_required("reviewer")
def responses(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
    query = (
        sa.select(Submission)
        .where(Submission.activity_id == activity.id)
        .order_by(Submission.submitted_dt.desc(), Submission.id.desc())
        .options(
            selectinload(Submission.inputs).options(selectinload(Input.section), defer(Input.search_stems)),
            selectinload(Submission.attachments),
            selectinload(Submission.group),
        )
    )
    submissions = paginate(db.session, query, page_arg(request.args))
    results = participation.survey_results(db.session, activity) if activity.kind == "survey" else []
    return render_template("admin/responses.html", activity=activity, process=activity.process, submissions=submissions,
                           results=results)


# --- content in several languages --------------------------------------------------------------


@bp.route("/processes/<int:process_id>/languages", methods=["GET", "POST"])
@role_required("admin")
def process_languages(process_id: int):
    """Titles and descriptions of the process and its parts in the other languages the site offers."""
    from hearing import content

    process = db.get_or_404(Process, process_id)
    form = forms.ConfirmForm()
    items = content.translatable_items(db.session, process)
    others = [code for code in current_app.config["LANGUAGES"] if code != (process.language or "nb")]
    values = {(kind, obj.id, field, lang): text for kind, obj in items
              for (field, lang), text in content.translations(db.session, obj).items()}
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        typed = {}
        for key, text in request.form.items():
            parts = key.split("|")
            if len(parts) != 5 or parts[0] != "t" or not parts[2].isdigit():
                continue
            _t, kind, object_id, field, lang = parts
            if kind not in content.TRANSLATABLE or field not in content.TRANSLATABLE[kind][1] or lang not in others:
                continue
            limit = content.TRANSLATABLE[kind][1][field]
            if len(text.strip()) > limit:
                errors[key] = _("Skriv høyst %(max)d tegn.", max=limit)
            typed[(kind, int(object_id), field, lang)] = text
        if not errors:
            n = content.save_translations(db.session, current_user, process, typed)
            commit()
            flash(_("Endringene er lagret.") + " " + _("Endrede tekster: %(n)d.", n=n), "success")
            return redirect(url_for("admin.process_languages", process_id=process.id))
        values.update(typed)
    return render_template("admin/translations.html", process=process, form=form, items=items, others=others,
                           values=values, errors=errors, fields=content.TRANSLATABLE), (422 if errors else 200)
