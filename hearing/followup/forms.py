"""Forms for adopting the plan and following up its measures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from hearing.drafting.forms import MultiCheckboxField
from hearing.followup import services
from hearing.forms import choices, required, text_field
from hearing.idempotency import FormKeyMixin
from hearing.labels import LANGUAGES


class AdoptForm(FormKeyMixin, FlaskForm):
    draft_id = SelectField(_l("Utkast som ble vedtatt"), coerce=int, choices=[], validators=[required()])
    title = text_field(_l("Planens tittel"), 300, optional=True, description=_l("La stå tomt for prosessens navn."))
    adopted_on = DateField(_l("Vedtaksdato"), validators=[InputRequired(message=_l("Fyll ut vedtaksdatoen."))])
    decision_reference = text_field(_l("Saksnummer eller vedtak"), 100, optional=True,
                                    description=_l("For eksempel «PS 45/26 Kommunestyret»."))


class PlanForm(FlaskForm):
    title = text_field(_l("Planens tittel"), 300)
    adopted_on = DateField(_l("Vedtaksdato"), validators=[InputRequired(message=_l("Fyll ut vedtaksdatoen."))])
    decision_reference = text_field(_l("Saksnummer eller vedtak"), 100, optional=True)
    is_public = BooleanField(_l("Vis oppfølgingen på en offentlig side"))


def status_choices():
    return choices((s.value, services.STATUS_LABELS[s]) for s in services.MeasureStatus)


class UpdateForm(FormKeyMixin, FlaskForm):
    """A unit's update of one measure: status, progress and what happened."""

    status = RadioField(_l("Status"), choices=[], validators=[required(_l("Velg status."))])
    progress = StringField(
        _l("Fremdrift i prosent (0–100)"), validators=[required(_l("Fyll ut fremdrift (0–100)."))],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    text = text_field(_l("Hva er gjort, eller hvorfor er tiltaket utsatt?"), 5000, optional=True, area=True,
                      description=_l("Påkrevd når tiltaket er utsatt."))
    update_date = DateField(_l("Dato for oppdateringen"), validators=[Optional()],
                            description=_l("La stå tomt for i dag."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = status_choices()

    def validate_progress(self, field):
        try:
            services.check_progress(field.data)
        except services.ServiceError as exc:
            raise ValidationError(str(exc)) from None


class MeasureDetailsForm(FlaskForm):
    text = text_field(_l("Tiltak"), 2000, area=True)
    unit = text_field(_l("Ansvarlig enhet"), 200, optional=True,
                      description=_l("Enheten som gjennomfører tiltaket. En ny enhet opprettes når navnet er nytt."))
    contact = text_field(_l("Kontaktperson"), 200, optional=True)
    start_date = DateField(_l("Startdato"), validators=[Optional()])
    due_date = DateField(_l("Frist"), validators=[Optional()])

    def validate_due_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(_l("Fristen kan ikke være før startdatoen."))


class StrategiesForm(FlaskForm):
    strategy_ids = MultiCheckboxField(_l("Strategier tiltaket følger opp"), coerce=int, choices=[],
                                      validators=[required(_l("Velg minst én strategi."))])


class UploadForm(FormKeyMixin, FlaskForm):
    file = FileField(_l("Utfylt regneark (XLSX)"), validators=[FileRequired(message=_l("Velg filen du vil laste opp."))])


class RevisionForm(FlaskForm):
    summary = text_field(_l("Slik gikk året"), 20_000, optional=True, area=True,
                         description=_l("Kort om hva som er gjort og hva som ikke ble som planlagt."))
    proposals = text_field(_l("Forslag til endringer i neste handlingsprogram"), 20_000, optional=True, area=True,
                           description=_l("Ett forslag per linje."))


class UnitLinkForm(FormKeyMixin, FlaskForm):
    """Make a unit's secret link (CSRF and the one-time key; the link is shown on the next page)."""


class UnitLinkMailForm(FlaskForm):
    """Send a unit's new link to its leader by e-mail, in the leader's language."""

    email = text_field(_l("E-post til enhetens leder"), 254,
                       description=_l("For eksempel enhetsleder@kommune.no. Lenken går bare til denne adressen."))
    lang = SelectField(_l("Språk i e-posten"), choices=choices(LANGUAGES),
                       validate_choice=False)

    def validate_email(self, field):
        from wtforms.validators import Email

        Email(message=_l("Skriv en gyldig e-postadresse, for eksempel navn@kommune.no."), check_deliverability=False)(self, field)
