"""Forms for the report back."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from hearing.forms import text_field
from hearing.idempotency import FormKeyMixin


def optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ReportForm(FlaskForm):
    title = text_field(
        _l("Tittel"),
        300,
        optional=True,
        description=_l("La stå tomt for «Vi spurte – dere svarte – vi gjorde»."),
    )
    introduction = text_field(
        _l("Vi spurte: hva spurte vi om?"),
        20_000,
        optional=True,
        area=True,
        description=_l(
            "Med egne ord: hva ble deltakerne spurt om, og hvorfor? Aktivitetene og spørsmålene vises under teksten."
        ),
    )
    activity_id = SelectField(_l("Gjelder"), coerce=optional_int, choices=[])
    run_id = SelectField(
        _l("Temagruppering"),
        coerce=optional_int,
        choices=[],
        description=_l("Temaene i «Dere svarte» kommer herfra."),
    )
    draft_id = SelectField(
        _l("Utkast"),
        coerce=optional_int,
        choices=[],
        description=_l(
            "«Vi gjorde» viser hva som står i dette utkastet og hva som er endret fra utkastet før."
        ),
    )


class NewReportForm(FormKeyMixin, ReportForm):
    pass


class PublishForm(FormKeyMixin, FlaskForm):
    """Publish or take down: a confirmation with a one-time key."""
