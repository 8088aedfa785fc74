"""Content in the reader's language: titles and descriptions of processes, phases, groups, activities,
documents and reports, with the process's own language (tagged with ``lang``) as the fallback.

The object's columns hold the text in ``Process.language``; ``ContentTranslation`` rows hold the same
field in other languages. Templates call ``content(obj, "title")``, which gives a ``Localized`` string
that knows its language, and ``|in_lang`` / ``lang_attr(code)`` to mark text that is not in the page's
language (WCAG 3.1.2), also for participants' inputs (``Input.lang``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from hearing import audit
from hearing.models import (
    Activity,
    ContentTranslation,
    Document,
    HearingReport,
    Phase,
    Process,
    StakeholderGroup,
    User,
)

#: What can be written in several languages: object type -> (model, fields, longest text per field).
TRANSLATABLE: dict[str, tuple[type, dict[str, int]]] = {
    "process": (Process, {"name": 200, "description": 5000}),
    "phase": (Phase, {"name": 200, "description": 5000}),
    "group": (StakeholderGroup, {"name": 200}),
    "activity": (Activity, {"title": 200, "description": 5000}),
    "document": (Document, {"title": 300}),
    "report": (HearingReport, {"title": 300, "introduction": 10000}),
}
_TYPES = {model: name for name, (model, _fields) in TRANSLATABLE.items()}

#: The standard groups and phases (written in bokmål in the code) in the other languages, so that a
#: process in any language starts with names its readers understand.
STANDARD_NAMES: dict[str, dict[str, str]] = {
    "Eldrerådet": {"nn": "Eldrerådet", "en": "Council for the elderly", "da": "Ældrerådet"},
    "Rådet for personer med funksjonsnedsettelse": {
        "nn": "Rådet for personar med funksjonsnedsetjing", "en": "Council for persons with disabilities", "da": "Handicaprådet"},
    "Ungdomsrådet": {"nn": "Ungdomsrådet", "en": "Youth council", "da": "Ungdomsrådet"},
    "Ansatte": {"nn": "Tilsette", "en": "Employees", "da": "Medarbejdere"},
    "Ledere": {"nn": "Leiarar", "en": "Managers", "da": "Ledere"},
    "Tillitsvalgte": {"nn": "Tillitsvalde", "en": "Union representatives", "da": "Tillidsrepræsentanter"},
    "Verneombud": {"nn": "Verneombod", "en": "Safety representatives", "da": "Arbejdsmiljørepræsentanter"},
    "Innbyggere": {"nn": "Innbyggjarar", "en": "Residents", "da": "Borgere"},
    "Pårørende": {"nn": "Pårørande", "en": "Next of kin", "da": "Pårørende"},
    "Brukerråd": {"nn": "Brukarråd", "en": "User council", "da": "Brugerråd"},
    "Eksterne partnere": {"nn": "Eksterne partnarar", "en": "External partners", "da": "Eksterne samarbejdspartnere"},
    "Her er vi": {"nn": "Her er vi", "en": "Where we are", "da": "Her er vi"},
    "Slik vil vi ha det": {"nn": "Slik vil vi ha det", "en": "Where we want to be", "da": "Sådan vil vi have det"},
    "Slik kommer vi dit": {"nn": "Slik kjem vi dit", "en": "How we get there", "da": "Sådan kommer vi derhen"},
    "Fra ord til handling": {"nn": "Frå ord til handling", "en": "From words to action", "da": "Fra ord til handling"},
}


def languages() -> tuple[str, ...]:
    """The languages the site offers (config LANGUAGES)."""
    return tuple(current_app.config["LANGUAGES"]) if has_app_context() else ("nb", "nn", "en", "da")


def standard_name(name_nb: str, lang: str) -> str:
    """A standard group's or phase's name in a language (the bokmål name when it is not a standard one)."""
    return name_nb if lang == "nb" else STANDARD_NAMES.get(name_nb, {}).get(lang, name_nb)


def _standard_names_in(name: str, lang: str) -> dict[str, str] | None:
    """All languages of a standard name written in ``lang``, or None when it is not one."""
    for nb, others in STANDARD_NAMES.items():
        if standard_name(nb, lang) == name:
            return {"nb": nb, **others}
    return None


class Localized(str):
    """A text that knows its language."""

    lang: str

    def __new__(cls, text: str, lang: str) -> Localized:
        obj = super().__new__(cls, text or "")
        obj.lang = lang
        return obj


def object_type(obj: Any) -> str:
    # ``translation_type``: an immutable snapshot of the object (hearing.participation.form_cache).
    return getattr(obj, "translation_type", None) or _TYPES[type(obj)]


def _loaded(obj: Any, attr: str) -> Any:
    """A relationship's value, without loading it on a detached object (None then)."""
    state = sa.inspect(obj)
    if attr in state.unloaded and state.session is None:
        return None
    return getattr(obj, attr, None)


