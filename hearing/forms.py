"""Form fields shared by several areas."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, Field, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class PasswordPolicy:
    """WTForms validator for :func:`hearing.auth.services.password_problem`; the form's ``email`` and
    ``name`` fields (or ``user``, the account the password is for) count as words to avoid."""

    def __call__(self, form, field) -> None:
        from wtforms.validators import ValidationError

        from hearing.auth.services import password_problem

        if not field.data:
            return
        user = getattr(form, "policy_user", None)
        inputs = [getattr(getattr(form, name, None), "data", None) for name in ("email", "name")]
        inputs += [getattr(user, "email", None), getattr(user, "name", None)]
        if problem := password_problem(field.data, user_inputs=[v for v in inputs if isinstance(v, str)]):
            raise ValidationError(problem)


#: Staff passwords: the same rule wherever one is set (by an administrator or by the user).
PASSWORD_RULE = PasswordPolicy()


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input read as Norwegian local time and given to the code as aware UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%Y-%m-%dT%H:%M", **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = self.data.replace(tzinfo=local_zone()).astimezone(UTC)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            local = self.data.astimezone(local_zone()) if self.data.tzinfo else self.data
            return local.strftime("%Y-%m-%dT%H:%M")
        return ""


def required(message: str | None = None) -> DataRequired:
    return DataRequired(message=message or _l("Fyll ut feltet."))


def text_field(label, max_length: int, *, optional: bool = False, area: bool = False, **kwargs):
    """A trimmed text field with a Norwegian length message."""
    validators = [] if optional else [required()]
    validators.append(Length(max=max_length, message=_l("Skriv høyst %(max)d tegn.", max=max_length)))
    cls = TextAreaField if area else StringField
    return cls(label, validators=validators, filters=[lambda v: v.strip() if isinstance(v, str) else v], **kwargs)


def field_errors(form) -> list[tuple[Field, str, str]]:
    """(field, label, message) for every error in ``form``, sub-forms included, in page order.

    A field inside a list of sub-forms is named with the list's label and its number
    ("Fase 2 – Fra dato"), so the error summary can link to it and say which row it is in.
    """
    out: list[tuple[Field, str, str]] = []

    def walk(fields, prefix: str = "") -> None:
        for field in fields:
            if field.type == "CSRFTokenField":
                continue
            # a list's errors hold its rows' errors (dicts, lists) besides its own messages
            out.extend((field, prefix + str(field.label.text), e) for e in field.errors if not isinstance(e, dict | list))
            if field.type == "FieldList":
                for n, entry in enumerate(field.entries, 1):
                    walk([entry], f"{prefix}{field.label.text} {n} – ")
            elif field.type == "FormField":
                walk(field, prefix)

    walk(form)
    return out


def init_app(app) -> None:
    app.jinja_env.globals["field_errors"] = field_errors


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs or a dict; a label from ``hearing.content.content`` in another
    language than the page's is marked with ``lang`` (WCAG 3.1.2)."""
    from hearing.content import lang_kw

    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value=value, label=label, render_kw=lang_kw(label)) for value, label in items]
