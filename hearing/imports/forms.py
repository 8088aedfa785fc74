"""Forms for imports: the upload, and the column mapping (its per-column choices are read in the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField

from hearing.idempotency import FormKeyMixin


class UploadForm(FormKeyMixin, FlaskForm):
    file = FileField(
        _l("Fil med svar (CSV eller Excel)"),
        validators=[FileRequired(message=_l("Velg en fil å laste opp."))],
        description=_l("Eksport fra Microsoft Forms, Google Forms, Questback, Enalyzer, Nettskjema eller SurveyXact, "
                       "eller malen for papirsvar. Første rad må ha kolonnenavnene."),
    )


class MappingForm(FormKeyMixin, FlaskForm):
    default_group = SelectField(
        _l("Respondentgruppe"), coerce=int, choices=[],
        description=_l("Brukes for rader uten egen gruppekolonne, og for verdier som ikke er koblet til en gruppe."),
    )
    remember_groups = BooleanField(
        _l("Husk koblingen mellom verdier og grupper for neste import i denne prosessen"), default=True)
    #: Fingerprint of the mapping the preview was made for: importing needs a preview of the same mapping.
    checked = HiddenField()


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token (undo)."""
