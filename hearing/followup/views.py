"""Thin views: check the role, read the form, call one service function, render or redirect."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.actions import commit, confirmed_action, save, save_once
from hearing.auth import public, role_required
from hearing.content import page_lang
from hearing.core.web import download
from hearing.documents import revisions as revision_files
from hearing.drafting.services import drafts_of
from hearing.extensions import db, limiter
from hearing.followup import bp, forms, services, spreadsheet
from hearing.followup import revision as revision_service
from hearing.forms import choices
from hearing.idempotency import key_is_recent, once, secret_for, url_token
from hearing.links import external_url
from hearing.models import Draft, Plan, PlanMeasure, Process, Unit


def _plan_url(plan: Plan, **kw) -> str:
    return url_for("followup.index", process_id=plan.process_id, **kw)


# --- staff: the plan and its measures -------------------------------------------------------------


@bp.route("/followup/process/<int:process_id>", methods=["GET", "POST"])
@role_required("reviewer")
def index(process_id: int):
    process = db.get_or_404(Process, process_id)
    plan = services.plan_of(db.session, process)
    if plan is None:
        drafts = drafts_of(db.session, process)
        form = forms.AdoptForm()
        form.draft_id.choices = choices((d.id, d.title) for d in reversed(drafts))
        if form.validate_on_submit():
            def adopt() -> str:
                draft = db.get_or_404(Draft, form.draft_id.data)
                if draft.process_id != process.id:
                    abort(404)
                new = services.adopt_draft(db.session, current_user, draft, form.data)
                flash(_("%(title)s er vedtatt. %(n)d tiltak følges nå opp.", title=new.title, n=len(new.measures)), "success")
                return url_for("followup.index", process_id=process.id)

            if done := save_once(form, adopt):
                return done
        return render_template("followup/adopt.html", process=process, form=form, drafts=drafts)
    filters = services.parse_filters(request.args)
    view = services.followup_view(db.session, plan, filters)
    link_forms = {u.id: forms.UnitLinkForm(prefix=f"link{u.id}") for u in view.units}
    return render_template("followup/index.html", process=process, plan=plan, view=view, filters=filters,
                           status_labels=services.STATUS_LABELS, this_year=revision_service.years_of(plan)[-1],
                           link_forms=link_forms, publicly_visible=services.is_publicly_visible(db.session, plan))


@bp.route("/followup/plan/<int:plan_id>/edit", methods=["GET", "POST"])
@role_required("reviewer")
def plan_edit(plan_id: int):
    plan = db.get_or_404(Plan, plan_id)
    form = forms.PlanForm(obj=plan)
    if form.validate_on_submit() and save(form, lambda: services.update_plan(db.session, current_user, plan, form.data),
                                          _("Endringene er lagret.")):
        return redirect(_plan_url(plan))
    return render_template("followup/plan_form.html", plan=plan, process=plan.process, form=form)


@bp.get("/followup/plan/<int:plan_id>/matrix")
@role_required("reviewer")
def matrix(plan_id: int):
    plan = db.get_or_404(Plan, plan_id)
    return render_template("followup/matrix.html", plan=plan, process=plan.process,
                           matrix=services.matrix(db.session, plan), status_labels=services.STATUS_LABELS)


def _measure_forms(pm: PlanMeasure):
    update = forms.UpdateForm(prefix="u", data={"status": pm.status, "progress": str(pm.progress)})
    details = forms.MeasureDetailsForm(prefix="d", data={
        "text": pm.text, "unit": pm.unit.name if pm.unit else "", "contact": pm.contact,
        "start_date": pm.start_date, "due_date": pm.due_date})
    strategies = forms.StrategiesForm(prefix="s", data={"strategy_ids": [s.id for s in pm.strategies]})
    strategies.strategy_ids.choices = choices(
        (s.id, f"{s.focus_area.title}: {s.text}") for s in services.plan_strategies(pm.plan))
    return update, details, strategies


def _render_measure(pm: PlanMeasure, update, details, strategies):
    return render_template(
        "followup/measure.html", pm=pm, plan=pm.plan, process=pm.plan.process, update_form=update,
        details_form=details, strategies_form=strategies, status_labels=services.STATUS_LABELS,
        sources=services.sources_of(db.session, pm), units=services.units_of(db.session, pm.plan.process_id),
    )


@bp.get("/followup/measure/<int:measure_id>")
@role_required("reviewer")
def measure(measure_id: int):
    pm = db.get_or_404(PlanMeasure, measure_id)
    return _render_measure(pm, *_measure_forms(pm))


@bp.post("/followup/measure/<int:measure_id>/update")
@role_required("reviewer")
def measure_update(measure_id: int):
    pm = db.get_or_404(PlanMeasure, measure_id)
    update, details, strategies = _measure_forms(pm)
    if update.validate_on_submit():
        def store() -> str:
            data = {"status": update.status.data, "progress": update.progress.data, "text": update.text.data,
                    "update_date": update.update_date.data}
            if services.record_update(db.session, current_user, pm, data) is None:
                flash(_("Ingenting nytt å lagre: status og fremdrift er de samme, og det er ingen kommentar."), "info")
            else:
                flash(_("Oppdateringen er lagret."), "success")
            return url_for("followup.measure", measure_id=pm.id) + "#timeline"

        if done := save_once(update, store):
            return done
    return _render_measure(pm, update, details, strategies), 422


@bp.post("/followup/measure/<int:measure_id>/details")
@role_required("reviewer")
def measure_details(measure_id: int):
    pm = db.get_or_404(PlanMeasure, measure_id)
    update, details, strategies = _measure_forms(pm)
    if details.validate_on_submit() and save(
            details, lambda: services.update_measure_details(db.session, current_user, pm, details.data),
            _("Endringene er lagret.")):
        return redirect(url_for("followup.measure", measure_id=pm.id))
    return _render_measure(pm, update, details, strategies), 422


@bp.post("/followup/measure/<int:measure_id>/strategies")
@role_required("reviewer")
def measure_strategies(measure_id: int):
    pm = db.get_or_404(PlanMeasure, measure_id)
    update, details, strategies = _measure_forms(pm)
    if strategies.validate_on_submit() and save(
            strategies, lambda: services.set_strategies(db.session, current_user, pm, strategies.strategy_ids.data or []),
            _("Strategiene er lagret.")):
        return redirect(url_for("followup.measure", measure_id=pm.id) + "#strategies")
    return _render_measure(pm, update, details, strategies), 422


# --- staff: a unit's spreadsheet ----------------------------------------------------------------


def _unit_of(plan: Plan, unit_id: int) -> Unit:
    unit = db.get_or_404(Unit, unit_id)
    if unit.process_id != plan.process_id:
        abort(404)
    return unit


@bp.get("/followup/plan/<int:plan_id>/units/<int:unit_id>/xlsx")
@role_required("reviewer")
def unit_xlsx(plan_id: int, unit_id: int):
    plan = db.get_or_404(Plan, plan_id)
    unit = _unit_of(plan, unit_id)
    return download(spreadsheet.unit_workbook(plan, unit), mimetype=spreadsheet.MIMETYPE,
                    filename=spreadsheet.file_name(plan, unit))


@bp.route("/followup/plan/<int:plan_id>/units/<int:unit_id>/upload", methods=["GET", "POST"])
@role_required("reviewer")
def unit_upload(plan_id: int, unit_id: int):
    plan = db.get_or_404(Plan, plan_id)
    unit = _unit_of(plan, unit_id)
    form = forms.UploadForm()
    row_errors: list[str] = []
    if form.validate_on_submit():
        raw = form.file.data.read(spreadsheet.MAX_BYTES + 1)
        try:
            result = spreadsheet.read_upload(db.session, plan, unit, raw)
        except services.ServiceError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        else:
            if result.errors:
                db.session.rollback()
                row_errors = result.errors
                form.file.errors.append(_("Filen har feil i %(n)d rader. Ingenting er lagret; rett radene og last opp filen igjen.",
                                          n=len(result.errors)))
            else:
                def store() -> str:
                    spreadsheet.apply_upload(db.session, current_user, plan, unit, result)
                    flash(_("Regnearket er lest: %(applied)d tiltak oppdatert, %(unchanged)d uendret.",
                            applied=result.applied, unchanged=result.unchanged), "success")
                    return url_for("followup.index", process_id=plan.process_id, enhet=unit.id)

                return once(form.form_key.data, store)
    measures = spreadsheet.unit_measures(plan, unit)
    return render_template("followup/upload.html", plan=plan, process=plan.process, unit=unit, form=form,
                           row_errors=row_errors, measures=measures, status_labels=services.STATUS_LABELS), \
        (422 if form.errors or row_errors else 200)


# --- staff: a unit's secret link ------------------------------------------------------------------


def _unit_token(key: str) -> str:
    return url_token(secret_for(key, "unit-link"))


@bp.post("/followup/plan/<int:plan_id>/units/<int:unit_id>/link")
@role_required("reviewer")
def unit_link(plan_id: int, unit_id: int):
    plan = db.get_or_404(Plan, plan_id)
    unit = _unit_of(plan, unit_id)
    form = forms.UnitLinkForm(prefix=f"link{unit.id}")
    if not form.validate_on_submit() or not form.form_key.data:
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(_plan_url(plan) + "#units")
    key = form.form_key.data[:64]

    def create() -> str:
        services.create_unit_link(db.session, current_user, unit, _unit_token(key))
        return url_for("followup.unit_link_secret", plan_id=plan.id, unit_id=unit.id, key=key)

    return once(key, create)


@bp.get("/followup/plan/<int:plan_id>/units/<int:unit_id>/link")
@role_required("reviewer")
def unit_link_secret(plan_id: int, unit_id: int):
    """The link a form just made, shown again on a reload for an hour (only its hash is stored)."""
    plan = db.get_or_404(Plan, plan_id)
    unit = _unit_of(plan, unit_id)
    return _unit_link_page(plan, unit, request.args.get("key", ""))


def _unit_link_page(plan: Plan, unit: Unit, key: str, mail_form=None, status: int = 200):
    token = _unit_token(key) if key_is_recent(key) else None
    valid = token is not None and services.link_matches(unit, token)
    if mail_form is None:
        mail_form = forms.UnitLinkMailForm(formdata=None, lang=plan.process.language)
    return render_template(
        "followup/unit_link_secret.html", title=_("Lenke for %(unit)s", unit=unit.name), label=_("Lenke"),
        secret=external_url("followup.unit_page", token=token) if valid else None,
        process=plan.process, back=_plan_url(plan) + "#units", back_label=_("Tilbake til oppfølgingen"),
        mail_form=mail_form, send_url=url_for("followup.unit_link_send", plan_id=plan.id, unit_id=unit.id, key=key),
    ), status if valid else 410


@bp.post("/followup/plan/<int:plan_id>/units/<int:unit_id>/link/send")
@role_required("reviewer")
def unit_link_send(plan_id: int, unit_id: int):
    """The link just made, e-mailed to the unit's leader (while the page may still show it: an hour)."""
    plan = db.get_or_404(Plan, plan_id)
    unit = _unit_of(plan, unit_id)
    key = request.args.get("key", "")
    token = _unit_token(key) if key_is_recent(key) else None
    if token is None or not services.link_matches(unit, token):
        return _unit_link_page(plan, unit, key)
    form = forms.UnitLinkMailForm()
    if not form.validate_on_submit():
        return _unit_link_page(plan, unit, key, mail_form=form, status=422)
    sent = services.send_unit_link(db.session, current_user, plan, unit, email=form.email.data, lang=form.lang.data,
                                   link=external_url("followup.unit_page", token=token))
    commit()
    if sent:
        flash(_("Lenken er lagt i e-postkøen til %(email)s.", email=form.email.data.strip().lower()), "success")
    else:
        flash(_("Lenken er allerede sendt til %(email)s.", email=form.email.data.strip().lower()), "info")
    return redirect(url_for("followup.unit_link_secret", plan_id=plan.id, unit_id=unit.id, key=key))


