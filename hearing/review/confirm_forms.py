"""Forms of «Bekreft neste 20»: one per input (accept, correct or skip), the next batch, bulk accept."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from hearing.idempotency import FormKeyMixin


class ConfirmInputForm(FormKeyMixin, FlaskForm):
    """One input of the batch; the pressed button (``action``) says accept, correct or skip."""

    theme_id = SelectField(_l("Riktig tema"), coerce=int, choices=[])


class NextBatchForm(FormKeyMixin, FlaskForm):
    """Only the CSRF token and the one-time key: «Velg de neste 20»."""


class BulkAcceptForm(FormKeyMixin, FlaskForm):
    min_percent = IntegerField(
        _l("Godta alle forslag der forslagets sikkerhet er minst (prosent)"),
        default=90,
        validators=[InputRequired(message=_l("Oppgi et tall mellom 0 og 100.")),
                    NumberRange(min=0, max=100, message=_l("Oppgi et tall mellom 0 og 100."))],
        description=_l("Gjelder alle innspill i grupperingen som har et forslag og ikke er bekreftet."),
    )
