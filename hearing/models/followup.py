"""From words to action: the adopted plan, its tracked measures and their updates, yearly revisions,
and the process's expected participation per stakeholder group."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, one_of, utcnow


class MeasureStatus(enum.StrEnum):
    NOT_STARTED = "not_started"  # ikke startet
    IN_PROGRESS = "in_progress"  # i gang
    DONE = "done"  # gjennomført
    POSTPONED = "postponed"  # utsatt
    CLOSED = "closed"  # avsluttet (stopped without being carried out)


class UpdateSource(enum.StrEnum):
    ADOPTION = "adoption"  # the plan was adopted
    FORM = "form"  # typed in the update form
    XLSX = "xlsx"  # a unit's spreadsheet


plan_measure_strategies = sa.Table(
    "plan_measure_strategies",
    Base.metadata,
    sa.Column("plan_measure_id", sa.ForeignKey("plan_measures.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("strategy_id", sa.ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(Base):
    """An organisational unit that owns measures (e.g. "Hjemmetjenesten sone nord")."""

    __tablename__ = "units"
    __table_args__ = (sa.UniqueConstraint("process_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: SHA-256 of the unit's secret link (unit leaders update their measures without an account);
    #: the token itself is shown once, never stored. None: no link.
    link_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    link_created_dt: Mapped[datetime | None]


class Plan(Base):
    """The final plan: the draft adopted by the political decision; one per process."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), unique=True)
    #: The draft that was adopted; kept as it was (a draft of an adopted plan is not edited further).
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="SET NULL"), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    #: Date of the political decision (vedtaksdato).
    adopted_on: Mapped[date]
    #: Case or decision reference, e.g. "PS 45/26 Kommunestyret".
    decision_reference: Mapped[str] = mapped_column(sa.String(100), default="")
    #: The follow-up page is public (status of measures is no personal data).
    is_public: Mapped[bool] = mapped_column(default=True)
    adopted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    process = relationship("Process")
    draft = relationship("Draft")
    measures: Mapped[list[PlanMeasure]] = relationship(
        back_populates="plan", order_by="PlanMeasure.position", cascade="all, delete-orphan"
    )


class PlanMeasure(Base):
    """A measure of the adopted plan, followed up until it is done: owner unit, dates, status, progress."""

    __tablename__ = "plan_measures"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "position"),
        one_of("status", MeasureStatus),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        sa.CheckConstraint("due_date IS NULL OR start_date IS NULL OR due_date >= start_date", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    #: The measure in the adopted draft it was made from (its input links stay there).
    measure_id: Mapped[int | None] = mapped_column(sa.ForeignKey("measures.id", ondelete="SET NULL"))
    #: Order in the plan, from 1.
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    #: Unit responsible (ansvarlig enhet); the person is ``contact``.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id", ondelete="SET NULL"), index=True)
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    start_date: Mapped[date | None]
    due_date: Mapped[date | None]
    #: One of MeasureStatus: the latest update's.
    status: Mapped[str] = mapped_column(sa.String(20), default=MeasureStatus.NOT_STARTED)
    #: Per cent done, 0–100: the latest update's.
    progress: Mapped[int] = mapped_column(default=0)
    updated_dt: Mapped[datetime | None]

    plan: Mapped[Plan] = relationship(back_populates="measures")
    unit: Mapped[Unit | None] = relationship()
    measure = relationship("Measure")
    #: The strategies it serves (one measure may serve several, in different focus areas).
    strategies = relationship("Strategy", secondary=plan_measure_strategies, order_by="Strategy.id")
    updates: Mapped[list[MeasureUpdate]] = relationship(
        back_populates="plan_measure", order_by="(MeasureUpdate.update_date, MeasureUpdate.id)",
        cascade="all, delete-orphan",
    )


class MeasureUpdate(Base):
    """One dated entry of a measure's timeline: status, progress and what happened."""

    __tablename__ = "measure_updates"
    __table_args__ = (
        one_of("status", MeasureStatus),
        one_of("source", UpdateSource),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        # the same row of the same spreadsheet is stored once, however often the file is uploaded
        sa.UniqueConstraint("plan_measure_id", "import_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_measure_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_measures.id", ondelete="CASCADE"), index=True)
    #: The date the update speaks of (today unless the unit says otherwise).
    update_date: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20))
    progress: Mapped[int]
    #: What was done, or why it is delayed.
    text: Mapped[str] = mapped_column(sa.Text, default="")
    #: One of UpdateSource.
    source: Mapped[str] = mapped_column(sa.String(20), default=UpdateSource.FORM)
    #: Hash of the uploaded file and the row, for updates from a spreadsheet.
    import_key: Mapped[str | None] = mapped_column(sa.String(100))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    plan_measure: Mapped[PlanMeasure] = relationship(back_populates="updates")
    author = relationship("User")


class PlanRevision(Base):
    """The yearly revision (rullering): the review group's summary and proposed changes for one year."""

    __tablename__ = "plan_revisions"
    __table_args__ = (sa.UniqueConstraint("plan_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    #: How the year went, in the review group's words.
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    #: Proposed changes for the next action programme (handlingsprogram), one per line.
    proposals: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow)


class ParticipationTarget(Base):
    """The share of participants the process expects from a stakeholder group, in per cent."""

    __tablename__ = "participation_targets"
    __table_args__ = (sa.CheckConstraint("expected_share BETWEEN 0 AND 100", name="share_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("stakeholder_groups.id", ondelete="CASCADE"), unique=True)
    expected_share: Mapped[int]
