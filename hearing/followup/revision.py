"""The yearly revision (rullering) of the plan: what was done in a year, what was delayed and why, the
review group's proposed changes for the next action programme, and the year's figures.

:func:`revision_view` gathers it (no request inside); :mod:`hearing.documents.revisions` writes it with the
same builders as the drafts (real headings, header rows, tagged PDF), and a background job
(``export.revision``, :mod:`hearing.exports.jobs`) makes the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from hearing import audit, charts
from hearing.core.errors import ServiceError
from hearing.documents import paragraphs
from hearing.followup import services
from hearing.models import MeasureStatus, Plan, PlanMeasure, PlanRevision, User, utcnow


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
