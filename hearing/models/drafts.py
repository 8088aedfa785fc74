"""Numbered drafts of the plan in the municipal plan format, assessments and the report back."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, one_of, utcnow


class Decision(enum.StrEnum):
    ADOPTED = "adopted"  # tatt til følge
    PARTLY = "partly"  # delvis tatt til følge
    NOT_ADOPTED = "not_adopted"  # ikke tatt til følge
    NOT_RELEVANT = "not_relevant"  # ikke relevant for planen


strategy_inputs = sa.Table(
    "strategy_inputs",
    Base.metadata,
    sa.Column("strategy_id", sa.ForeignKey("strategies.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("input_id", sa.ForeignKey("inputs.id", ondelete="CASCADE"), primary_key=True),
)

measure_inputs = sa.Table(
    "measure_inputs",
    Base.metadata,
    sa.Column("measure_id", sa.ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("input_id", sa.ForeignKey("inputs.id", ondelete="CASCADE"), primary_key=True),
)


class Draft(Base):
    """Strategiutkast N: numbered per process and kept."""

    __tablename__ = "drafts"
    __table_args__ = (sa.UniqueConstraint("process_id", "number"), sa.CheckConstraint("number > 0", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … within the process.
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    #: What this draft was made for, e.g. "Etter dialogmøte med kvalitetsutvalget".
    note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Draft it started as a copy of.
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="SET NULL"))
    #: Hearing activity created when the draft was sent on hearing.
    hearing_activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    process = relationship("Process")
    focus_areas: Mapped[list[FocusArea]] = relationship(
        back_populates="draft", order_by="FocusArea.position", cascade="all, delete-orphan"
    )


class FocusArea(Base):
    """Satsningsområde: one of the plan's 3–5 focus areas."""

    __tablename__ = "focus_areas"
    __table_args__ = (sa.UniqueConstraint("draft_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    #: "Her er vi": where we stand.
    current_state: Mapped[str] = mapped_column(sa.Text, default="")
    #: "Slik vil vi ha det": the desired state in words (goals below).
    desired_state: Mapped[str] = mapped_column(sa.Text, default="")
    #: Theme the focus area was started from.
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))

    draft: Mapped[Draft] = relationship(back_populates="focus_areas")
    goals: Mapped[list[Goal]] = relationship(back_populates="focus_area", order_by="Goal.position", cascade="all, delete-orphan")
    strategies: Mapped[list[Strategy]] = relationship(
        back_populates="focus_area", order_by="Strategy.position", cascade="all, delete-orphan"
    )


class Goal(Base):
    """A goal under "Slik vil vi ha det", measured by indicators."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(sa.ForeignKey("focus_areas.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)

    focus_area: Mapped[FocusArea] = relationship(back_populates="goals")
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="goal", order_by="Indicator.id", cascade="all, delete-orphan"
    )


class Indicator(Base):
    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    #: Today's value and the target, as text ("62 %", "3 av 5").
    baseline: Mapped[str] = mapped_column(sa.String(100), default="")
    target: Mapped[str] = mapped_column(sa.String(100), default="")
    #: Where the figure comes from (e.g. "Kommunehelsa statistikkbank").
    source: Mapped[str] = mapped_column(sa.String(300), default="")

    goal: Mapped[Goal] = relationship(back_populates="indicators")


class Strategy(Base):
    """"Slik kommer vi dit": a strategy of a focus area."""

    __tablename__ = "strategies"

    id: Mapped[int] = mapped_column(primary_key=True)
    focus_area_id: Mapped[int] = mapped_column(sa.ForeignKey("focus_areas.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)

    focus_area: Mapped[FocusArea] = relationship(back_populates="strategies")
    measures: Mapped[list[Measure]] = relationship(
        back_populates="strategy", order_by="Measure.position", cascade="all, delete-orphan"
    )
    #: The inputs this strategy answers ("where does this come from?").
    inputs = relationship("Input", secondary=strategy_inputs)


class Measure(Base):
    """"Slik gjør vi det": a measure (virkemiddel, tiltak) with owner and deadline."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(sa.ForeignKey("strategies.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(200), default="")
    deadline: Mapped[date | None]

    strategy: Mapped[Strategy] = relationship(back_populates="measures")
    inputs = relationship("Input", secondary=measure_inputs)