def process_of(obj: Any) -> Process | None:
    if isinstance(obj, Process) or getattr(obj, "translation_type", None) == "process":
        return obj
    if not hasattr(obj, "_sa_instance_state"):  # a snapshot: plain attributes, nothing to load
        return getattr(obj, "process", None)
    if isinstance(obj, Document):
        activity = _loaded(obj, "activity")
        return _loaded(activity, "process") if activity is not None else None
    return _loaded(obj, "process")


def source_lang(obj: Any) -> str:
    """The language the object's own columns are written in: its process's."""
    process = process_of(obj)
    return (process.language if process is not None else None) or "nb"


def reader_lang() -> str:
    from hearing.i18n import page_language

    return page_language()


def _rows(lang: str) -> dict[tuple[str, int, str], str]:
    """Every translation into one language, read once per request (the table holds titles, not bulk text)."""
    from hearing.extensions import db

    cache = g.setdefault("_content_translations", {})
    if lang not in cache:
        rows = db.session.execute(
            sa.select(ContentTranslation.object_type, ContentTranslation.object_id, ContentTranslation.field,
                      ContentTranslation.text).where(ContentTranslation.lang == lang)
        ).all()
        cache[lang] = {(t, i, f): text for t, i, f, text in rows}
    return cache[lang]


def content(obj: Any, field: str, lang: str | None = None, process: Process | None = None) -> Localized:
    """The field in the reader's language when written, else in the process's language.

    ``process``: the object's process, for a detached object that cannot load it (the form cache's).
    """
    if obj is None:
        return Localized("", lang or "nb")
    lang = lang or reader_lang()
    own = (process.language or "nb") if process is not None else source_lang(obj)
    if lang != own and obj.id is not None and has_app_context():
        text = _rows(lang).get((object_type(obj), obj.id, field))
        if text:
            return Localized(text, lang)
    return Localized(getattr(obj, field) or "", own)


def translations(session: Session, obj: Any) -> dict[tuple[str, str], str]:
    """(field, lang) -> text for one object."""
    rows = session.execute(
        sa.select(ContentTranslation.field, ContentTranslation.lang, ContentTranslation.text).where(
            ContentTranslation.object_type == object_type(obj), ContentTranslation.object_id == obj.id)
    ).all()
    return {(f, lang): text for f, lang, text in rows}


def set_translation(session: Session, obj: Any, field: str, lang: str, text: str) -> bool:
    """Store (or remove, when empty) one translation; True when something changed. Flushes."""
    kind = object_type(obj)
    if field not in TRANSLATABLE[kind][1]:
        raise ValueError(f"{kind}.{field} is not translatable")
    text = (text or "").strip()
    row = session.scalar(sa.select(ContentTranslation).filter_by(object_type=kind, object_id=obj.id, field=field, lang=lang))
    if has_app_context():
        g.pop("_content_translations", None)
    if not text or lang == source_lang(obj):
        if row is None:
            return False
        session.delete(row)
        session.flush()
        return True
    if row is not None and row.text == text:
        return False
    if row is None:
        session.add(ContentTranslation(object_type=kind, object_id=obj.id, field=field, lang=lang, text=text))
    else:
        row.text = text
    session.flush()
    return True


def save_translations(session: Session, actor: User | None, process: Process, values: dict[tuple[str, int, str, str], str]) -> int:
    """Store the translations an administrator wrote for a process's objects; audited. Returns how many changed.

    ``values``: (object type, object id, field, lang) -> text. Objects outside the process are ignored.
    """
    owned = {("process", process.id)}
    owned |= {("phase", p.id) for p in process.phases} | {("group", gr.id) for gr in process.groups}
    owned |= {("activity", a.id) for a in process.activities}
    owned |= {("document", a.document.id) for a in process.activities if a.document is not None}
    owned |= {("report", r.id) for r in session.scalars(sa.select(HearingReport).where(HearingReport.process_id == process.id))}
    changed = []
    for (kind, object_id, field, lang), text in values.items():
        if (kind, object_id) not in owned or lang not in languages() or kind not in TRANSLATABLE:
            continue
        model, fields = TRANSLATABLE[kind]
        if field not in fields:
            continue
        obj = session.get(model, object_id)
        if set_translation(session, obj, field, lang, text[: fields[field]]):
            changed.append(f"{kind}:{object_id}:{field}:{lang}")
    if changed:
        audit.record(session, actor, "process.translations", process, changed=changed)
    return len(changed)


def translate_standard_names(session: Session, process: Process) -> None:
    """Give the process's standard groups and phases their names in the other languages (where none is written)."""
    for obj in [*process.phases, *process.groups]:
        names = _standard_names_in(obj.name, process.language or "nb")
        if not names:
            continue
        have = translations(session, obj)
        for lang in languages():
            if lang != (process.language or "nb") and ("name", lang) not in have:
                set_translation(session, obj, "name", lang, names[lang])


# --- marking text in another language ----------------------------------------------------------