@bp.post("/followup/plan/<int:plan_id>/units/<int:unit_id>/link/revoke")
@role_required("reviewer")
def unit_link_revoke(plan_id: int, unit_id: int):
    plan = db.get_or_404(Plan, plan_id)
    unit = _unit_of(plan, unit_id)
    return confirmed_action(lambda: services.revoke_unit_link(db.session, current_user, unit),
                            _("Lenken er trukket tilbake."), _plan_url(plan) + "#units")


# --- a unit leader's page (secret link, no account) -------------------------------------------------


def _public_rate_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


def _by_token(token: str) -> tuple[Plan, Unit]:
    unit = services.unit_by_token(db.session, token) or abort(404)
    plan = services.plan_of(db.session, db.session.get(Process, unit.process_id)) or abort(404)
    return plan, unit


def _private(response, status: int = 200):
    """A page reached by a secret link: not cached, and the link is sent on as a referrer only to this site."""
    resp = current_app.make_response((response, status))
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Referrer-Policy"] = "same-origin"  # the link is secret; the same site may see it (the form's CSRF check over HTTPS needs a Referer)
    return resp


def _render_unit_page(token: str, plan: Plan, unit: Unit, update_forms=None, upload=None, row_errors=(), status=200):
    measures = spreadsheet.unit_measures(plan, unit)
    update_forms = update_forms or {}
    for pm in measures:
        update_forms.setdefault(pm.id, forms.UpdateForm(prefix=f"m{pm.id}", data={"status": pm.status, "progress": str(pm.progress)}))
    return _private(render_template(
        "followup/unit_page.html", token=token, plan=plan, unit=unit, measures=measures, update_forms=update_forms,
        upload_form=upload or forms.UploadForm(), row_errors=row_errors, status_labels=services.STATUS_LABELS,
        publicly_visible=services.is_publicly_visible(db.session, plan),
    ), status)


