"""Forms for imports: the upload, and the column mapping (its per-column choices are read in the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField

from hearing.idempotency import FormKeyMixin


class UploadForm(FlaskForm):
    file = FileField(
        _l("Fil med svar (CSV eller Excel)"),
        validators=[FileRequired(message=_l("Velg en fil å laste opp."))],
        description=_l("Eksport fra Microsoft Forms, Google Forms eller Questback. Første rad må ha kolonnenavnene."),
    )


class MappingForm(FormKeyMixin, FlaskForm):
    default_group = SelectField(
        _l("Respondentgruppe"), coerce=int, choices=[],
        description=_l("Brukes for rader uten egen gruppekolonne."),
    )
