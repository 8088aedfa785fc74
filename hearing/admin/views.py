"""Thin views: check the role, read the form, call one service, render or redirect."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import defer, selectinload

from hearing import audit
from hearing.actions import confirmed_action, refuse_form, save
from hearing.admin import bp, documents, forms, services
from hearing.auth import access, role_required
from hearing.content import content
from hearing.extensions import db
from hearing.forms import choices
from hearing.idempotency import key_is_recent, new_key, once, secret_for, url_token
from hearing.links import external_url
from hearing.models import (
    AccessibilityReport,
    Activity,
    Attachment,
    AuditEvent,
    Input,
    Invitation,
    Process,
    Prompt,
    StakeholderGroup,
    Submission,
    User,
    utcnow,
)
from hearing.pagination import page_arg, paginate
from hearing.participation import services as participation
from hearing.privacy import records

PLAN_HEARING_MINIMUM = services.PLAN_HEARING_MINIMUM


def _get(model, ident):
    if ident is None:
        abort(404)
    return db.session.get(model, ident) or abort(404)


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

        try:
            return once(form.form_key.data, create)
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template("admin/process_form.html", form=form, process=None)


@bp.get("/processes/<int:process_id>")
@role_required("reviewer", "facilitator")
def process_view(process_id: int):
    process = _get(Process, process_id)
    overview = services.process_overview(db.session, process)
    return render_template("admin/process_view.html", process=process, overview=overview, now=utcnow())


@bp.route("/processes/<int:process_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def process_edit(process_id: int):
    process = _get(Process, process_id)
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
    process = _get(Process, process_id)
    form = forms.GroupForm()
    if form.validate_on_submit():
        def create() -> str:
            group = services.create_group(db.session, current_user, process, form.data)
            flash(_("Gruppen «%(name)s» er lagt til.", name=group.name), "success")
            return url_for("admin.groups", process_id=process.id)

        try:
            return once(form.form_key.data, create)
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template(
        "admin/groups.html", process=process, form=form, confirm=forms.ConfirmForm(), standard=services.STANDARD_GROUPS
    )


@bp.post("/processes/<int:process_id>/groups/standard")
@role_required("admin")
def groups_standard(process_id: int):
    process = _get(Process, process_id)
    if forms.ConfirmForm().validate_on_submit():
        added = services.add_standard_groups(db.session, current_user, process)
        db.session.commit()
        flash(_("%(n)d grupper er lagt til.", n=len(added)), "success")
    return redirect(url_for("admin.groups", process_id=process.id))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def group_edit(group_id: int):
    group = _get(StakeholderGroup, group_id)
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
    group = _get(StakeholderGroup, group_id)
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
    process = _get(Process, process_id)
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

        try:
            return once(form.form_key.data, create)
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template("admin/activity_form.html", form=form, process=process, activity=None)


@bp.get("/activities/<int:activity_id>")
@role_required("admin")
def activity_view(activity_id: int):
    activity = _get(Activity, activity_id)
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
    activity = _get(Activity, activity_id)
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
    activity = _get(Activity, activity_id)
    form = forms.PromptForm()
    if form.validate_on_submit():
        def create() -> str:
            services.add_prompt(db.session, current_user, activity, _prompt_data(form))
            flash(_("Spørsmålet er lagt til."), "success")
            return url_for("admin.activity_view", activity_id=activity.id) + "#prompts"

        try:
            return once(form.form_key.data, create)
        except services.ServiceError as exc:
            refuse_form(form, exc)
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
    prompt = _get(Prompt, prompt_id)
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
    prompt = _get(Prompt, prompt_id)
    return confirmed_action(
        lambda: services.delete_prompt(db.session, current_user, prompt),
        _("Spørsmålet er slettet."),
        url_for("admin.activity_view", activity_id=prompt.activity_id) + "#prompts",
    )


@bp.post("/prompts/<int:prompt_id>/move")
@role_required("admin")
def prompt_move(prompt_id: int):
    prompt = _get(Prompt, prompt_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    return confirmed_action(
        lambda: services.move_prompt(db.session, current_user, prompt, direction),
        "",
        url_for("admin.activity_view", activity_id=prompt.activity_id) + "#prompts",
    )


# --- users -----------------------------------------------------------------------------------


@bp.get("/users")
@role_required("admin")
def users():
    from hearing.models import ProcessAccess

    rows = db.session.scalars(sa.select(User).order_by(User.name)).all()
    counts = dict(db.session.execute(sa.select(ProcessAccess.user_id, sa.func.count()).group_by(ProcessAccess.user_id)).all())
    return render_template("admin/users.html", users=rows, access_counts=counts)


def _form_key(form) -> str:
    """The form's one-time key, or a fresh one: a secret must never come from an empty or made-up key."""
    key = form.form_key.data or ""
    return key if 16 <= len(key) <= 64 else new_key()


