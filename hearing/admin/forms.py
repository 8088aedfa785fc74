"""Forms for the administrator's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import Email, EqualTo, InputRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hearing import labels
from hearing.forms import PASSWORD_RULE, LocalDateTimeField, choices, required, text_field
from hearing.idempotency import FormKeyMixin

KIND_CHOICES = choices(labels.KINDS)
AUDIENCE_CHOICES = choices(labels.AUDIENCES)
CATEGORY_CHOICES = choices(labels.CATEGORIES)
ROLE_CHOICES = choices(labels.ROLES)
QUESTION_CHOICES = choices(labels.QUESTION_TYPES)


#: The languages a process is written in and e-mails are sent in.
MAIL_LANGUAGE_CHOICES = list(labels.LANGUAGES.items())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _period_ok(form, end_field):
    if form.start_date.data and end_field.data and end_field.data < form.start_date.data:
        raise ValidationError(_l("Sluttdatoen kan ikke være før startdatoen."))


class PhaseForm(FlaskForm):
    """One phase row inside ProcessForm: a FlaskForm (without its own CSRF token) so WTForms' built-in
    messages, such as a date that cannot be read, come in the user's language."""

    class Meta:
        csrf = False

    name = text_field(_l("Navn på fasen"), 200, optional=True)
    description = text_field(_l("Beskrivelse"), 2000, optional=True, area=True)
    start_date = DateField(_l("Fra dato"), validators=[Optional()])
    end_date = DateField(_l("Til dato"), validators=[Optional()])

    def validate_end_date(self, field):
        _period_ok(self, field)


class ProcessForm(FormKeyMixin, FlaskForm):
    name = text_field(_l("Navn på prosessen"), 200, description=_l("For eksempel «Strategiplan Mestring og helse 2026–2037»."))
    service_area = text_field(_l("Tjenesteområde"), 200)
    owner = text_field(_l("Prosesseier"), 200, description=_l("Person eller enhet som har ansvaret."))
    description = text_field(_l("Beskrivelse"), 5000, optional=True, area=True)
    start_date = DateField(_l("Startdato"), validators=[Optional()])
    end_date = DateField(_l("Sluttdato"), validators=[Optional()])
    retention_months = IntegerField(
        _l("Lagringstid for personopplysninger (måneder etter sluttdato)"),
        default=24,
        validators=[InputRequired(message=_l("Oppgi lagringstid i hele måneder.")), NumberRange(min=1, max=240, message=_l("Oppgi et tall mellom 1 og 240."))],
    )
    is_public = BooleanField(_l("Vis prosessen på den offentlige forsiden"), default=True)
    language = SelectField(
        _l("Språket prosessen skrives på"),
        choices=choices(MAIL_LANGUAGE_CHOICES),
        default="nb",
        description=_l("Titler og tekster skrives på dette språket. Oversettelser til de andre språkene legges inn under «Språk og oversettelser»; lesere uten en oversettelse får dette språket."),
    )
    phases = FieldList(FormField(PhaseForm), label=_l("Fase"), min_entries=1)

    def validate_end_date(self, field):
        _period_ok(self, field)

    def validate_phases(self, field):
        if not any((entry.form.name.data or "").strip() for entry in field.entries):
            raise ValidationError(_l("Prosessen trenger minst én fase."))


class GroupForm(FormKeyMixin, FlaskForm):
    name = text_field(_l("Navn på gruppen"), 200)
    category = SelectField(_l("Type"), choices=CATEGORY_CHOICES)
    description = text_field(_l("Beskrivelse"), 2000, optional=True, area=True)


class ActivityForm(FormKeyMixin, FlaskForm):
    kind = RadioField(_l("Type aktivitet"), choices=KIND_CHOICES, validators=[required(_l("Velg type aktivitet."))])
    title = text_field(_l("Tittel"), 200)
    description = text_field(_l("Beskrivelse"), 5000, optional=True, area=True)
    phase_id = SelectField(_l("Fase"), coerce=int, choices=[])
    opens_dt = LocalDateTimeField(_l("Åpner"), validators=[Optional()])
    closes_dt = LocalDateTimeField(_l("Frist (stenger)"), validators=[Optional()])
    audience = RadioField(_l("Hvem kan svare?"), choices=AUDIENCE_CHOICES, default="public")
    group_ids = MultiCheckboxField(_l("Inviterte grupper"), coerce=int, choices=[])
    is_plan_hearing = BooleanField(_l("Høring av plan etter plan- og bygningsloven (minst seks uker)"))
    location = text_field(_l("Sted"), 200, optional=True)

    def validate_closes_dt(self, field):
        if self.opens_dt.data and field.data and field.data <= self.opens_dt.data:
            raise ValidationError(_l("Fristen må være etter åpningstidspunktet."))


