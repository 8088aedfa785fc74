from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired


class LoginForm(FlaskForm):
    email = StringField(_l("E-post"), validators=[DataRequired(message=_l("Skriv e-postadressen din."))])
    password = PasswordField(_l("Passord"), validators=[DataRequired(message=_l("Skriv passordet ditt."))])
    next = HiddenField()
