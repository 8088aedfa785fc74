"""The report builder: staff write "dere sa" and "vi gjorde" per theme (prefilled from the theme's label, size,
groups and the assessments' outcome), choose quotes, hide, rename and order themes, and answer each formal
statement in the merknadsskjema. What they write is stored per report and shown (masked) from the next
published version. No request inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from hearing import audit
from hearing.core.errors import ServiceError
from hearing.models import (
    Activity,
    HearingReport,
    Input,
    ReportStatement,
    ReportTheme,
    Submission,
    Theme,
    ThemeAssignment,
    ThemeRun,
    User,
    utcnow,
)
from hearing.reporting import services
from hearing.reporting.services import ReportView, ThemeSection

#: Quotes offered per theme in the builder.
CANDIDATES = 12
MAX_TEXT = 20_000
MAX_LABEL = 200


@dataclass
class Candidate:
    input_id: int
    text: str
    attribution: str


@dataclass
class BuilderTheme:
    """A theme as the builder shows it: what the report would say, and what staff have set."""

    theme_id: int
    own_label: str
    section: ThemeSection
    position: int | None
    is_hidden: bool
    label: str
    said: str
    did: str
    quote_ids: list[int]
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class BuilderStatement:
    submission_id: int
    row: services.StatementRow
    answer: str
    plan_ref: str


def said_default(section: ThemeSection) -> str:
    """"Dere sa", prefilled: the theme, how many inputs and from which groups."""
    groups = ", ".join(f"{name} ({n})" for name, n in section.groups[:5])
    return _("%(label)s: %(n)d innspill, fra %(groups)s.", label=section.label, n=section.count, groups=groups)


def did_default(section: ThemeSection) -> str:
    """"Vi gjorde", prefilled: the outcome of the assessments and the parts of the draft they reached."""
    parts = [f"{label}: {n}" for label, n in section.decisions]
    if section.unassessed:
        parts.append(_("ikke vurdert ennå: %(n)d", n=section.unassessed))
    text = _("Vurderingene: %(list)s.", list=", ".join(parts)) if parts else ""
    if section.changes:
        text += (" " if text else "") + _("I utkastet: %(list)s.", list="; ".join(f"{c.kind} «{c.text}»" for c in section.changes))
    return text


def _candidates(session: Session, report: HearingReport, run: ThemeRun, theme_id: int) -> list[Candidate]:
    """Quotable inputs of the theme (published responses of any channel, workshop notes approved for quoting)."""
    q = (sa.select(Input).join(ThemeAssignment, ThemeAssignment.input_id == Input.id)
         .outerjoin(Submission, Submission.id == Input.submission_id).join(Activity, Activity.id == Input.activity_id)
         .where(ThemeAssignment.run_id == run.id, ThemeAssignment.theme_id == theme_id,
                services.quotable_clause(utcnow()), Input.duplicate_of_id.is_(None))
         .options(selectinload(Input.submission), selectinload(Input.group), selectinload(Input.activity))
         .order_by(Input.id).limit(CANDIDATES))
    if report.activity_id:
        q = q.where(Input.activity_id == report.activity_id)
    out = []
    for item in session.scalars(q):
        quote = services.quote_of(item)
        out.append(Candidate(item.id, quote.text, quote.attribution))
    return out


def themes_of(session: Session, report: HearingReport) -> list[BuilderTheme]:
    """Every theme of the report's grouping (hidden ones too), with what staff set or the prefilled texts."""
    run = session.get(ThemeRun, report.run_id) if report.run_id else None
    if run is None:
        return []
    raw: ReportView = services.build_view(session, report, use_settings=False)
    settings = services.theme_settings(session, report)
    labels = {t.id: t.label for t in session.scalars(sa.select(Theme).where(Theme.run_id == run.id))}
    out = []
    for section in raw.themes:
        s = settings.get(section.theme_id)
        out.append(BuilderTheme(
            theme_id=section.theme_id, own_label=labels.get(section.theme_id, section.label), section=section,
            position=s.position if s else None, is_hidden=bool(s and s.is_hidden), label=s.label if s else "",
            said=s.said if s and s.said else said_default(section), did=s.did if s and s.did else did_default(section),
            quote_ids=list(s.quote_input_ids or []) if s else [],
            candidates=_candidates(session, report, run, section.theme_id),
        ))
    out.sort(key=lambda t: (t.position is None, t.position or 0, -t.section.count))
    return out


def statements_of(session: Session, report: HearingReport) -> list[BuilderStatement]:
    answers = {r.submission_id: r for r in session.scalars(
        sa.select(ReportStatement).where(ReportStatement.report_id == report.id))}
    subs = services.formal_statements(session, report)
    rows = services.statement_rows(session, report)
    return [BuilderStatement(sub.id, row, answers[sub.id].answer if sub.id in answers else "",
                             answers[sub.id].plan_ref if sub.id in answers else "") for sub, row in zip(subs, rows, strict=True)]


