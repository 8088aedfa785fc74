"""Forms for drafts and their parts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from hearing.forms import text_field
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
    """Send the draft on hearing: a confirmation with a one-time key."""
