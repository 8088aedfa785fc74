"""Administrators' page for personal API tokens: list, make (shown once) and revoke."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import InputRequired

from hearing.actions import confirmed_action, refuse_form
from hearing.admin.forms import MultiCheckboxField
from hearing.api import tokens
from hearing.auth import role_required
from hearing.core.errors import ServiceError
from hearing.extensions import db
from hearing.forms import choices, local_zone, text_field
from hearing.idempotency import FormKeyMixin, new_key, once, secret_for, secret_page, url_token
from hearing.models import ApiScope, ApiToken, User, utcnow

bp = Blueprint("api_admin", __name__, url_prefix="/admin/api-tokens")

#: Lifetime a new token is offered with.
DEFAULT_DAYS = 90


class TokenForm(FormKeyMixin, FlaskForm):
    user_id = SelectField(_l("Hvem nøkkelen tilhører"), coerce=int, validators=[InputRequired(_l("Velg en bruker."))],
                          description=_l("Forespørsler med nøkkelen gjøres som denne brukeren, og brukerens rolle "
                                         "begrenser hva nøkkelen kan brukes til."))
    name = text_field(_l("Hva nøkkelen skal brukes til"), 200, description=_l("For eksempel «Analyse i Power BI»."))
    scopes = MultiCheckboxField(_l("Tilganger"), choices=[], validators=[InputRequired(_l("Velg minst én tilgang."))])
    expires = DateField(_l("Gjelder til og med"), validators=[InputRequired(_l("Skriv en dato på formen åååå-mm-dd."))],
                        description=_l("Høyst ett år fram i tid."))


def _form_key(form) -> str:
    key = form.form_key.data or ""
    return key if 16 <= len(key) <= 64 else new_key()


def _token_for(key: str) -> str:
    """The token a form makes: the same for a replayed POST, so the page that shows it can show it again."""
    return tokens.PREFIX + url_token(secret_for(key, "api-token"))


def _end_of(day) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=local_zone()).astimezone(UTC)


def _last_day(expires: datetime):
    """The last day a token works, in local time (it stops at the start of the next day)."""
    return (expires - timedelta(seconds=1)).astimezone(local_zone()).date()


@bp.route("/", methods=["GET", "POST"])
@role_required("admin")
def index():
    form = TokenForm()
    users = db.session.scalars(sa.select(User).where(User.is_active_user.is_(True)).order_by(User.name)).all()
    form.user_id.choices = choices([(u.id, f"{u.name} ({u.email})") for u in users])
    form.scopes.choices = choices([(str(s), str(tokens.SCOPE_LABELS[s])) for s in ApiScope])
    if request.method == "GET":
        form.expires.data = (utcnow() + timedelta(days=DEFAULT_DAYS)).astimezone(local_zone()).date()
        form.scopes.data = [str(ApiScope.READ)]
    if form.validate_on_submit():
        key = _form_key(form)
        user = db.session.get(User, form.user_id.data)

        def create() -> str:
            row = tokens.create_token(db.session, current_user, user, name=form.name.data, scopes=form.scopes.data,
                                      expires_dt=_end_of(form.expires.data), token=_token_for(key))
            return url_for("api_admin.secret", token_id=row.id, key=key)

        try:
            return once(key, create)
        except ServiceError as exc:
            refuse_form(form, exc)
    return render_template("api/tokens.html", form=form, tokens=tokens.tokens(db.session), now=utcnow(),
                           labels=tokens.SCOPE_LABELS, last_day=_last_day), 422 if form.errors or form.form_errors else 200


@bp.get("/<int:token_id>/nokkel")
@role_required("admin")
def secret(token_id: int):
    """The token a form just made, shown again on a reload or double click for an hour (only its hash is stored)."""
    row = db.get_or_404(ApiToken, token_id)
    return secret_page(
        request.args.get("key", ""), _token_for,
        lambda token: tokens.token_hash(token) == row.token_hash and row.revoked_dt is None,
        title=_("API-nøkkel «%(name)s» for %(user)s", name=row.name, user=row.user.name),
        label=_("API-nøkkel"), back=url_for("api_admin.index"), back_label=_("Tilbake til API-nøklene"),
    )


@bp.post("/<int:token_id>/revoke")
@role_required("admin")
def revoke(token_id: int):
    row = db.get_or_404(ApiToken, token_id)
    return confirmed_action(lambda: tokens.revoke_token(db.session, current_user, row),
                            _("Nøkkelen er trukket tilbake og virker ikke lenger."), url_for("api_admin.index"))
