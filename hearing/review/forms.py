"""Forms for the reviewers' theme pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import NumberRange, Optional, ValidationError

from hearing.forms import choices, text_field
from hearing.grouping.service import ThemeServiceError, parse_guidance
from hearing.idempotency import FormKeyMixin
from hearing.labels import LANGUAGES


class StartRunForm(FormKeyMixin, FlaskForm):
    scope = SelectField(_l("Hvilke innspill skal grupperes?"), choices=[])
    #: Shown only when there is a grouping to continue.
    keep_themes = RadioField(
        _l("Hva skal skje med temaene dere har nå?"),
        choices=choices([
            ("keep", _l("Behold temaene og plasser nye innspill i dem (anbefalt)")),
            ("fresh", _l("Grupper alt på nytt (navn, flyttinger, festinger og bekreftelser gjelder fortsatt)")),
        ]),
        default="keep",
        validators=[Optional()],
        description=_l("«Behold» flytter et innspill bare når et annet tema ligger klart nærmere. "
                       "Nye temaer kan foreslås ved siden av de dere har."),
    )
    n_themes = IntegerField(
        _l("Antall temaer"),
        validators=[Optional(), NumberRange(min=2, max=30, message=_l("Oppgi et tall mellom 2 og 30."))],
        description=_l("La feltet stå tomt for å la systemet velge antallet."),
    )
    guidance = text_field(
        _l("Forventede temaer (valgfritt)"),
        5000,
        optional=True,
        area=True,
        description=_l(
            "Ett tema per linje: «Navn: stikkord, stikkord». For eksempel «Kosthold: mat, middag, ernæring»."
        ),
    )

    def validate_guidance(self, field):
        try:
            parse_guidance(field.data)
        except ThemeServiceError as exc:
            raise ValidationError(str(exc)) from exc


class RenameForm(FlaskForm):
    name = text_field(
        _l("Navn på temaet"),
        300,
        optional=True,
        description=_l("Tomt felt gir tilbake det automatiske navnet."),
    )


class MoveForm(FlaskForm):
    theme_id = SelectField(_l("Flytt til tema"), coerce=int, choices=[])


class PinForm(FlaskForm):
    pinned = HiddenField(default="1")


class AcceptForm(FlaskForm):
    min_percent = IntegerField(
        _l("Godta forslag der forslagets sikkerhet er minst (prosent)"),
        default=80,
        description=_l("Forslagets sikkerhet gjelder temaet som foreslås. Sikkerheten i listene over innspill "
                       "gjelder temaet innspillet står i nå."),
        validators=[NumberRange(min=0, max=100, message=_l("Oppgi et tall mellom 0 og 100."))],
    )


class LanguageForm(FlaskForm):
    lang = SelectField(
        _l("Språk"),
        choices=choices(LANGUAGES),
        description=_l("Språket er gjettet ut fra teksten. Rett det hvis det er feil."),
    )


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for POST buttons."""


class MergeForm(FormKeyMixin, FlaskForm):
    target_id = SelectField(
        _l("Slå sammen med"),
        coerce=int,
        choices=[],
        description=_l("Innspillene flyttes dit, og dette temaet forsvinner fra oversikten."),
    )


class SplitForm(FormKeyMixin, FlaskForm):
    name = text_field(_l("Navn på det nye temaet"), 300)
    assignment_ids = SelectMultipleField(
        _l("Innspill som skal til det nye temaet"), coerce=int, choices=[], validate_choice=False
    )

    def validate_assignment_ids(self, field):
        if not field.data:
            raise ValidationError(_l("Velg minst ett innspill i tabellen."))


class DuplicateForm(FlaskForm):
    original_id = text_field(
        _l("Nummeret på innspillet dette er et duplikat av"),
        20,
        description=_l("Nummeret står ved hvert innspill i søket og på temasidene, for eksempel 123."),
    )

    def validate_original_id(self, field):
        if not field.data.lstrip("#").isdigit():
            raise ValidationError(_l("Skriv nummeret med sifre, for eksempel 123."))

    @property
    def original(self) -> int:
        return int(self.original_id.data.lstrip("#"))