class PromptForm(FormKeyMixin, FlaskForm):
    text = text_field(_l("Spørsmål eller arbeidsspørsmål"), 2000, area=True)
    help_text = text_field(_l("Hjelpetekst"), 2000, optional=True)
    question_type = SelectField(_l("Svartype"), choices=QUESTION_CHOICES)
    options_text = text_field(
        _l("Svaralternativer"), 5000, optional=True, area=True, description=_l("Ett alternativ per linje. Bare for ett eller flere valg.")
    )
    is_required = BooleanField(_l("Må besvares"))




class UserForm(FlaskForm):
    name = text_field(_l("Navn"), 200)
    email = text_field(_l("E-post"), 254)
    role = SelectField(_l("Rolle"), choices=ROLE_CHOICES)
    # not sent (an older form, a script): the installation's default language
    lang = SelectField(_l("Brukerens språk"), choices=choices(MAIL_LANGUAGE_CHOICES), validate_choice=False,
                       description=_l("E-post til brukeren skrives på dette språket, og sidene vises på det når brukeren logger inn."))
    is_active_user = BooleanField(_l("Aktiv"), default=True)
    all_processes = RadioField(
        _l("Tilgang til prosesser"), default="1", validate_choice=False,  # not sent: as before, every process
        choices=choices([("1", _l("Alle prosesser")), ("0", _l("Bare prosessene som er krysset av under"))]),
        description=_l("Gjelder kreativ gruppe og fasilitatorer. Administratorer ser alltid alle prosesser."))
    process_ids = MultiCheckboxField(_l("Prosesser brukeren har tilgang til"), coerce=int, choices=[])

    def validate_email(self, field):
        Email(message=_l("Skriv en gyldig e-postadresse, for eksempel navn@kommune.no."), check_deliverability=False)(self, field)

    def validate_process_ids(self, field):
        if self.all_processes.data == "0" and self.role.data != "admin" and not field.data:
            raise ValidationError(_l("Kryss av minst én prosess, eller gi tilgang til alle prosesser."))


class NewUserForm(FormKeyMixin, UserForm):
    password = PasswordField(_l("Passord"), validators=[Optional(), PASSWORD_RULE],
                             description=_l("La stå tomt for å sende en invitasjon på e-post, der brukeren velger passord selv."))


class ResetPasswordForm(FormKeyMixin, FlaskForm):
    password = PasswordField(_l("Nytt passord"), validators=[Optional(), PASSWORD_RULE],
                             description=_l("La stå tomt for å sende brukeren en lenke på e-post der hen lager et nytt passord."))
    confirm = PasswordField(_l("Gjenta passordet"), validators=[EqualTo("password", message=_l("Passordene er ikke like."))])


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with CSRF protection."""


class DocumentForm(FlaskForm):
    title = text_field(_l("Dokumentets tittel"), 300)
    markdown = text_field(
        _l("Tekst"), 200_000, optional=True, area=True,
        description=_l("Overskrifter (#, ##, ###) deler dokumentet i avsnitt som kan kommenteres hver for seg."),
    )
    upload = FileField(_l("Eller last opp et dokument (Markdown eller DOCX)"), description=_l("Overskriftene i dokumentet blir avsnitt."))


class InvitationForm(FormKeyMixin, FlaskForm):
    body_name = text_field(_l("Hvem er lenken til?"), 200, description=_l("For eksempel «Eldrerådet» eller «Tillitsvalgte i hjemmetjenesten»."))
    group_id = SelectField(_l("Interessentgruppe"), coerce=int, choices=[])
    email = text_field(_l("Send invitasjonen til e-post (valgfritt)"), 254, optional=True,
                       description=_l("For eksempel rådets sekretær. Uten e-post viser vi lenken, så du kan sende den selv."))
    # not sent: the process's language
    lang = SelectField(_l("Språk i invitasjonen"), choices=choices(MAIL_LANGUAGE_CHOICES), validate_choice=False,
                       description=_l("E-posten og påminnelsen skrives på dette språket, og lenken åpner skjemaet på det."))
    remind_days_before = IntegerField(
        _l("Påminnelse, antall dager før fristen (valgfritt)"), validators=[Optional(), NumberRange(min=1, max=90, message=_l("Oppgi et tall mellom 1 og 90."))],
        description=_l("Har de ikke svart da, får de en påminnelse på e-post."))

    def validate_email(self, field):
        if field.data:
            Email(message=_l("Skriv en gyldig e-postadresse, for eksempel navn@kommune.no."), check_deliverability=False)(self, field)

    def validate_remind_days_before(self, field):
        if field.data and not (self.email.data or "").strip():
            raise ValidationError(_l("En påminnelse sendes på e-post: skriv e-postadressen, eller la feltet stå tomt."))
