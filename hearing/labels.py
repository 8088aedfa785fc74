"""Display names of the code's enum values, translated, for templates and exports."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

KINDS = {
    "workshop": _l("Verksted / dialogmøte"),
    "hearing": _l("Høring"),
    "survey": _l("Spørreundersøkelse"),
    "suggestions": _l("Forslagskasse"),
}
AUDIENCES = {"public": _l("Åpen for alle"), "invited": _l("Bare inviterte grupper")}
CATEGORIES = {
    "council": _l("Råd"),
    "employees": _l("Ansatte og ledere"),
    "citizens": _l("Innbyggere og brukere"),
    "partners": _l("Eksterne partnere"),
}
ROLES = {"admin": _l("Administrator"), "facilitator": _l("Fasilitator"), "reviewer": _l("Kreativ gruppe (saksbehandler)")}
QUESTION_TYPES = {
    "free_text": _l("Fritekst"),
    "rating": _l("Vurdering 1–5"),
    "single_choice": _l("Ett valg"),
    "multiple_choice": _l("Flere valg"),
}
CONSENTS = {
    "with_name": _l("Kan publiseres med navn"),
    "without_name": _l("Kan publiseres uten navn"),
    "not_published": _l("Skal ikke publiseres"),
}
DECISIONS = {
    "adopted": _l("Tatt til følge"),
    "partly": _l("Delvis tatt til følge"),
    "not_adopted": _l("Ikke tatt til følge"),
    "not_relevant": _l("Ikke relevant for planen"),
}
STATUSES = {"open": _l("Åpen"), "upcoming": _l("Ikke åpnet ennå"), "closed": _l("Avsluttet")}
JOB_STATUSES = {"queued": _l("I kø"), "running": _l("Pågår"), "done": _l("Ferdig"), "failed": _l("Feilet")}
#: How an input came in (InputSource): on the board, the input's page, exports and the report back.
INPUT_SOURCES = {"web": _l("Skjema på nett"), "workshop": _l("Verksted og møter"), "import": _l("Importert fil")}
#: Languages of the interface and of content (in config LANGUAGES' order), named in the reader's language.
LANGUAGES = {"nb": _l("Bokmål"), "nn": _l("Nynorsk"), "en": _l("Engelsk"), "da": _l("Dansk")}


def job_status_label(status: str) -> str:
    """A background job's status in words (theme runs, exports)."""
    return str(JOB_STATUSES.get(status, status))


def init_app(app) -> None:
    def endpoint_exists(name: str) -> bool:
        return name in current_app.view_functions

    def may_open(name: str) -> bool:
        """Whether the current user passes the view's role check: a link that would answer 403 is not shown."""
        from flask_login import current_user

        view = current_app.view_functions.get(name)
        if view is None:
            return False
        roles = getattr(view, "required_roles", None)
        if roles is None:
            return True
        return bool(current_user.is_authenticated and current_user.has_role(*roles))

    app.jinja_env.globals.update(
        endpoint_exists=endpoint_exists,
        may_open=may_open,
        kind_label=lambda v: KINDS.get(v, v),
        audience_label=lambda v: AUDIENCES.get(v, v),
        category_label=lambda v: CATEGORIES.get(v, v),
        role_label=lambda v: ROLES.get(v, v),
        question_type_label=lambda v: QUESTION_TYPES.get(v, v),
        status_label=lambda v: STATUSES.get(v, v),
        consent_label=lambda v: CONSENTS.get(v, v),
        decision_label=lambda v: DECISIONS.get(v, v),
    )