def read_form(form, themes: list[BuilderTheme], statements: list[BuilderStatement]) -> dict[str, Any]:
    """What staff typed, by theme and statement id (kept whole, so the page can show it again)."""
    data: dict[str, Any] = {"themes": {}, "statements": {}}
    for t in themes:
        k = f"t{t.theme_id}"
        data["themes"][t.theme_id] = {
            "position": form.get(f"{k}-position", "").strip(), "shown": bool(form.get(f"{k}-shown")),
            "label": form.get(f"{k}-label", ""), "said": form.get(f"{k}-said", ""), "did": form.get(f"{k}-did", ""),
            "quotes": [int(i) for i in form.getlist(f"{k}-quotes") if i.isdigit()],
        }
    for st in statements:
        k = f"s{st.submission_id}"
        data["statements"][st.submission_id] = {"answer": form.get(f"{k}-answer", ""), "plan_ref": form.get(f"{k}-plan", "")}
    return data


def apply_typed(themes: list[BuilderTheme], statements: list[BuilderStatement], data: dict[str, Any]) -> None:
    """Show what was typed on the page again (after a refusal)."""
    for t in themes:
        d = data["themes"].get(t.theme_id)
        if d:
            t.position = d["position"] or None
            t.is_hidden, t.label, t.said, t.did, t.quote_ids = not d["shown"], d["label"], d["said"], d["did"], d["quotes"]
    for st in statements:
        d = data["statements"].get(st.submission_id)
        if d:
            st.answer, st.plan_ref = d["answer"], d["plan_ref"]


def save(session: Session, actor: User | None, report: HearingReport, data: dict[str, Any]) -> dict[str, str]:
    """Store the builder's settings; returns problems (field key -> Norwegian message), storing nothing then."""
    themes = {t.theme_id: t for t in themes_of(session, report)}
    statements = {s.submission_id: s for s in statements_of(session, report)}
    errors: dict[str, str] = {}
    clean: dict[int, dict[str, Any]] = {}
    for theme_id, d in data["themes"].items():
        if theme_id not in themes:
            continue
        k = f"t{theme_id}"
        position = None
        if d["position"]:
            if not str(d["position"]).isdigit() or not 1 <= int(d["position"]) <= 999:
                errors[f"{k}-position"] = str(_l("Skriv et helt tall fra 1 til 999, eller la feltet stå tomt."))
            else:
                position = int(d["position"])
        if len(d["label"].strip()) > MAX_LABEL:
            errors[f"{k}-label"] = str(_l("Skriv høyst %(max)d tegn.", max=MAX_LABEL))
        for key in ("said", "did"):
            if len(d[key]) > MAX_TEXT:
                errors[f"{k}-{key}"] = str(_l("Skriv høyst %(max)d tegn.", max=MAX_TEXT))
        allowed = {c.input_id for c in themes[theme_id].candidates}
        quotes = [i for i in d["quotes"] if i in allowed]
        if len(quotes) > services.QUOTES_PER_THEME:
            errors[f"{k}-quotes"] = str(_l("Velg høyst %(max)d sitater per tema.", max=services.QUOTES_PER_THEME))
        clean[theme_id] = {"position": position, "is_hidden": not d["shown"], "label": d["label"].strip(),
                           "said": d["said"].strip(), "did": d["did"].strip(), "quote_input_ids": quotes}
    for sid, d in data["statements"].items():
        if sid in statements and (len(d["answer"]) > MAX_TEXT or len(d["plan_ref"]) > 300):
            errors[f"s{sid}-answer"] = str(_l("Svaret er for langt."))
    if errors:
        return errors
    existing = {r.theme_id: r for r in session.scalars(sa.select(ReportTheme).where(ReportTheme.report_id == report.id))}
    for theme_id, values in clean.items():
        # a prefilled text left as it was is not stored: it follows the assessments until staff write their own
        t = themes[theme_id]
        if values["said"] == said_default(t.section).strip():
            values["said"] = ""
        if values["did"] == did_default(t.section).strip():
            values["did"] = ""
        row = existing.get(theme_id) or ReportTheme(report_id=report.id, theme_id=theme_id)
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)
    answers = {r.submission_id: r for r in session.scalars(
        sa.select(ReportStatement).where(ReportStatement.report_id == report.id))}
    for sid, d in data["statements"].items():
        if sid not in statements:
            continue
        row = answers.get(sid) or ReportStatement(report_id=report.id, submission_id=sid)
        row.answer, row.plan_ref = d["answer"].strip(), d["plan_ref"].strip()
        session.add(row)
    session.flush()
    audit.record(session, actor, "report.builder", report, themes=len(clean),
                 hidden=[tid for tid, v in clean.items() if v["is_hidden"]], statements=len(data["statements"]))
    return {}


__all__ = ["BuilderStatement", "BuilderTheme", "Candidate", "ServiceError", "apply_typed", "did_default", "read_form",
           "said_default", "save", "statements_of", "themes_of"]