def _staff_link(token: str) -> str:
    return external_url("auth.set_password", token=token)


def _send_staff_link(user: User) -> None:
    """E-mail ``user`` a one-time link to choose a password: an invitation for someone who has never
    logged in, else a reset link (the old password works until the link is used)."""
    from hearing.auth import services as auth_services

    if user.last_login_dt is None:
        auth_services.invite_staff(db.session, current_user, user, link_for=_staff_link, lang=None,
                                   days=int(current_app.config["STAFF_INVITATION_DAYS"]))
    else:
        minutes = int(current_app.config["PASSWORD_RESET_MINUTES"])
        token = auth_services.issue_user_token(db.session, user, "password_reset", lifetime=timedelta(minutes=minutes))
        from hearing.mail import link_in_language, queue_mail, recipient_language

        # the user's language, not the administrator's page language
        lang = recipient_language(user.lang)
        queue_mail(db.session, to=user.email, template="password_reset", lang=lang,
                   link=link_in_language(_staff_link(token), lang, current_app.config["BABEL_DEFAULT_LOCALE"]),
                   minutes=minutes, email=user.email)
        audit.record(db.session, current_user, "user.reset_link_sent", user)


def _access_choices(form, user: User | None = None) -> None:
    """The process checkboxes of a user form, and on a first view the user's access."""
    form.process_ids.choices = choices((p.id, content(p, "name")) for p in db.session.scalars(sa.select(Process).order_by(Process.name)))
    if request.method == "GET" and user is not None:
        form.all_processes.data = "1" if user.all_processes else "0"
        form.process_ids.data = sorted(access.visible_process_ids(db.session, user) or [])


def _save_access(form, user: User) -> None:
    access.set_access(db.session, current_user, user, all_processes=form.all_processes.data != "0",
                      process_ids=form.process_ids.data or [])


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_new():
    form = forms.NewUserForm()
    _access_choices(form)
    if request.method == "GET":
        form.lang.data = current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        key, chosen = _form_key(form), form.password.data

        def create() -> str:
            # Without a chosen password the account gets one nobody knows, and the person chooses their own
            # through the invitation e-mail (no temporary password is shown or sent).
            user = services.create_user(db.session, current_user, {**form.data, "password": chosen or new_key() + new_key()})
            _save_access(form, user)
            if chosen:
                flash(_("Brukeren er opprettet."), "success")
            else:
                _send_staff_link(user)
                flash(_("Brukeren er opprettet. En invitasjon med lenke for å velge passord er sendt til %(email)s.",
                        email=user.email), "success")
            return url_for("admin.users")

        try:
            return once(key, create)
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def user_edit(user_id: int):
    user = _get(User, user_id)
    form = forms.UserForm(obj=user)
    form.email.render_kw = {"readonly": True}
    if request.method == "POST":
        form.email.data = user.email  # the login name does not change here
    elif not user.lang:
        form.lang.data = current_app.config["BABEL_DEFAULT_LOCALE"]
    _access_choices(form, user)

    def change() -> None:
        services.update_user(db.session, current_user, user, form.data)
        _save_access(form, user)

    done = _save(form, change, url_for("admin.users"))
    return done or render_template("admin/user_form.html", form=form, user=user, reset_form=forms.ResetPasswordForm())


@bp.post("/users/<int:user_id>/password")
@role_required("admin")
def user_password(user_id: int):
    user = _get(User, user_id)
    form = forms.ResetPasswordForm()
    form.policy_user = user
    if form.validate_on_submit():
        key, chosen = _form_key(form), form.password.data

        def reset() -> str:
            if chosen:
                services.reset_password(db.session, current_user, user, chosen)
                flash(_("Passordet er endret. Brukeren er logget ut av andre økter."), "success")
            else:
                _send_staff_link(user)
                flash(_("En lenke for å lage et nytt passord er sendt til %(email)s.", email=user.email), "success")
            return url_for("admin.users")

        return once(key, reset)
    return render_template("admin/user_form.html", form=forms.UserForm(obj=user), user=user, reset_form=form), 422


