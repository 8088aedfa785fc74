"""Forms of the capture page (also its plain fallback without script), note editing and bulk paste."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SubmitField

from hearing.forms import text_field
from hearing.idempotency import FormKeyMixin
from hearing.workshop.services import MAX_TEXT


class _Where:
    table_label = text_field(_l("Bord eller gruppe"), 100, optional=True, description=_l("For eksempel «Bord 3»."))
    group_id = SelectField(_l("Interessentgruppe"), coerce=int, choices=[], default=0)
    prompt_id = SelectField(_l("Spørsmål"), coerce=int, choices=[], default=0)


class NoteForm(_Where, FlaskForm):
    text = text_field(_l("Notat"), MAX_TEXT, area=True,
                      description=_l("Enter lagrer notatet og tømmer feltet. Shift+Enter gir ny linje i notatet."))
    #: Made here for the plain form, in the browser by the script: a note sent twice is stored once.
    client_id = HiddenField()


class EditForm(FlaskForm):
    text = text_field(_l("Notat"), MAX_TEXT, area=True)
    table_label = text_field(_l("Bord eller gruppe"), 100, optional=True)
    #: Asked only when someone else than the author corrects a note (a reviewer).
    reason = text_field(_l("Hvorfor rettes notatet?"), 500, optional=True,
                        description=_l("Rettingen lagres med teksten før og etter, og hvem som rettet."))


class PasteForm(_Where, FormKeyMixin, FlaskForm):
    lines = text_field(
        _l("Notater, ett per linje"), 200_000, area=True,
        description=_l("Tomme linjer hoppes over. Du ser notatene før de blir lagret."),
    )
    #: Fingerprint of the previewed lines: only what was seen is stored.
    checked = HiddenField()
    preview = SubmitField(_l("Forhåndsvis"))
    store = SubmitField(_l("Lagre notatene"))


class ConfirmForm(FlaskForm):
    """A POST button: only the CSRF token."""
