"""Who took part: participants and inputs per stakeholder group, channel, phase and week, the response
rate of invited bodies, and the groups under-represented against the process's own expectations.

Plain functions of a session and a process; :func:`participation_charts` gives the same figures as
charts (``hearing.charts``) for the dashboard and for reports.

Participants are responses (a hearing statement, a survey answer, a suggestion, an imported row): one
respondent each. Workshop notes are typed in by a facilitator without a respondent, so a workshop counts
in the inputs, not in the participants.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from hearing import audit, charts, labels, localtime
from hearing.content import Localized, content
from hearing.core.errors import ServiceError
from hearing.grouping import leave_out_withdrawn
from hearing.models import (
    Activity,
    Input,
    Invitation,
    ParticipationTarget,
    Phase,
    Process,
    StakeholderGroup,
    Submission,
    User,
)

#: Channels in the order they are shown; "import" is any input brought in from a file.
CHANNELS = ("workshop", "survey", "suggestions", "hearing", "import")
CHANNEL_LABELS = {**labels.KINDS, "import": labels.INPUT_SOURCES["import"]}
NO_GROUP = 0
NO_PHASE = 0


def _channel(kind: str, source: str) -> str:
    return "import" if source == "import" else kind


@dataclass
class Row:
    """One line of a breakdown: a name with its participants and inputs."""

    key: Any
    label: str
    participants: int = 0
    inputs: int = 0


@dataclass
class GroupShare:
    group: StakeholderGroup | None
    label: str
    participants: int
    inputs: int
    share: float  # of the inputs, per cent
    expected: int | None  # per cent, None when the process has no expectation
    status: str  # "under", "ok", "over", "none"


@dataclass
class InvitedRate:
    activity: Activity
    invited: int
    answered: int
    bodies_missing: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return 100.0 * self.answered / self.invited if self.invited else 0.0


@dataclass
class Participation:
    total_participants: int
    total_inputs: int
    groups: list[Row]
    channels: list[Row]
    phases: list[Row]
    weeks: list[Row]
    invited: list[InvitedRate]
    shares: list[GroupShare]

    @property
    def invited_total(self) -> int:
        return sum(r.invited for r in self.invited)

    @property
    def answered_total(self) -> int:
        return sum(r.answered for r in self.invited)

    @property
    def response_rate(self) -> float | None:
        return 100.0 * self.answered_total / self.invited_total if self.invited_total else None

    @property
    def under_represented(self) -> list[GroupShare]:
        return [s for s in self.shares if s.status == "under"]


def targets_of(session: Session, process: Process) -> dict[int, int]:
    """group id -> expected share of the inputs in per cent."""
    rows = session.execute(
        sa.select(ParticipationTarget.group_id, ParticipationTarget.expected_share)
        .join(StakeholderGroup, StakeholderGroup.id == ParticipationTarget.group_id)
        .where(StakeholderGroup.process_id == process.id)
    )
    return dict(rows.all())


def set_targets(session: Session, actor: User | None, process: Process, shares: dict[int, int | None]) -> dict[int, int]:
    """Store the expected share (0–100, None for none) per group of the process; together at most 100."""
    groups = {g.id: g for g in process.groups}
    clean: dict[int, int | None] = {}
    for gid, value in shares.items():
        if gid not in groups:
            raise ServiceError(_l("Gruppen hører ikke til denne prosessen."))
        if value is not None and not 0 <= value <= 100:
            raise ServiceError(_l("Forventet andel må være mellom 0 og 100 %."))
        clean[gid] = value
    if sum(v for v in clean.values() if v) > 100:
        raise ServiceError(_l("Forventet andel er til sammen mer enn 100 %. Juster tallene."))
    existing = {t.group_id: t for t in session.scalars(
        sa.select(ParticipationTarget).where(ParticipationTarget.group_id.in_(list(groups))))}
    changed = {}
    for gid, value in clean.items():
        target = existing.get(gid)
        old = target.expected_share if target else None
        if old == value:
            continue
        changed[groups[gid].name] = [old, value]
        if value is None:
            session.delete(target)
        elif target is None:
            session.add(ParticipationTarget(group_id=gid, expected_share=value))
        else:
            target.expected_share = value
    session.flush()
    audit.record(session, actor, "participation.targets", process, changed=changed)
    return targets_of(session, process)


def participation(session: Session, process: Process) -> Participation:
    """Count participants and inputs of the process by group, channel, phase and week (withdrawn left out)."""
    groups = {g.id: g for g in process.groups}
    phases = {p.id: p for p in session.scalars(sa.select(Phase).where(Phase.process_id == process.id).order_by(Phase.position))}
    # counted by the database: one row per (group, channel, phase, day), not one per input; the day on the
    # municipality's clock (hearing.localtime), so a statement sent at 00:30 on a Monday counts in that week
    zone = localtime.zone_name(process)
    day_in = localtime.local_date(Input.created_dt, zone)
    inputs = session.execute(leave_out_withdrawn(
        sa.select(Input.group_id, Activity.kind, Input.source, Activity.phase_id, day_in, sa.func.count())
        .join(Activity, Activity.id == Input.activity_id).where(Activity.process_id == process.id)
    ).group_by(Input.group_id, Activity.kind, Input.source, Activity.phase_id, day_in)).all()
    day_sub = localtime.local_date(Submission.submitted_dt, zone)
    subs = session.execute(
        sa.select(Submission.group_id, Activity.kind, Submission.source, Activity.phase_id, day_sub, sa.func.count())
        .join(Activity, Activity.id == Submission.activity_id)
        .where(Activity.process_id == process.id, Submission.is_withdrawn.is_(False))
        .group_by(Submission.group_id, Activity.kind, Submission.source, Activity.phase_id, day_sub)
    ).all()
    counts: dict[str, dict[Any, list[int]]] = {k: defaultdict(lambda: [0, 0]) for k in ("group", "channel", "phase", "week")}
    totals = [0, 0]
    for slot, rows in ((0, subs), (1, inputs)):
        for group_id, kind, source, phase_id, day, n in rows:
            totals[slot] += n
            counts["group"][group_id or NO_GROUP][slot] += n
            counts["channel"][_channel(kind, source)][slot] += n
            counts["phase"][phase_id or NO_PHASE][slot] += n
            if day is not None:
                counts["week"][localtime.monday_of(day)][slot] += n

    # group and phase names in the reader's language where written, each knowing its language (``lang`` in tables)
    names = {k: content(g, "name") for k, g in groups.items()}
    group_keys = sorted(groups, key=lambda g: names[g].casefold()) + [NO_GROUP]
    group_rows = [Row(k, names[k] if k in groups else _("Uten gruppe"), *counts["group"][k])
                  for k in group_keys if k in groups or counts["group"].get(NO_GROUP)]
    channel_rows = [Row(c, str(CHANNEL_LABELS[c]), *counts["channel"][c]) for c in CHANNELS]
    phase_rows = []
    for k in phases:
        name = content(phases[k], "name")
        phase_rows.append(Row(k, Localized(f"{phases[k].position}. {name}", name.lang), *counts["phase"][k]))
    if counts["phase"].get(NO_PHASE):
        phase_rows.append(Row(NO_PHASE, _("Uten fase"), *counts["phase"][NO_PHASE]))
    week_rows = [Row(monday, week_label(monday), *pair)
                 for monday, pair in localtime.every_week(counts["week"], lambda: [0, 0])]
    total_inputs = totals[1]
    targets = targets_of(session, process)
    ratio = float(current_app.config.get("PARTICIPATION_UNDER_RATIO", 0.75))
    shares = []
    for row in group_rows:
        share = 100.0 * row.inputs / total_inputs if total_inputs else 0.0
        expected = targets.get(row.key) if row.key != NO_GROUP else None
        if expected is None:
            status = "none"
        elif share < expected * ratio:
            status = "under"
        elif expected and share > expected / ratio:
            status = "over"
        else:
            status = "ok"
        shares.append(GroupShare(groups.get(row.key), row.label, row.participants, row.inputs, share, expected, status))
    return Participation(totals[0], total_inputs, group_rows, channel_rows, phase_rows, week_rows,
                         invited_rates(session, process), shares)


def week_label(monday: date) -> str:
    """"Uke 12 2026": a week as charts and tables name it (ISO week number)."""
    year, week, _day = monday.isocalendar()
    return _("Uke %(week)d %(year)d", week=week, year=year)


def invited_rates(session: Session, process: Process) -> list[InvitedRate]:
    """Per activity with invitation links: how many invited bodies have answered (withdrawn answers do not count)."""
    invitations = session.execute(
        sa.select(Invitation, Activity).join(Activity, Activity.id == Invitation.activity_id)
        .where(Activity.process_id == process.id, Invitation.revoked_dt.is_(None))
        .order_by(Activity.opens_dt, Activity.id, Invitation.body_name)
    ).all()
    if not invitations:
        return []
    answered = set(session.scalars(
        sa.select(Submission.invitation_id).where(Submission.invitation_id.in_([i.id for i, _a in invitations]),
                                                  Submission.is_withdrawn.is_(False))
    ))
    out: dict[int, InvitedRate] = {}
    for invitation, activity in invitations:
        rate = out.setdefault(activity.id, InvitedRate(activity, 0, 0))
        rate.invited += 1
        if invitation.id in answered:
            rate.answered += 1
        else:
            rate.bodies_missing.append(invitation.body_name)
    return list(out.values())


def participation_charts(data: Participation, *, locale: str | None = None) -> dict[str, charts.Chart]:
    """The dashboard's charts (each with its text alternative and table), also for reports."""
    series = lambda rows: {_("Deltakere"): [r.participants for r in rows], _("Innspill"): [r.inputs for r in rows]}  # noqa: E731
    out = {
        "groups": charts.grouped_bar_chart(_("Deltakere og innspill per gruppe"), [r.label for r in data.groups],
                                           series(data.groups), category_label=_("Gruppe"), locale=locale),
        "channels": charts.grouped_bar_chart(_("Deltakere og innspill per kanal"), [r.label for r in data.channels],
                                             series(data.channels), category_label=_("Kanal"), locale=locale),
        "phases": charts.grouped_bar_chart(_("Deltakere og innspill per fase"), [r.label for r in data.phases],
                                           series(data.phases), category_label=_("Fase"), locale=locale),
        "weeks": charts.line_chart(_("Deltakere og innspill per uke"), [r.label for r in data.weeks],
                                   series(data.weeks), category_label=_("Uke"), locale=locale),
    }
    expected = [s for s in data.shares if s.expected is not None]
    if expected:
        out["shares"] = charts.grouped_bar_chart(
            _("Andel av innspillene: forventet og faktisk"), [s.label for s in expected],
            {_("Forventet"): [s.expected for s in expected], _("Faktisk"): [round(s.share, 1) for s in expected]},
            category_label=_("Gruppe"), unit="%", locale=locale)
    if data.invited:
        out["invited"] = charts.bar_chart(
            _("Svar fra inviterte per aktivitet"), [(r.activity.title, round(r.rate, 1)) for r in data.invited],
            category_label=_("Aktivitet"), value_label=_("Andel som har svart"), unit="%", locale=locale)
    return out