# --- audit log -------------------------------------------------------------------------------


@bp.get("/audit")
@role_required("admin")
def audit_log():
    q = sa.select(AuditEvent).order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
    process = None
    if pid := request.args.get("process", type=int):
        process = _get(Process, pid)
        q = q.where(AuditEvent.process_id == pid)
    page = max(request.args.get("page", 1, type=int), 1)
    events = db.session.scalars(q.limit(101).offset((page - 1) * 100)).all()
    actors = {u.id: u for u in db.session.scalars(sa.select(User)).all()}
    return render_template(
        "admin/audit.html", events=events[:100], has_more=len(events) > 100, page=page, process=process, actors=actors
    )


# --- hearing document, invitations, responses ------------------------------------------------


@bp.route("/activities/<int:activity_id>/document", methods=["GET", "POST"])
@role_required("admin")
def document_edit(activity_id: int):
    activity = _get(Activity, activity_id)
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
            db.session.commit()
            flash(_("Høringsdokumentet er lagret med %(n)d avsnitt.", n=len(drafts)), "success")
            return redirect(url_for("admin.activity_view", activity_id=activity.id))
        except services.ServiceError as exc:
            refuse_form(form, exc)
    return render_template("admin/document_form.html", form=form, activity=activity, process=activity.process)


@bp.route("/activities/<int:activity_id>/invitations", methods=["GET", "POST"])
@role_required("admin")
def invitations(activity_id: int):
    activity = _get(Activity, activity_id)
    form = forms.InvitationForm()
    form.group_id.choices = choices([(0, _("Ingen bestemt gruppe"))] + [(g.id, content(g, "name")) for g in activity.process.groups])
    if request.method == "GET":
        form.lang.data = activity.process.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        group = next((g for g in activity.process.groups if g.id == form.group_id.data), None)
        if form.remind_days_before.data and activity.closes_dt is None:
            form.remind_days_before.errors = [_("Aktiviteten har ingen frist å minne om. Sett en frist først, eller la feltet stå tomt.")]
        else:
            key = _form_key(form)

            def create() -> str:
                inv, _token = participation.create_invitation(
                    db.session, current_user, activity, body_name=form.body_name.data, group=group, seed=key,
                    secret_key=current_app.config["SECRET_KEY"], email=form.email.data,
                    remind_days_before=form.remind_days_before.data, lang=form.lang.data,
                    link_for=lambda token: external_url("participation.invitation", token=token))
                if inv.email:
                    flash(_("Invitasjonen til %(body)s er lagt i e-postkøen til %(email)s.", body=inv.body_name, email=inv.email), "success")
                return url_for("admin.invitation_secret", invitation_id=inv.id, key=key)

            return once(key, create)
    return render_template("admin/invitations.html", form=form, activity=activity, process=activity.process,
                           invitations=participation.invitation_rows(db.session, activity))


def _invitation_token(key: str) -> str:
    return url_token(secret_for(key, "invitation"))


@bp.get("/invitations/<int:invitation_id>/lenke")
@role_required("admin")
def invitation_secret(invitation_id: int):
    """The link a form just made, shown again on a reload or double click for an hour (only its hash is stored)."""
    invitation = _get(Invitation, invitation_id)
    key = request.args.get("key", "")
    token = _invitation_token(key) if key_is_recent(key) else None
    valid = token is not None and participation.token_hash(token) == invitation.token_hash and invitation.revoked_dt is None
    return render_template(
        "admin/secret.html", title=_("Invitasjonslenke til %(body)s", body=invitation.body_name), label=_("Lenke"),
        secret=external_url("participation.invitation", token=token) if valid else None,
        process=invitation.activity.process, back=url_for("admin.invitations", activity_id=invitation.activity_id),
        back_label=_("Tilbake til invitasjonslenkene"),
    ), 200 if valid else 410


