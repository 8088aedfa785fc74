"""Forms of the board for many inputs: one action on the ticked inputs or on every input matching a filter."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField
from wtforms.validators import Optional, ValidationError

from hearing.content import theme_name
from hearing.forms import choices, text_field
from hearing.idempotency import FormKeyMixin
from hearing.labels import DECISIONS
from hearing.review.assessments import NEEDS_REASON, REASON_MAX


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class BulkForm(FormKeyMixin, FlaskForm):
    assignment_ids = SelectMultipleField(_l("Valgte innspill"), coerce=int, choices=[], validate_choice=False)
    all_matching = BooleanField(_l("Velg alle innspillene som passer til filteret, på alle sider"))
    action = RadioField(
        _l("Hva skal gjøres med de valgte innspillene?"),
        choices=choices([("move", _l("Flytt til et tema")), ("confirm", _l("Bekreft der de står")),
                         ("assess", _l("Vurder"))]),
        default="move",
    )
    theme_id = SelectField(_l("Flytt til tema"), coerce=_optional_int, choices=[], validators=[Optional()],
                           validate_choice=False)
    decision = SelectField(_l("Vurdering"), choices=[], validators=[Optional()], validate_choice=False)
    reason = text_field(_l("Begrunnelse"), REASON_MAX, optional=True, area=True,
                        description=_l("Må fylles ut når innspillene ikke er tatt til følge i sin helhet."))
    replace = BooleanField(_l("Erstatt også vurderinger som allerede er gitt"),
                           description=_l("Ellers får bare innspill uten vurdering den nye."))
    #: The inputs shown on the page, in order (to find where the reviewer was after the action).
    page_ids = HiddenField()

    def set_choices(self, themes) -> BulkForm:
        self.theme_id.choices = choices([("", _l("Velg tema"))] + [(t.id, theme_name(t)) for t in themes])
        self.decision.choices = [("", _l("Velg vurdering"))] + list(DECISIONS.items())
        return self

    def validate_action(self, field):
        if field.data not in ("move", "confirm", "assess"):
            raise ValidationError(_l("Velg hva som skal gjøres med innspillene."))

    def validate_theme_id(self, field):
        if self.action.data == "move" and not field.data:
            raise ValidationError(_l("Velg et tema å flytte innspillene til."))

    def validate_decision(self, field):
        if self.action.data == "assess" and field.data not in DECISIONS:
            raise ValidationError(_l("Velg en vurdering."))

    def validate_reason(self, field):
        if self.action.data == "assess" and self.decision.data in NEEDS_REASON and not (field.data or "").strip():
            raise ValidationError(
                _l("Skriv en kort begrunnelse. Den trengs når innspillet ikke er tatt til følge i sin helhet."))

    @property
    def shown(self) -> list[int]:
        return [int(i) for i in (self.page_ids.data or "").split(",") if i.strip().isdigit()]


class DuplicateGroupForm(FormKeyMixin, FlaskForm):
    """One click: the listed inputs are duplicates of the first."""

    original_id = HiddenField()
    duplicate_ids = SelectMultipleField(coerce=int, choices=[], validate_choice=False)
    #: "1": every duplicate the run suggests for the original, also those not listed on the page.
    whole_group = HiddenField()


class NotDuplicateForm(FormKeyMixin, FlaskForm):
    """One click: a suggested duplicate is not one (never suggested again)."""

    original_id = HiddenField()
    input_id = HiddenField()
