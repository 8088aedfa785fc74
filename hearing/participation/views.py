"""Thin views for respondents: read the form, call one service, show the receipt or the errors."""

from __future__ import annotations

import json
import re
from datetime import date

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup

from hearing.actions import commit
from hearing.auth import public
from hearing.core.web import download
from hearing.extensions import db, limiter
from hearing.grouping.service import schedule_after_commit
from hearing.i18n import html_lang
from hearing.idempotency import new_key
from hearing.links import external_url
from hearing.models import Activity, Attachment, Invitation, QuestionType, utcnow
from hearing.participation import bp, form_cache, services
from hearing.participation.uploads import MAX_BYTES, UploadError, check_upload
from hearing.privacy import records


def _public_activity(activity_id: int):
    return services.public_activity(db.session, activity_id, max_age=current_app.config["PUBLIC_FORM_CACHE_SECONDS"])


def _rate_limit() -> str:
    return current_app.config["PUBLIC_RATE_LIMIT"]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _CleanForm:
    """Form values without control characters (a NUL byte breaks PostgreSQL and means nothing to a reader)."""

    def __init__(self, form):
        self._form = form

    def get(self, key, default=""):
        value = self._form.get(key, default)
        return _CONTROL.sub("", value.replace("\r\n", "\n")) if isinstance(value, str) else value

    def getlist(self, key):
        return [_CONTROL.sub("", v) for v in self._form.getlist(key)]

    def __getitem__(self, key):
        return self.get(key)


def read_response(activity: Activity) -> tuple[services.ResponseData, dict[str, str]]:
    """The typed response from the POSTed form, and problems found while reading it."""
    f = _CleanForm(request.form)
    errors: dict[str, str] = {}
    data = services.ResponseData(
        respondent_name=f.get("respondent_name", "")[:200],
        respondent_email=f.get("respondent_email", "").strip()[:254],
        consent=f.get("consent", ""),
        statement=f.get("statement", ""),
        place_name=f.get("place_name", "")[:200],
        on_behalf_of=f.get("on_behalf_of", "")[:200],
        case_reference=f.get("case_reference", "")[:50],
        send_receipt=f.get("send_receipt") == "1",
        wants_report_notice=f.get("wants_report_notice") == "1",
    )
    if f.get("group_id", "").isdigit():
        data.group_id = int(f["group_id"])
    if f.get("meeting_date"):
        try:
            data.meeting_date = date.fromisoformat(f["meeting_date"])
        except ValueError:
            errors["meeting_date"] = _("Skriv datoen som dd.mm.åååå.")
    document = getattr(activity, "document", None)
    for section in document.sections if document else []:
        data.sections[section.id] = f.get(f"section-{section.id}", "")
    for prompt in activity.prompts:
        key = f"prompt-{prompt.id}"
        if prompt.question_type == QuestionType.MULTIPLE_CHOICE:
            data.prompts[prompt.id] = f.getlist(key)
        else:
            data.prompts[prompt.id] = f.get(key, "")
    for upload in request.files.getlist("attachments"):
        if not upload or not upload.filename:
            continue
        try:
            data.files.append(check_upload(upload.filename, upload.read(MAX_BYTES + 1)))
        except UploadError as exc:
            errors["attachments"] = str(exc)
        finally:
            upload.close()
    return data, errors


def _render_form(activity, *, data=None, errors=None, invitation=None, token=None, submission=None, status=200, notice=None,
                 **secrets_):
    now = utcnow()
    secrets_.setdefault("submission_key", request.form.get("submission_key") or _form_key())
    page = dict(
        activity=activity,
        process=activity.process,
        document=getattr(activity, "document", None),
        data=data or services.ResponseData(on_behalf_of=invitation.body_name if invitation else ""),
        errors=errors or {},
        invitation=invitation,
        invitation_token=token,
        submission=submission,
        groups=services.group_choices(activity),
        status=activity.status(now),
        notice=notice,
        now=now,
    )
    parts = None
    max_age = current_app.config["PUBLIC_FORM_CACHE_SECONDS"]
    if (data is None and not errors and invitation is None and submission is None and notice is None and max_age > 0
            and isinstance(activity, form_cache.ActivityView)):
        # The plain form: its top and fields are the same for every reader of this language (no secrets in them).
        # Markup: HTML the autoescaping templates made, put into the page as it is.
        parts = form_cache.fragments(db.session, activity, html_lang(), page["status"], lambda: {
            name: Markup(render_template(f"participation/_respond_{name}.html", **page))  # noqa: S704
            for name in ("head", "fields")})
    return render_template("participation/respond.html", parts=parts, **page, **secrets_), status