@bp.post("/invitations/<int:invitation_id>/revoke")
@role_required("admin")
def invitation_revoke(invitation_id: int):
    invitation = _get(Invitation, invitation_id)
    return confirmed_action(
        lambda: participation.revoke_invitation(db.session, current_user, invitation),
        _("Lenken er trukket tilbake."),
        url_for("admin.invitations", activity_id=invitation.activity_id),
    )


@bp.get("/activities/<int:activity_id>/responses")
@role_required("reviewer")
def responses(activity_id: int):
    activity = _get(Activity, activity_id)
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


@bp.route("/attachments/<int:attachment_id>", methods=["GET", "POST"])
@role_required("reviewer")
def attachment(attachment_id: int):
    """An attachment is not masked: a warning first, a masked text to read, and the original only after a
    confirmed (and recorded) choice."""
    from hearing.participation.views import send_attachment
    from hearing.privacy.extract import READABLE

    att = _get(Attachment, attachment_id)
    form = forms.ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        response = send_attachment(att)  # 404 before anything is recorded when the file is gone
        audit.record(db.session, current_user, "attachment.download", att, process_id=att.submission.activity.process_id,
                     submission_id=att.submission_id, warned=True)
        db.session.commit()
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

    att = _get(Attachment, attachment_id)
    if not (Path(current_app.config["UPLOAD_FOLDER"]) / att.storage_name).is_file():
        abort(404)
    stored = extracts.stored_extract(att)
    process = att.submission.activity.process
    if stored is None:
        job = extracts.extract_job(db.session, att, current_user, again=request.args.get("igjen") == "1")
        db.session.commit()
        db.session.refresh(job)
        if request.accept_mimetypes.best == "application/json":
            return jsonify(progress_view(job))
        return render_template("admin/attachment_text.html", att=att, extract=None, problem=None, job=job,
                               process=process)
    audit.record(db.session, current_user, "attachment.view_masked", att, process_id=process.id,
                 submission_id=att.submission_id)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"status": "done", "finished": True, "progress": 100, "message": "", "error": None,
                        "status_label": ""})
    extract = SimpleNamespace(text=stored["text"], is_cut=stored.get("is_cut", False)) if "text" in stored else None
    return render_template("admin/attachment_text.html", att=att, extract=extract, problem=stored.get("problem"),
                           job=None, process=process)


# --- personal data -----------------------------------------------------------------------------


@bp.route("/privacy", methods=["GET", "POST"])
@role_required("admin")
def privacy():
    """Find and delete one person's responses by e-mail address."""
    email = (request.values.get("email") or "").strip().lower()
    found = records.submissions_by_email(db.session, email) if email else []
    if request.method == "POST" and forms.ConfirmForm().validate_on_submit() and found:
        for sub in found:
            records.delete_submission(db.session, current_user, sub, current_app.config["UPLOAD_FOLDER"], reason="person request")
        db.session.commit()
        flash(_("%(n)d svar fra %(email)s er slettet.", n=len(found), email=email), "success")
        return redirect(url_for("admin.privacy"))
    return render_template("admin/privacy.html", email=email, found=found, confirm=forms.ConfirmForm())


@bp.get("/inputs/<int:input_id>/original")
@role_required("admin")
def input_original(input_id: int):
    """The unmasked text; each look is recorded."""
    inp = _get(Input, input_id)
    audit.record(db.session, current_user, "input.view_original", inp, process_id=inp.activity.process_id)
    db.session.commit()
    return render_template("admin/input_original.html", input=inp, process=inp.activity.process)


@bp.route("/accessibility-reports", methods=["GET", "POST"])
@role_required("admin")
def accessibility_reports():
    if request.method == "POST" and forms.ConfirmForm().validate_on_submit():
        report = _get(AccessibilityReport, request.form.get("report_id", type=int))
        report.handled_dt = utcnow()
        audit.record(db.session, current_user, "accessibility_report.handle", report)
        db.session.commit()
        return redirect(url_for("admin.accessibility_reports"))
    reports = db.session.scalars(sa.select(AccessibilityReport).order_by(AccessibilityReport.created_dt.desc())).all()
    from hearing.models import AccessibilityReply

    answered = dict(db.session.execute(sa.select(AccessibilityReply.report_id, sa.func.count(AccessibilityReply.id))
                                       .group_by(AccessibilityReply.report_id)).all())
    return render_template("admin/accessibility_reports.html", reports=reports, answered=answered)