@bp.get("/enhet/<token>")
@public
def unit_page(token: str):
    plan, unit = _by_token(token)
    return _render_unit_page(token, plan, unit)


@bp.post("/enhet/<token>/tiltak/<int:measure_id>")
@public
@limiter.limit(_public_rate_limit, methods=["POST"])
def unit_measure_update(token: str, measure_id: int):
    plan, unit = _by_token(token)
    pm = services.measure_in_plan(db.session, plan, measure_id)
    if pm is None or pm.unit_id != unit.id:
        abort(404)
    form = forms.UpdateForm(prefix=f"m{pm.id}")
    if form.validate_on_submit():
        def store() -> str:
            data = {"status": form.status.data, "progress": form.progress.data, "text": form.text.data,
                    "update_date": form.update_date.data}
            if services.record_update(db.session, None, pm, data, via_unit_link=True) is None:
                flash(_("Ingenting nytt å lagre: status og fremdrift er de samme, og det er ingen kommentar."), "info")
            else:
                flash(_("Oppdateringen av «%(measure)s» er lagret. Takk!", measure=pm.text), "success")
            return url_for("followup.unit_page", token=token) + f"#m-{pm.id}"

        if done := save_once(form, store):
            return done
    return _render_unit_page(token, plan, unit, update_forms={pm.id: form}, status=422)


