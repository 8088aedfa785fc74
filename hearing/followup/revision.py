"""The yearly revision (rullering) of the plan: what was done in a year, what was delayed and why, the
review group's proposed changes for the next action programme, and the year's figures.

:func:`revision_view` gathers it (no request inside); :func:`to_docx` and :func:`to_pdf` write it with the
same builders as the drafts (real headings, header rows, tagged PDF), and a background job
(``export.revision``, :mod:`hearing.exports.jobs`) makes the files.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from hearing import audit, charts
from hearing.admin.services import ServiceError, slugify
from hearing.followup import services
from hearing.models import MeasureStatus, Plan, PlanMeasure, PlanRevision, User, utcnow

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "pdf": ("application/pdf", "pdf"),
}


@dataclass
class Item:
    """A measure as the revision reports it: its state at the end of the year and the year's last word."""

    measure: PlanMeasure
    status: str
    progress: int
    when: date | None
    text: str
    areas: str


@dataclass
class RevisionView:
    plan: Plan
    year: int
    revision: PlanRevision | None
    done: list[Item] = field(default_factory=list)
    delayed: list[Item] = field(default_factory=list)
    ongoing: list[Item] = field(default_factory=list)
    not_started: list[Item] = field(default_factory=list)
    closed: list[Item] = field(default_factory=list)
    status_counts: dict[str, int] = field(default_factory=dict)
    updates_in_year: int = 0
    due_in_year: int = 0
    done_on_time: int = 0
    mean_progress: float = 0.0

    @property
    def title(self) -> str:
        return _("Rullering %(year)d: %(plan)s", year=self.year, plan=self.plan.title)

    @property
    def summary(self) -> list[str]:
        return paragraphs(self.revision.summary if self.revision else "")

    @property
    def proposals(self) -> list[str]:
        text = self.revision.proposals if self.revision else ""
        return [line.strip().lstrip("-•* ").strip() for line in text.splitlines() if line.strip().lstrip("-•* ").strip()]

    @property
    def total(self) -> int:
        return sum(self.status_counts.values())

    def status_chart(self, locale: str | None = None) -> charts.Chart:
        return charts.bar_chart(
            _("Tiltakenes status ved utgangen av %(year)d", year=self.year),
            [(services.status_label(s), self.status_counts.get(s, 0)) for s in MeasureStatus],
            category_label=_("Status"), value_label=_("Tiltak"), locale=locale)

    def figure_rows(self) -> list[tuple[str, str]]:
        return [
            (_("Tiltak i planen"), str(self.total)),
            (_("Gjennomført i %(year)d", year=self.year), str(len(self.done))),
            (_("Utsatt eller forsinket"), str(len(self.delayed))),
            (_("Med frist i %(year)d", year=self.year), str(self.due_in_year)),
            (_("Gjennomført innen fristen (av dem med frist i året)"), f"{self.done_on_time} / {self.due_in_year}"),
            (_("Gjennomsnittlig fremdrift ved årets slutt"), charts.format_value(round(self.mean_progress, 1), unit="%")),
            (_("Oppdateringer i løpet av året"), str(self.updates_in_year)),
        ]


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def years_of(plan: Plan, today: date | None = None) -> list[int]:
    """The years a revision can be written for: from the adoption year to this year (or the year of the
    latest update, when a unit has dated one ahead)."""
    today = today or utcnow().date()
    latest = max((u.update_date.year for m in plan.measures for u in m.updates), default=today.year)
    return list(range(plan.adopted_on.year, max(today.year, latest, plan.adopted_on.year) + 1))


def revision_of(session: Session, plan: Plan, year: int) -> PlanRevision | None:
    return session.scalar(sa.select(PlanRevision).where(PlanRevision.plan_id == plan.id, PlanRevision.year == year))


def save_revision(session: Session, actor: User | None, plan: Plan, year: int, data: dict[str, Any]) -> PlanRevision:
    """The review group's summary and proposed changes for ``year``."""
    if year not in years_of(plan):
        raise ServiceError(_("Velg et år fra vedtaksåret til i år."))
    revision = revision_of(session, plan, year)
    if revision is None:
        revision = PlanRevision(plan_id=plan.id, year=year)
        session.add(revision)
    changed = {}
    for key in ("summary", "proposals"):
        value = (data.get(key) or "").strip()
        if getattr(revision, key) != value:
            changed[key] = [getattr(revision, key), value]
            setattr(revision, key, value)
    revision.updated_by_id = getattr(actor, "id", None)
    revision.updated_dt = utcnow()
    session.flush()
    audit.record(session, actor, "plan.revision", revision, process_id=plan.process_id, year=year, changed=changed)
    return revision