def page_lang() -> str:
    from hearing.i18n import html_lang

    try:
        return html_lang()
    except RuntimeError:
        return "nb"


def lang_attr(code: str | None) -> Markup:
    """`` lang="xx"`` when a text's language differs from the page's, else nothing."""
    if not code or code == page_lang():
        return Markup("")
    return Markup(' lang="%s"') % code


def in_lang(text: Any, code: str | None = None) -> Markup:
    """The text, in a ``<span lang>`` when its language (given, or a Localized's own) is not the page's."""
    code = code or getattr(text, "lang", None)
    if not code or code == page_lang() or not str(text):
        return escape(text)
    return Markup('<span lang="%s">%s</span>') % (code, text)


def lang_kw(text: Any) -> dict[str, str]:
    """``{"lang": code}`` for a Localized text not in the page's language (for WTForms labels and options)."""
    code = getattr(text, "lang", None)
    return {"lang": code} if isinstance(code, str) and code and code != page_lang() else {}


def theme_lang(theme: Any) -> str:
    """The language a theme's name is written in: its process's (the engine names themes in it, and
    reviewers rename them in it). Read once per process per request."""
    run = getattr(theme, "run", None)
    process_id = getattr(run, "process_id", None)
    if process_id is None:
        return "nb"
    cache = g.setdefault("_process_langs", {}) if has_app_context() else {}
    if process_id not in cache:
        from hearing.extensions import db

        process = db.session.get(Process, process_id)
        cache[process_id] = (process.language if process is not None else None) or "nb"
    return cache[process_id]


def theme_name(theme: Any) -> Localized:
    """A theme's name knowing its language (for choices: ``hearing.forms.choices`` marks it with ``lang``)."""
    return Localized(theme.label, theme_lang(theme))


def theme_label(theme: Any) -> Markup:
    """A theme's name, in a ``<span lang>`` when its process's language is not the page's (WCAG 3.1.2)."""
    return in_lang(theme.label, theme_lang(theme))


def init_app(app) -> None:
    app.jinja_env.globals.update(content=content, lang_attr=lang_attr, lang_kw=lang_kw, theme_lang=theme_lang)
    app.jinja_env.filters["in_lang"] = in_lang
    app.jinja_env.filters["theme_label"] = theme_label


def translatable_items(session: Session, process: Process) -> list[tuple[str, Any]]:
    """(object type, object) for everything of a process that can be written in several languages, in page order."""
    items: list[tuple[str, Any]] = [("process", process)]
    items += [("phase", p) for p in process.phases]
    items += [("group", gr) for gr in process.groups]
    for activity in process.activities:
        items.append(("activity", activity))
        if activity.document is not None:
            items.append(("document", activity.document))
    items += [("report", r) for r in session.scalars(
        sa.select(HearingReport).where(HearingReport.process_id == process.id).order_by(HearingReport.id))]
    return items


# --- a deleted object takes its translations with it ---------------------------------------------------
# content_translations has no foreign key (one table for six kinds of object), so nothing in the database
# removes a deleted object's rows; left behind, they would be read as the translations of a later object
# given the same id (SQLite reuses ids). Deleting through the ORM removes them, also for the phases,
# groups, activities, documents and reports that go with a deleted process or activity.


def _owned_keys(connection, obj: Any) -> list[tuple[str, int]]:
    kind = _TYPES.get(type(obj))
    if kind is None or obj.id is None:
        return []
    keys = [(kind, obj.id)]
    if isinstance(obj, Process):
        for child_kind, (model, _fields) in TRANSLATABLE.items():
            if model is Process:
                continue
            if model is Document:
                query = sa.select(Document.id).join(Activity, Activity.id == Document.activity_id).where(
                    Activity.process_id == obj.id)
            else:
                query = sa.select(model.id).where(model.process_id == obj.id)
            keys += [(child_kind, i) for i in connection.scalars(query)]
    elif isinstance(obj, Activity):
        keys += [("document", i) for i in connection.scalars(sa.select(Document.id).where(Document.activity_id == obj.id))]
    return keys


def forget_translations(connection, keys: list[tuple[str, int]]) -> None:
    """Delete the translations of these (object type, object id) pairs."""
    by_type: dict[str, list[int]] = {}
    for kind, ident in keys:
        by_type.setdefault(kind, []).append(ident)
    for kind, ids in by_type.items():
        for start in range(0, len(ids), 500):
            connection.execute(sa.delete(ContentTranslation).where(
                ContentTranslation.object_type == kind, ContentTranslation.object_id.in_(ids[start:start + 500])))


@sa.event.listens_for(Session, "before_flush")
def _forget_deleted(session: Session, _context, _instances) -> None:
    deleted = [obj for obj in session.deleted if type(obj) in _TYPES]
    if not deleted:
        return
    connection = session.connection()  # plain SQL on the flush's connection: no autoflush inside the flush
    forget_translations(connection, [key for obj in deleted for key in _owned_keys(connection, obj)])
    if has_app_context():
        g.pop("_content_translations", None)
