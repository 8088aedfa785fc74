"""Forms for drafts and their parts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from hearing import labels
from hearing.forms import LocalDateTimeField, choices, required, text_field
from hearing.idempotency import FormKeyMixin


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DraftForm(FormKeyMixin, FlaskForm):
    title = text_field(_l("Tittel"), 300, optional=True, description=_l("La stå tomt for «Strategiutkast N»."))
    note = text_field(
        _l("Hva er utkastet laget for?"), 2000, optional=True, area=True,
        description=_l("For eksempel «Etter dialogmøte med kvalitetsutvalget»."),
    )
    copy = BooleanField(_l("Start som kopi av det siste utkastet"), default=True)
    theme_ids = MultiCheckboxField(
        _l("Start satsningsområder fra temaer"), coerce=int, choices=[],
        description=_l("Hvert valgt tema blir et satsningsområde med temaets navn. Sitatene vises ved siden av."),
    )


class DraftEditForm(FlaskForm):
    title = text_field(_l("Tittel"), 300)
    note = text_field(_l("Hva er utkastet laget for?"), 2000, optional=True, area=True)


class FocusAreaForm(FormKeyMixin, FlaskForm):
    title = text_field(_l("Satsningsområde"), 300)
    current_state = text_field(_l("Her er vi"), 20_000, optional=True, area=True, description=_l("Hvor står vi i dag?"))
    desired_state = text_field(
        _l("Slik vil vi ha det"), 20_000, optional=True, area=True, description=_l("Hvor vil vi? Målene med indikatorer legges til under."),
    )


class GoalForm(FormKeyMixin, FlaskForm):
    text = text_field(_l("Mål"), 2000, area=True)


class IndicatorForm(FormKeyMixin, FlaskForm):
    name = text_field(_l("Indikator"), 300, description=_l("Hva måler vi? For eksempel «Andel som bor hjemme ved 80 år»."))
    baseline = text_field(_l("Verdi i dag"), 100, optional=True)
    target = text_field(_l("Mål"), 100, optional=True)
    source = text_field(_l("Kilde"), 300, optional=True, description=_l("For eksempel «Kommunehelsa statistikkbank»."))


class StrategyForm(FormKeyMixin, FlaskForm):
    text = text_field(_l("Strategi"), 2000, area=True)


class MeasureForm(FormKeyMixin, FlaskForm):
    text = text_field(_l("Tiltak"), 2000, area=True)
    owner = text_field(_l("Ansvarlig"), 200, optional=True)
    deadline = DateField(_l("Frist"), validators=[Optional()])


#: Form class per kind of draft part.
PART_FORMS = {
    "focus_area": FocusAreaForm,
    "goal": GoalForm,
    "indicator": IndicatorForm,
    "strategy": StrategyForm,
    "measure": MeasureForm,
}


class FromThemeForm(FormKeyMixin, FlaskForm):
    """Start a focus area from a theme (the theme id comes from the button pressed)."""


class LinkForm(FlaskForm):
    input_ids = text_field(
        _l("Innspill nummer"), 2000, optional=True, description=_l("Ett eller flere nummer, skilt med komma eller mellomrom."),
    )
    theme_input_ids = MultiCheckboxField(_l("Innspill i temaet"), coerce=int, choices=[])


class SendForm(FormKeyMixin, FlaskForm):
    """Send the draft on hearing: title, who may answer, when, and the phase; with a one-time key."""

    title = text_field(_l("Tittel"), 200)
    audience = RadioField(
        _l("Hvem kan svare?"), choices=choices(labels.AUDIENCES), default="public",
        validators=[required()],
        description=_l("Offentlig høring er åpen for alle (minst seks uker for planer). "
                       "En intern høring, for eksempel for råd og ansatte, går bare til de inviterte gruppene (ofte 2–3 uker)."),
    )
    group_ids = MultiCheckboxField(_l("Inviterte grupper"), coerce=int, choices=[],
                                   description=_l("Bare når høringen går til inviterte grupper."))
    opens_dt = LocalDateTimeField(_l("Åpner"), validators=[required()])
    closes_dt = LocalDateTimeField(_l("Frist (stenger)"), validators=[required()])
    phase_id = SelectField(_l("Fase"), coerce=int, choices=[])
    short_period_confirmed = BooleanField(
        _l("Fristen er bevisst kortere enn seks uker"),
        description=_l("En offentlig høring av en plan skal vare minst seks uker (plan- og bygningsloven). "
                       "Kryss av bare når en kortere frist er riktig."),
    )

    def validate_closes_dt(self, field):
        from hearing.admin.services import SHORT_PLAN_HEARING, short_plan_hearing

        if self.opens_dt.data and field.data and field.data <= self.opens_dt.data:
            raise ValidationError(_l("Fristen må være etter åpningstidspunktet."))
        if (short_plan_hearing("hearing", self.audience.data == "public", self.opens_dt.data, field.data)
                and not self.short_period_confirmed.data):
            raise ValidationError(_l("%(rule)s Sett en senere frist, eller kryss av for at den kortere fristen er bevisst.",
                                     rule=SHORT_PLAN_HEARING))

    def validate_group_ids(self, field):
        if self.audience.data == "invited" and not field.data:
            raise ValidationError(_l("Velg minst én gruppe som inviteres, eller gjør høringen offentlig."))