@bp.get("/enhet/<token>/regneark.xlsx")
@public
def unit_page_xlsx(token: str):
    plan, unit = _by_token(token)
    return download(spreadsheet.unit_workbook(plan, unit), mimetype=spreadsheet.MIMETYPE,
                    filename=spreadsheet.file_name(plan, unit), secret_link=True)


@bp.post("/enhet/<token>/last-opp")
@public
@limiter.limit(_public_rate_limit, methods=["POST"])
def unit_page_upload(token: str):
    plan, unit = _by_token(token)
    form = forms.UploadForm()
    if form.validate_on_submit():
        raw = form.file.data.read(spreadsheet.MAX_BYTES + 1)
        try:
            result = spreadsheet.read_upload(db.session, plan, unit, raw)
        except services.ServiceError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        else:
            if not result.errors:
                def store() -> str:
                    spreadsheet.apply_upload(db.session, None, plan, unit, result, via_unit_link=True)
                    flash(_("Regnearket er lest: %(applied)d tiltak oppdatert, %(unchanged)d uendret.",
                            applied=result.applied, unchanged=result.unchanged), "success")
                    return url_for("followup.unit_page", token=token)

                return once(form.form_key.data, store)
            db.session.rollback()
            form.file.errors.append(_("Filen har feil i %(n)d rader. Ingenting er lagret; rett radene og last opp filen igjen.",
                                      n=len(result.errors)))
            return _render_unit_page(token, plan, unit, upload=form, row_errors=result.errors, status=422)
    return _render_unit_page(token, plan, unit, upload=form, status=422)


