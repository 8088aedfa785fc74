"""Forms for exports and the import of a process backup."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField

from hearing.forms import choices
from hearing.idempotency import FormKeyMixin


class InputsExportForm(FormKeyMixin, FlaskForm):
    format = RadioField(
        _l("Filformat"),
        choices=choices(
            [
                ("xlsx", _l("Excel (.xlsx)")),
                ("csv", _l("CSV (semikolon, UTF-8) for Excel og andre programmer")),
            ]
        ),
        default="xlsx",
    )
    include_original = BooleanField(
        _l("Ta med originalteksten med personopplysninger"),
        description=_l("Bare for administratorer. Uttaket blir logget."),
    )


class ExportForm(FormKeyMixin, FlaskForm):
    """A button that starts an export: the CSRF token and the one-time key, nothing to fill in."""


BackupForm = ExportForm


class ImportForm(FormKeyMixin, FlaskForm):
    file = FileField(
        _l("Sikkerhetskopi (.json.gz eller .json)"),
        validators=[FileRequired(message=_l("Velg en fil å laste opp."))],
        description=_l("En fil laget med «Sikkerhetskopi» i denne eller en annen installasjon, komprimert (.json.gz) "
                       "eller ikke."),
    )