def revision_view(session: Session, plan: Plan, year: int) -> RevisionView:
    """Each measure's state at the end of ``year`` (its last update up to 31 December), grouped."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    view = RevisionView(plan=plan, year=year, revision=revision_of(session, plan, year))
    measures = services.load_measures(session, plan)
    counts = dict.fromkeys(MeasureStatus, 0)
    progress_sum = 0
    for pm in measures:
        upto = [u for u in pm.updates if u.update_date <= end]
        if not upto:  # adopted after this year
            continue
        last = upto[-1]
        in_year = [u for u in upto if u.update_date >= start]
        view.updates_in_year += sum(1 for u in in_year if u.source != "adoption")
        said = next((u for u in reversed(in_year) if u.text and u.source != "adoption"), None)
        item = Item(pm, last.status, last.progress, (said or last).update_date, said.text if said else "",
                    ", ".join(a.title for a in services.focus_areas_of(pm)))
        counts[MeasureStatus(last.status)] += 1
        progress_sum += last.progress
        due_in_year = pm.due_date is not None and start <= pm.due_date <= end
        view.due_in_year += due_in_year
        finished = next((u for u in upto if u.status == MeasureStatus.DONE), None)
        if last.status == MeasureStatus.DONE:
            if finished is not None and finished.update_date >= start:
                item.when = finished.update_date
                item.text = finished.text or item.text
                view.done.append(item)
            if due_in_year and finished is not None and finished.update_date <= pm.due_date:
                view.done_on_time += 1
        elif last.status == MeasureStatus.CLOSED:
            view.closed.append(item)
        elif last.status == MeasureStatus.POSTPONED or (pm.due_date is not None and pm.due_date <= end):
            view.delayed.append(item)
        elif last.status == MeasureStatus.IN_PROGRESS:
            view.ongoing.append(item)
        else:
            view.not_started.append(item)
    view.status_counts = {s.value: n for s, n in counts.items()}
    total = sum(counts.values())
    view.mean_progress = progress_sum / total if total else 0.0
    return view


# --- documents (the same builders as the drafts) -----------------------------------------------

DONE_HEADERS = ("Tiltak", "Satsningsområde", "Ansvarlig enhet", "Gjennomført", "Kommentar")
DELAYED_HEADERS = ("Tiltak", "Ansvarlig enhet", "Frist", "Status", "Fremdrift", "Hvorfor")
ONGOING_HEADERS = ("Tiltak", "Ansvarlig enhet", "Frist", "Status", "Fremdrift")


def _d(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def _unit(item: Item) -> str:
    return item.measure.unit.name if item.measure.unit else ""


def done_rows(view: RevisionView) -> list[tuple[str, ...]]:
    return [(i.measure.text, i.areas, _unit(i), _d(i.when), i.text) for i in view.done]


def delayed_rows(view: RevisionView) -> list[tuple[str, ...]]:
    return [(i.measure.text, _unit(i), _d(i.measure.due_date), services.status_label(i.status),
             charts.format_value(i.progress, unit="%"), i.text or _("Ingen begrunnelse er gitt."))
            for i in view.delayed]


def ongoing_rows(view: RevisionView) -> list[tuple[str, ...]]:
    return [(i.measure.text, _unit(i), _d(i.measure.due_date), services.status_label(i.status),
             charts.format_value(i.progress, unit="%")) for i in view.ongoing + view.not_started]


def to_docx(view: RevisionView) -> bytes:
    """Word document: Heading 1 per part, tables with header rows, the status chart with its text and table."""
    import docx
    from docx.shared import Cm

    from hearing.drafting.exports import _docx_table

    document = docx.Document()
    document.core_properties.title = view.title
    document.core_properties.language = "nb-NO"
    document.add_heading(view.title, level=0)
    plan = view.plan
    document.add_paragraph(_("Planen ble vedtatt %(date)s.", date=_d(plan.adopted_on))
                           + (f" ({plan.decision_reference})" if plan.decision_reference else ""))
    document.add_heading(_("Slik gikk året"), level=1)
    for p in view.summary or [_("Den kreative gruppen har ikke skrevet en oppsummering for året.")]:
        document.add_paragraph(p)
    document.add_heading(_("Årets tall"), level=1)
    _docx_table(document, (_("Tall"), _("Verdi")), view.figure_rows())
    chart = view.status_chart()
    document.add_picture(io.BytesIO(chart.png), width=Cm(15))
    document.add_paragraph(chart.text)
    _docx_table(document, tuple(chart.table.headers), [tuple(r) for r in chart.table.rows])
    document.add_heading(_("Gjennomført i %(year)d", year=view.year), level=1)
    if rows := done_rows(view):
        _docx_table(document, DONE_HEADERS, rows)
    else:
        document.add_paragraph(_("Ingen tiltak ble gjennomført i året."))
    document.add_heading(_("Utsatt eller forsinket, og hvorfor"), level=1)
    if rows := delayed_rows(view):
        _docx_table(document, DELAYED_HEADERS, rows)
    else:
        document.add_paragraph(_("Ingen tiltak er utsatt eller forsinket."))
    document.add_heading(_("Pågår eller ikke startet"), level=1)
    if rows := ongoing_rows(view):
        _docx_table(document, ONGOING_HEADERS, rows)
    else:
        document.add_paragraph(_("Ingen."))
    document.add_heading(_("Forslag til endringer i neste handlingsprogram"), level=1)
    for line in view.proposals or [_("Ingen forslag er skrevet inn.")]:
        document.add_paragraph(line, style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_html(view: RevisionView) -> str:
    return current_app.jinja_env.get_template("followup/export_pdf.html").render(
        view=view, chart=view.status_chart(), done_rows=done_rows(view), delayed_rows=delayed_rows(view),
        ongoing_rows=ongoing_rows(view), done_headers=DONE_HEADERS, delayed_headers=DELAYED_HEADERS,
        ongoing_headers=ONGOING_HEADERS, d=_d,
    )


def to_pdf(view: RevisionView) -> bytes:
    """PDF/UA-1 (tagged), as the drafting export makes it."""
    import weasyprint

    return weasyprint.HTML(string=to_html(view)).write_pdf(pdf_variant="pdf/ua-1")


def render(view: RevisionView, fmt: str) -> bytes:
    return to_docx(view) if fmt == "docx" else to_pdf(view)


def file_name(view: RevisionView, fmt: str) -> str:
    return f"rullering-{view.year}-{slugify(view.plan.title)[:60].strip('-') or 'plan'}.{FORMATS[fmt][1]}"
