"""The staff page «E-post»: what was sent, what waits and why, what failed; send again.

What an administrator needs to see is whether a message went, to whom roughly, about what, and why it
failed. So the page shows the status, the recipient masked (``ka•••@example.no``; an exact address can be
looked up), the subject and the error; a message's text is shown with its secret links hidden and personal
data masked (:func:`hearing.mail.staff_view`), and each such view is audited.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing import audit, mail
from hearing.actions import commit
from hearing.auth import role_required
from hearing.extensions import db
from hearing.models import MailMessage, MailStatus
from hearing.pagination import page_arg, paginate

bp = Blueprint("mail", __name__, url_prefix="/admin/e-post")

STATUSES = ("queued", "sent", "failed")


@bp.app_template_filter("masked_address")
def _masked_address(address: str) -> str:
    return mail.masked_address(address)


@bp.get("/")
@role_required("admin")
def outbox():
    status = request.args.get("status", "")
    query = sa.select(MailMessage).order_by(MailMessage.created_dt.desc(), MailMessage.id.desc())
    if status in STATUSES:
        statuses = (MailStatus.QUEUED, MailStatus.SENDING) if status == "queued" else (status,)
        query = query.where(MailMessage.status.in_(statuses))
    else:
        status = ""
    # "Did the invitation reach the council's secretary?": an exact address finds its messages (still shown
    # masked); the look-up is audited, since it tells whether someone got mail from us.
    address = " ".join(request.args.get("til", "").split()).lower()[:254]
    if address:
        query = query.where(MailMessage.to_address == address)
        audit.record(db.session, current_user, "mail.search", None, address=mail.masked_address(address))
        commit()
    return render_template(
        "admin/mail_outbox.html", messages=paginate(db.session, query, page_arg(request.args)), status=status,
        counts=mail.counts_by_status(db.session), problem=mail.outbox_problem(db.session),
        sink=mail.uses_sink(), sink_days=int(current_app.config.get("MAIL_SINK_RETENTION_DAYS") or 0),
        form=_confirm(), address=address,
    )


@bp.get("/<int:message_id>")
@role_required("admin")
def message(message_id: int):
    msg = db.get_or_404(MailMessage, message_id)
    # the text is shown (masked, secrets hidden): who read which message is recorded
    audit.record(db.session, current_user, "mail.view", msg, process_id=msg.process_id, kind=msg.kind)
    commit()
    return render_template("admin/mail_message.html", message=msg, form=_confirm(), body=mail.staff_view(msg))


@bp.post("/<int:message_id>/send-igjen")
@role_required("admin")
def resend(message_id: int):
    msg = db.get_or_404(MailMessage, message_id)
    if _confirm().validate_on_submit():
        if msg.status in (MailStatus.FAILED, MailStatus.QUEUED):
            mail.resend(db.session, current_user, msg)
            commit()
            flash(_("Meldingen er lagt i køen og sendes straks."), "success")
        else:
            flash(_("Meldingen er allerede sendt eller er under sending, og sendes ikke på nytt."), "warning")
    return redirect(url_for("mail.message", message_id=msg.id))


@bp.post("/prov-na")
@role_required("admin")
def retry_now():
    if _confirm().validate_on_submit():
        n = mail.retry_all_now(db.session, current_user)
        commit()
        flash(_("%(n)d ventende meldinger prøves nå.", n=n), "success")
    return redirect(url_for("mail.outbox"))


def _confirm():
    from hearing.admin.forms import ConfirmForm

    return ConfirmForm()
