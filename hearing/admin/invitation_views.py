"""Invitation links of an activity: make one (shown once, e-mailed when an address is given), show it again for an hour, revoke it."""

from __future__ import annotations

from flask import current_app, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hearing.actions import confirmed_action
from hearing.admin import bp, forms
from hearing.admin.views import _form_key
from hearing.auth import role_required
from hearing.content import content
from hearing.extensions import db
from hearing.forms import choices
from hearing.idempotency import once, secret_for, secret_page, url_token
from hearing.links import external_url
from hearing.models import Activity, Invitation
from hearing.participation import services as participation


@bp.route("/activities/<int:activity_id>/invitations", methods=["GET", "POST"])
@role_required("admin")
def invitations(activity_id: int):
    activity = db.get_or_404(Activity, activity_id)
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
                           invitations=participation.invitation_rows(db.session, activity),
                           summary=participation.invitation_summary(db.session, activity))


def _invitation_token(key: str) -> str:
    return url_token(secret_for(key, "invitation"))


@bp.get("/invitations/<int:invitation_id>/lenke")
@role_required("admin")
def invitation_secret(invitation_id: int):
    """The link a form just made, shown again on a reload or double click for an hour (only its hash is stored)."""
    invitation = db.get_or_404(Invitation, invitation_id)
    return secret_page(
        request.args.get("key", ""), _invitation_token,
        lambda token: participation.token_hash(token) == invitation.token_hash and invitation.revoked_dt is None,
        shown=lambda token: external_url("participation.invitation", token=token),
        title=_("Invitasjonslenke til %(body)s", body=invitation.body_name), label=_("Lenke"),
        process=invitation.activity.process, back=url_for("admin.invitations", activity_id=invitation.activity_id),
        back_label=_("Tilbake til invitasjonslenkene"),
    )


@bp.post("/invitations/<int:invitation_id>/revoke")
@role_required("admin")
def invitation_revoke(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    return confirmed_action(
        lambda: participation.revoke_invitation(db.session, current_user, invitation),
        _("Lenken er trukket tilbake."),
        url_for("admin.invitations", activity_id=invitation.activity_id),
    )