def _browser_secret() -> str | None:
    """This browser session's CSRF secret (Flask-WTF keeps it in the signed session cookie)."""
    return session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))


def _form_key() -> str:
    """A new one-time key for an answer form, bound to this browser session (see services.bind_key)."""
    generate_csrf()  # makes sure the session has its CSRF secret
    return services.bind_key(current_app.config["SECRET_KEY"], _browser_secret())


def _respond(activity: Activity, invitation: Invitation | None = None, token: str | None = None):
    if request.method == "GET":
        return _render_form(activity, invitation=invitation, token=token)
    data, errors = read_response(activity)  # CSRFProtect has checked the token (see csrf_failed)
    if request.form.get("website"):  # honeypot: people never see this field
        return _render_form(activity, data=data, invitation=invitation, token=token, status=400,
                            notice=_("Svaret ble stoppet av spamfilteret. Feltet «Nettsted» skal stå tomt."))
    if activity.status(utcnow()) == "upcoming":
        return _render_form(activity, data=data, invitation=invitation, token=token, status=409)
    if errors:
        return _render_form(activity, data=data, errors=errors, invitation=invitation, token=token, status=422)
    submission_key = request.form.get("submission_key", "")[:64] or new_key()
    try:
        _id, edit_token, created = services.submit_response(
            db.session, activity, data,
            submission_key=submission_key,
            secret_key=current_app.config["SECRET_KEY"], upload_folder=current_app.config["UPLOAD_FOLDER"],
            invitation=invitation, lang=html_lang(),
            receipt_link=lambda t: external_url("participation.response", token=t),
        )
        commit()  # before the receipt: what it shows is stored
    except services.InvitationAnswered as exc:
        # One statement per invited body: refused clearly, never stored beside the first; the text stays.
        return _render_form(activity, data=data, invitation=invitation, token=token, status=409,
                            notice=str(exc.errors["statement"]))
    except services.ResponseError as exc:
        db.session.rollback()
        return _render_form(activity, data=data, errors=exc.errors, invitation=invitation, token=token, status=422)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("could not store a response")
        return _render_form(activity, data=data, invitation=invitation, token=token, status=503,
                            notice=_("Vi klarte ikke å lagre svaret ditt akkurat nå. Ingenting er sendt. Teksten din står under – prøv å sende igjen om litt."))
    if created:
        schedule_after_commit(db.session)
    elif not services.key_is_bound(current_app.config["SECRET_KEY"], submission_key, _browser_secret()):
        # A repeated form from another browser (a copied page, a shared computer's history): the answer
        # is safe, but its receipt and edit link belong to the session that sent it.
        return render_template("participation/message.html", title=_("Svaret er allerede mottatt"),
                               text=_("Dette skjemaet er allerede sendt, og svaret er tatt vare på. Bruk lenken i "
                                      "kvitteringen for å se eller endre svaret."))
    return redirect(url_for("participation.response", token=edit_token, kvittering=1))


@bp.route("/delta/<int:activity_id>", methods=["GET", "POST"])
@public
@limiter.limit(_rate_limit, methods=["POST"])
def activity(activity_id: int):
    act = _public_activity(activity_id) or abort(404)
    return _respond(act)


