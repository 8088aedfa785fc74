from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from hearing.forms import PASSWORD_RULE


class LoginForm(FlaskForm):
    email = StringField(_l("E-post"), validators=[DataRequired(message=_l("Skriv e-postadressen din."))])
    password = PasswordField(_l("Passord"), validators=[DataRequired(message=_l("Skriv passordet ditt."))])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Nåværende passord"), validators=[DataRequired(message=_l("Skriv passordet du bruker nå."))],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("Nytt passord"), validators=[DataRequired(message=_l("Skriv et nytt passord.")), PASSWORD_RULE],
                             description=_l("Minst 12 tegn. Unngå vanlige passord og ditt eget navn."), render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Gjenta det nye passordet"),
                            validators=[DataRequired(message=_l("Skriv det nye passordet en gang til.")),
                                        EqualTo("password", message=_l("Passordene er ikke like."))],
                            render_kw={"autocomplete": "new-password"})


class ForgotPasswordForm(FlaskForm):
    email = StringField(_l("E-post"), validators=[DataRequired(message=_l("Skriv e-postadressen du logger inn med."))],
                        render_kw={"autocomplete": "email"})


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("Nytt passord"), validators=[DataRequired(message=_l("Skriv et nytt passord.")), PASSWORD_RULE],
                             description=_l("Minst 12 tegn. Unngå vanlige passord og ditt eget navn."), render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Gjenta passordet"),
                            validators=[DataRequired(message=_l("Skriv passordet en gang til.")),
                                        EqualTo("password", message=_l("Passordene er ikke like."))],
                            render_kw={"autocomplete": "new-password"})