@bp.route("/accessibility-reports/<int:report_id>", methods=["GET", "POST"])
@role_required("admin")
def accessibility_report(report_id: int):
    """One reported problem, the replies given so far, and a reply (sent by e-mail when the person gave one)."""
    from hearing import accessibility as a11y

    report = _get(AccessibilityReport, report_id)
    form = forms.ConfirmForm()
    errors, typed = {}, {"body": "", "send": True, "handled": False}
    if form.validate_on_submit():
        typed = {"body": request.form.get("body", ""), "send": bool(request.form.get("send")),
                 "handled": bool(request.form.get("handled"))}
        try:
            entry = a11y.reply(db.session, current_user, report, typed["body"], send=typed["send"], handled=typed["handled"])
            db.session.commit()
            flash(_("Svaret er sendt på e-post og lagret.") if entry.emailed else _("Svaret er lagret."), "success")
            return redirect(url_for("admin.accessibility_report", report_id=report.id))
        except a11y.StatementError as exc:
            db.session.rollback()
            errors = {k: str(v) for k, v in exc.errors.items()}
    replies = a11y.replies(db.session, report)
    authors = {u.id: u.name for u in db.session.scalars(sa.select(User).where(User.id.in_({r.author_id for r in replies})))}
    return render_template("admin/accessibility_report.html", report=report, replies=replies, authors=authors,
                           form=form, errors=errors, typed=typed), (422 if errors else 200)


@bp.route("/accessibility", methods=["GET", "POST"])
@role_required("admin")
def accessibility_statement():
    """The accessibility statement: organisation, address, contact, reply time, complaint route, status per criterion."""
    from hearing import accessibility as a11y

    form = forms.ConfirmForm()
    statement = a11y.statement(db.session)
    items = a11y.criteria(db.session)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        f = request.form
        last_tested = None
        if f.get("last_tested"):
            try:
                last_tested = date.fromisoformat(f["last_tested"])
            except ValueError:
                errors["last_tested"] = _("Skriv datoen som dd.mm.åååå.")
        reply_days = f.get("reply_days", "").strip()
        data = {k: f.get(k, "") for k in ("organisation", "org_number", "covered_url", "uustatus_url", "contact_email",
                                          "complaint_body", "test_notes")}
        data["reply_days"] = int(reply_days) if reply_days.isdigit() else None
        data["last_tested"] = last_tested
        typed = {c.number: {k: f.get(f"{c.field_id}-{k}", "") for k in ("status", "deviation", "consequence", "plan")}
                 for c in items}
        try:
            if errors:
                raise a11y.StatementError({})
            a11y.save(db.session, current_user, data, typed)
            db.session.commit()
            flash(_("Tilgjengelighetserklæringen er lagret."), "success")
            return redirect(url_for("admin.accessibility_statement"))
        except a11y.StatementError as exc:
            db.session.rollback()
            errors.update({k: str(v) for k, v in exc.errors.items()})
            # Show what was typed, with the messages (not on the stored row: nothing half-checked may be flushed).
            statement = SimpleNamespace(**{k: data[k] for k in ("organisation", "org_number", "covered_url", "uustatus_url",
                                                                 "contact_email", "complaint_body", "test_notes")},
                                        reply_days=reply_days, last_tested=f.get("last_tested", ""))
            for c in items:
                for key, value in typed[c.number].items():
                    setattr(c, key, value)
    return render_template("admin/accessibility_statement.html", form=form, statement=statement, criteria=items,
                           errors=errors, statuses=a11y.STATUSES, complaint_bodies=a11y.COMPLAINT_BODIES,
                           summary=a11y.summary(items)), (422 if errors else 200)


# --- content in several languages --------------------------------------------------------------


@bp.route("/processes/<int:process_id>/languages", methods=["GET", "POST"])
@role_required("admin")
def process_languages(process_id: int):
    """Titles and descriptions of the process and its parts in the other languages the site offers."""
    from hearing import content

    process = _get(Process, process_id)
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
            db.session.commit()
            flash(_("Endringene er lagret.") + " " + _("Endrede tekster: %(n)d.", n=n), "success")
            return redirect(url_for("admin.process_languages", process_id=process.id))
        values.update(typed)
    return render_template("admin/translations.html", process=process, form=form, items=items, others=others,
                           values=values, errors=errors, fields=content.TRANSLATABLE), (422 if errors else 200)