# --- public: the follow-up page -----------------------------------------------------------------


@bp.app_template_global("public_plans")
def public_plans():
    """Adopted plans whose follow-up is public, newest first (for the front page)."""
    return services.public_plans(db.session)


@bp.get("/oppfolging/<int:plan_id>")
@public
def public_page(plan_id: int):
    plan = services.public_plan(db.session, plan_id) or abort(404)
    filters = services.parse_filters(request.args)
    view = services.followup_view(db.session, plan, filters)
    return render_template("followup/public.html", plan=plan, process=plan.process, view=view, filters=filters,
                           status_labels=services.STATUS_LABELS)


# --- staff: the yearly revision -------------------------------------------------------------------


def _revision_forms() -> list:
    from hearing.exports.forms import ExportForm

    return [(fmt, name, ExportForm(prefix=fmt)) for fmt, name in (("docx", "Word (DOCX)"), ("pdf", "PDF"))]


@bp.route("/followup/plan/<int:plan_id>/revision/<int:year>", methods=["GET", "POST"])
@role_required("reviewer")
def revision(plan_id: int, year: int):
    plan = db.get_or_404(Plan, plan_id)
    years = revision_service.years_of(plan)
    if year not in years:
        abort(404)
    existing = revision_service.revision_of(db.session, plan, year)
    form = forms.RevisionForm(obj=existing)
    if form.validate_on_submit() and save(
            form, lambda: revision_service.save_revision(db.session, current_user, plan, year, form.data),
            _("Rulleringen for %(year)d er lagret.", year=year)):
        return redirect(url_for("followup.revision", plan_id=plan.id, year=year))
    view = revision_service.revision_view(db.session, plan, year)
    return render_template("followup/revision.html", plan=plan, process=plan.process, view=view, years=years,
                           form=form, chart=view.status_chart(), export_forms=_revision_forms(),
                           status_labels=services.STATUS_LABELS, rs=revision_service)


@bp.post("/followup/plan/<int:plan_id>/revision/<int:year>/export/<fmt>")
@role_required("reviewer")
def revision_export(plan_id: int, year: int, fmt: str):
    from hearing.exports import jobs as export_jobs
    from hearing.exports.forms import ExportForm
    from hearing.jobs import enqueue

    plan = db.get_or_404(Plan, plan_id)
    if fmt not in revision_files.FORMATS or year not in revision_service.years_of(plan):
        abort(404)
    back = url_for("followup.revision", plan_id=plan.id, year=year)
    form = ExportForm(prefix=fmt)
    if not form.validate_on_submit():
        flash(_("Skjemaet var utløpt. Prøv igjen."), "danger")
        return redirect(back)

    def start() -> str:
        job = enqueue(db.session, export_jobs.REVISION,
                      {"plan_id": plan.id, "year": year, "fmt": fmt, "process_id": plan.process_id,
                       "title": f"Rullering {year}: {plan.title}"[:200], "lang": page_lang()}, created_by=current_user)
        flash(_("Filen lages i bakgrunnen. Lenken kommer her når den er ferdig."), "success")
        return url_for("exports.job_page", job_id=job.id)

    return once(form.form_key.data, start)