class Assessment(Base):
    """The municipality's assessment (vurdering) of one input; one current assessment per input."""

    __tablename__ = "assessments"
    __table_args__ = (one_of("decision", Decision),)

    id: Mapped[int] = mapped_column(primary_key=True)
    input_id: Mapped[int] = mapped_column(sa.ForeignKey("inputs.id", ondelete="CASCADE"), unique=True)
    #: One of Decision.
    decision: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Draft and focus area the input affected, when it did.
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="SET NULL"))
    focus_area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("focus_areas.id", ondelete="SET NULL"))
    #: Set when the assessment was given to a whole theme at once.
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    assessed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assessed_dt: Mapped[datetime] = mapped_column(default=utcnow)

    # Deleting an input (a person's data deleted) deletes its assessment, never leaves it without one.
    input = relationship("Input", backref=sa.orm.backref("assessment", uselist=False, cascade="all, delete-orphan",
                                                         passive_deletes=True))


class HearingReport(Base):
    """"Vi spurte – dere svarte – vi gjorde": the report back, per activity or for the whole process."""

    __tablename__ = "hearing_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("theme_runs.id", ondelete="SET NULL"))
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(300))
    #: "Vi spurte": what was asked, in the reviewers' words.
    introduction: Mapped[str] = mapped_column(sa.Text, default="")
    is_published: Mapped[bool] = mapped_column(default=False)
    published_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)


class ReportVersion(Base):
    """A published report, frozen: what the page, PDF, DOCX and Markdown say, stored once when it was published.

    Publishing again makes a new version; earlier versions stay readable with their date. Only a response
    withdrawn or deleted after publishing is taken out of a stored version (its quotes go).
    """

    __tablename__ = "report_versions"
    __table_args__ = (sa.UniqueConstraint("report_id", "number"), sa.CheckConstraint("number > 0", name="number_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("hearing_reports.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 … per report.
    number: Mapped[int]
    published_dt: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: The report as plain data per interface language ("nb", "nn", "en" …), masked, from approved responses only.
    snapshot: Mapped[dict] = mapped_column(default=dict)

    report = relationship("HearingReport", backref=sa.orm.backref("versions", order_by="ReportVersion.number",
                                                                  cascade="all, delete-orphan", passive_deletes=True))


class ReportTheme(Base):
    """How a theme appears in one report: shown or hidden, its name and place, "dere sa", "vi gjorde" and quotes."""

    __tablename__ = "report_themes"
    __table_args__ = (sa.UniqueConstraint("report_id", "theme_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("hearing_reports.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("themes.id", ondelete="CASCADE"), index=True)
    #: Order in the report (1 first); themes without a place follow by size.
    position: Mapped[int | None]
    is_hidden: Mapped[bool] = mapped_column(default=False)
    #: The theme's name in this report ("" keeps the theme's own name).
    label: Mapped[str] = mapped_column(sa.String(200), default="")
    #: "Dere sa": what the participants said, in staff's words.
    said: Mapped[str] = mapped_column(sa.Text, default="")
    #: "Vi gjorde": what the municipality did with it.
    did: Mapped[str] = mapped_column(sa.Text, default="")
    #: Inputs chosen as quotes (from any channel; only published, masked ones are shown).
    quote_input_ids: Mapped[list] = mapped_column(default=list)


class ReportStatement(Base):
    """A row of the merknadsskjema: the municipality's answer to one formal statement and where it led in the plan."""

    __tablename__ = "report_statements"
    __table_args__ = (sa.UniqueConstraint("report_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("hearing_reports.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    #: Kommunens svar.
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    #: Where it led in the plan, e.g. "Satsningsområde 2, strategi 2.3".
    plan_ref: Mapped[str] = mapped_column(sa.String(300), default="")