@bp.route("/invitasjon/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_rate_limit, methods=["POST"])
def invitation(token: str):
    inv = services.find_invitation(db.session, token) or abort(404)
    if inv.revoked_dt is not None:
        return render_template("participation/message.html", title=_("Lenken er trukket tilbake"),
                               text=_("Denne invitasjonslenken er ikke lenger i bruk. Kontakt kommunen for en ny lenke.")), 410
    if request.method == "GET" and (answered := services.invitation_answer(db.session, inv)) is not None:
        return render_template(
            "participation/message.html", title=_("Uttalelsen er allerede sendt"),
            text=_("%(body)s sendte uttalelsen sin %(when)s (referanse %(reference)s). Det kan bare være én uttalelse per "
                   "invitasjon. Den som sendte den, kan endre den med lenken i kvitteringen fram til fristen; ellers kan "
                   "dere kontakte kommunen.", body=inv.body_name, when=current_app.jinja_env.filters["dt"](answered.submitted_dt),
                   reference=answered.reference))
    return _respond(inv.activity, inv, token)


@bp.errorhandler(429)
def rate_limited(exc):
    """Say why, and keep what was typed."""
    act = None
    if request.view_args and "activity_id" in request.view_args:
        act = _public_activity(request.view_args["activity_id"])
    inv = services.find_invitation(db.session, request.view_args.get("token", "")) if request.view_args else None
    act = act or (inv.activity if inv else None)
    if act is None:
        abort(404)
    data = read_response(act)[0]
    return _render_form(act, data=data, invitation=inv, token=request.view_args.get("token"), status=429,
                        notice=_("Du har sendt mange svar på kort tid. Vent et minutt og send igjen – teksten din er tatt vare på under."))


def _own_submission(token: str):
    return services.find_submission(db.session, token) or abort(404)


@bp.get("/svar/<token>")
@public
def response(token: str):
    is_receipt = bool(request.args.get("kvittering"))
    page = services.response_page(db.session, token, max_age=current_app.config["PUBLIC_FORM_CACHE_SECONDS"],
                                  receipt=is_receipt) or abort(404)
    return render_template("participation/response.html", token=token, is_receipt=is_receipt, **page)


@bp.route("/svar/<token>/endre", methods=["GET", "POST"])
@public
@limiter.limit(_rate_limit, methods=["POST"])
def response_edit(token: str):
    sub = _own_submission(token)
    act = sub.activity
    if not services.can_change(sub):
        flash(_("Fristen er ute, eller svaret er trukket. Det kan ikke endres."), "warning")
        return redirect(url_for("participation.response", token=token))
    if request.method == "GET":
        return _render_form(act, data=services.response_data_of(sub), invitation=sub.invitation, submission=sub)
    data, errors = read_response(act)
    if errors:
        return _render_form(act, data=data, errors=errors, invitation=sub.invitation, submission=sub, status=422)
    try:
        services.update_response(db.session, sub, data, upload_folder=current_app.config["UPLOAD_FOLDER"])
        commit()
    except services.ResponseError as exc:
        db.session.rollback()
        return _render_form(act, data=data, errors=exc.errors, invitation=sub.invitation, submission=sub, status=422)
    schedule_after_commit(db.session)
    flash(_("Endringene i svaret ditt er lagret."), "success")
    return redirect(url_for("participation.response", token=token))


@bp.post("/svar/<token>/trekk")
@public
def response_withdraw(token: str):
    sub = _own_submission(token)
    try:
        services.withdraw_response(db.session, sub)
        commit()
        flash(_("Svaret ditt er trukket. Det blir ikke tatt med i behandlingen."), "success")
    except services.ResponseError as exc:
        flash(str(exc), "warning")
    return redirect(url_for("participation.response", token=token))


@bp.get("/svar/<token>/vedlegg/<int:attachment_id>")
@public
def response_attachment(token: str, attachment_id: int):
    sub = _own_submission(token)
    att = db.session.get(Attachment, attachment_id)
    if att is None or att.submission_id != sub.id:
        abort(404)
    return send_attachment(att)


def send_attachment(att: Attachment):
    """Always as a download, never inline, never cached, under a safe name with the extension of its content."""
    from pathlib import Path

    from hearing.participation.uploads import safe_filename

    path = Path(current_app.config["UPLOAD_FOLDER"]) / att.storage_name
    return download(path, mimetype=att.content_type, filename=safe_filename(att.filename, att.content_type))


def _published_activity(activity_id: int):
    from hearing.reporting.published import published_activity

    return published_activity(db.session, activity_id) or abort(404)


def _published_filters() -> dict:
    args = request.args
    return {"search": args.get("q", "")[:200], "group_id": args.get("gruppe", type=int),
            "section_id": args.get("del", type=int), "kind": args.get("type", "")}


@bp.get("/delta/<int:activity_id>/svar")
@public
def published(activity_id: int):
    """The published responses: search, filter by group, section and type, pages; each with its own link."""
    from hearing.pagination import page_arg
    from hearing.reporting import published as pub

    act = _published_activity(activity_id)
    now = utcnow()
    closed = act.closes_dt is None or now >= act.closes_dt
    filters = _published_filters()
    responses = pub.published_responses(db.session, act, now=now, page=page_arg(request.args), **filters) if closed else None
    return render_template("participation/published.html", activity=act, responses=responses, filters=filters,
                           kinds=pub.KINDS, sections=pub.sections_of(act), groups=act.process.groups,
                           filtered=any(filters.values()))


@bp.get("/delta/<int:activity_id>/dokument.pdf")
@public
def document_pdf(activity_id: int):
    """The hearing document as a tagged PDF, for reading offline (the answer form and the published page link it);
    made in the background and kept while the document is unchanged."""
    from hearing.exports import public_files

    act = _published_activity(activity_id)
    if getattr(act, "document", None) is None:
        abort(404)
    if act.opens_dt and utcnow() < act.opens_dt and act.audience == "public":
        abort(404)  # not public before the hearing opens
    return _public_file(act, public_files.DOCUMENT, "pdf", lang=html_lang())


def _public_file(act, kind: str, fmt: str, *, filters: dict | None = None, lang: str = "nb"):
    """Serve the hearing's current public file, or send the reader to the page of the job making it."""
    from hearing.exports import public_files
    from hearing.exports.views import send_stored

    try:
        stored, job = public_files.find_or_queue(db.session, act, kind, fmt, filters=filters, lang=lang)
    except public_files.Busy:
        page = render_template("participation/public_file.html", activity=act, job=None, busy=True,
                               back=request.full_path.rstrip("?"))
        return page, 503, {"Retry-After": "30", "Cache-Control": "no-store"}
    if stored is not None:
        return send_stored(stored, public=True)
    commit()
    return redirect(url_for("participation.public_file_job", activity_id=act.id, job_id=job.id,
                            fil=request.full_path.rstrip("?")), 303)


def _public_job(activity_id: int, job_id: int):
    from hearing.exports import public_files
    from hearing.models import Job

    job = db.session.get(Job, job_id)
    if job is None or job.kind not in public_files.KINDS or (job.payload or {}).get("activity_id") != activity_id:
        abort(404)
    return job


@bp.get("/delta/<int:activity_id>/filer/<int:job_id>")
@public
def public_file_job(activity_id: int, job_id: int):
    """The progress of a public file being made, then its link (``fil``: the file's own link, on this site)."""
    act = _published_activity(activity_id)
    job = _public_job(activity_id, job_id)
    back = request.args.get("fil", "")
    if not back.startswith(f"/delta/{act.id}/") or "//" in back or "\\" in back:
        back = url_for("participation.published", activity_id=act.id)
    return render_template("participation/public_file.html", activity=act, job=job, busy=False, back=back), 200, {
        "Cache-Control": "no-store"}


@bp.get("/delta/<int:activity_id>/filer/<int:job_id>/status")
@public
def public_file_status(activity_id: int, job_id: int):
    """What the progress bar of a public file polls."""
    from hearing.jobs import progress_view

    _published_activity(activity_id)
    job = _public_job(activity_id, job_id)
    resp = jsonify({"job_id": job.id, **progress_view(job)})
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/delta/<int:activity_id>/svar/<reference>")
@public
def published_one(activity_id: int, reference: str):
    """A published response's own, stable page."""
    from hearing.reporting import published as pub

    act = _published_activity(activity_id)
    found = pub.find_published(db.session, act, reference) or abort(404)
    return render_template("participation/published_one.html", activity=act, r=found)


@bp.get("/delta/<int:activity_id>/svar/<reference>/vedlegg/<int:attachment_id>")
@public
def published_attachment(activity_id: int, reference: str, attachment_id: int):
    """An attachment staff approved for publication, of a published response."""
    from hearing.reporting import published as pub

    act = _published_activity(activity_id)
    att = pub.public_attachment(db.session, act, reference, attachment_id) or abort(404)
    return send_attachment(att)


@bp.get("/delta/<int:activity_id>/svar.<fmt>")
@public
def published_export(activity_id: int, fmt: str):
    """The published set (with the page's filters) as CSV or XLSX, one row per text, each with its link;
    made in the background and kept until an answer in it changes."""
    from hearing.exports import public_files

    if fmt not in ("csv", "xlsx"):
        abort(404)
    act = _published_activity(activity_id)
    if act.closes_dt is not None and utcnow() < act.closes_dt:
        abort(404)
    return _public_file(act, public_files.PUBLISHED_SET, fmt, filters=_published_filters(), lang=html_lang())


@bp.get("/svar/<token>/data.json")
@public
def response_export_json(token: str):
    sub = _own_submission(token)
    resp = current_app.response_class(json.dumps(records.export_submission(sub), ensure_ascii=False, indent=2),
                                      mimetype="application/json")
    resp.headers["Content-Disposition"] = f'attachment; filename="{sub.reference}.json"'
    return resp


@bp.get("/svar/<token>/data.pdf")
@public
def response_export_pdf(token: str):
    from weasyprint import HTML

    sub = _own_submission(token)
    html = render_template("participation/export.html", data=records.export_submission(sub))
    pdf = HTML(string=html, base_url=request.url_root).write_pdf(pdf_variant="pdf/ua-1")
    resp = current_app.response_class(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{sub.reference}.pdf"'
    return resp


@bp.post("/svar/<token>/slett")
@public
def response_delete(token: str):
    sub = _own_submission(token)
    reference = sub.reference
    records.delete_submission(db.session, None, sub, current_app.config["UPLOAD_FOLDER"], reason="respondent")
    commit()
    return render_template("participation/message.html", title=_("Svaret er slettet"),
                           text=_("Svaret %(ref)s og alt vi hadde lagret om det, er slettet.", ref=reference))


#: Shown above the form when CSRFProtect refused it (the page was open too long, or cookies were lost).
_EXPIRED = _l("Skjemaet var utløpt. Svaret ditt er ikke sendt ennå – send det på nytt.")


@bp.errorhandler(CSRFError)
def csrf_failed(exc: CSRFError):
    """CSRFProtect refused a POST: the answer form again with everything that was typed, and a fresh token."""
    args = request.view_args or {}
    if request.endpoint in ("participation.activity", "participation.invitation"):
        inv = services.find_invitation(db.session, args.get("token", "")) if "token" in args else None
        act = inv.activity if inv else _public_activity(args.get("activity_id", 0))
        if act is not None:
            return _render_form(act, data=read_response(act)[0], invitation=inv, token=args.get("token"), status=400,
                                notice=_EXPIRED)
    if request.endpoint == "participation.response_edit":
        sub = services.find_submission(db.session, args.get("token", ""))
        if sub is not None:
            return _render_form(sub.activity, data=read_response(sub.activity)[0], invitation=sub.invitation,
                                submission=sub, status=400, notice=_EXPIRED)
    from hearing.errors import render_error

    return render_error(400, _("Skjemaet var utløpt eller ugyldig. Last siden på nytt og prøv igjen."))


@bp.errorhandler(sa.exc.OperationalError)
@bp.errorhandler(sa.exc.InterfaceError)
def database_unavailable(exc):
    """The database went away mid-request: say so and give back everything the person typed."""
    db.session.rollback()
    current_app.logger.warning("database unavailable: %s", type(exc).__name__)
    skip = {"csrf_token", "submission_key", "website"}
    typed = [(key, value) for key, value in request.form.items(multi=True) if key not in skip and value.strip()]
    return render_template("participation/unavailable.html", typed=typed), 503
