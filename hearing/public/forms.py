from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Email

from hearing.forms import text_field
from hearing.idempotency import FormKeyMixin


class AccessibilityReportForm(FormKeyMixin, FlaskForm):
    page = text_field(_l("Hvilken side gjelder det?"), 500, optional=True, description=_l("Adressen eller navnet på siden."))
    description = text_field(_l("Beskriv problemet"), 5000, area=True, description=_l("Hva prøvde du å gjøre, og hva hindret deg?"))
    email = text_field(_l("E-post (valgfritt)"), 254, optional=True, description=_l("Hvis du vil ha svar."))

    def validate_email(self, field):
        if field.data:
            Email(message=_l("Skriv en gyldig e-postadresse, eller la feltet stå tomt."), check_deliverability=False)(self, field)


