"""A strategy process with its phases, stakeholder groups, activities and prompts."""

from __future__ import annotations

import enum
import time
import weakref
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, one_of, utcnow

#: The four standard phases of a municipal strategy plan, offered for every new process.
STANDARD_PHASES = ("Her er vi", "Slik vil vi ha det", "Slik kommer vi dit", "Fra ord til handling")


class ActivityKind(enum.StrEnum):
    WORKSHOP = "workshop"
    HEARING = "hearing"
    SURVEY = "survey"
    SUGGESTIONS = "suggestions"


class Audience(enum.StrEnum):
    PUBLIC = "public"
    INVITED = "invited"


class QuestionType(enum.StrEnum):
    FREE_TEXT = "free_text"
    RATING = "rating"  # 1–5
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"


class GroupCategory(enum.StrEnum):
    COUNCIL = "council"  # råd
    EMPLOYEES = "employees"  # ansatte, ledere, tillitsvalgte, verneombud
    CITIZENS = "citizens"  # innbyggere, pårørende, brukerråd
    PARTNERS = "partners"  # eksterne partnere, organisasjoner


activity_groups = sa.Table(
    "activity_groups",
    Base.metadata,
    sa.Column("activity_id", sa.ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("group_id", sa.ForeignKey("stakeholder_groups.id", ondelete="CASCADE"), primary_key=True),
)


class Process(Base):
    __tablename__ = "processes"
    __table_args__ = (
        sa.CheckConstraint("retention_months > 0", name="retention_positive"),
        sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short URL name, unique.
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: E.g. "Strategiplan Mestring og helse 2026–2037".
    name: Mapped[str] = mapped_column(sa.String(200))
    #: Service area (tjenesteområde) that owns the process, e.g. "Helse og mestring".
    service_area: Mapped[str] = mapped_column(sa.String(200))
    #: Responsible person or unit (prosesseier).
    owner: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    #: Months after the end date when personal data is deleted.
    retention_months: Mapped[int] = mapped_column(default=24)
    #: Shown on the public front page when it has public activities.
    is_public: Mapped[bool] = mapped_column(default=True)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the retention purge last ran for this process.
    purged_dt: Mapped[datetime | None]
    #: The language the process's titles and texts are written in (nb, nn, en or da); other languages are
    #: in ContentTranslation, and a reader without one gets this language, tagged with lang.
    language: Mapped[str] = mapped_column(sa.String(5), default="nb", server_default="nb")
    #: The restore job still putting this process in from a backup (a batch per commit); until it is done
    #: the process is hidden from every query (:func:`hearing.models.hide_restoring`), and a restore that
    #: fails or is given up deletes it whole. No foreign key: a purged job must not make it visible.
    restoring_job_id: Mapped[int | None] = mapped_column(index=True)

    phases: Mapped[list[Phase]] = relationship(
        back_populates="process", order_by="Phase.position", cascade="all, delete-orphan"
    )
    groups: Mapped[list[StakeholderGroup]] = relationship(
        back_populates="process", order_by="StakeholderGroup.name", cascade="all, delete-orphan"
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="process", order_by="Activity.opens_dt", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Process {self.slug}>"


class Phase(Base):
    __tablename__ = "phases"
    __table_args__ = (
        sa.UniqueConstraint("process_id", "position"),
        sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    #: Order on the timeline, from 1.
    position: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]

    process: Mapped[Process] = relationship(back_populates="phases")
    activities: Mapped[list[Activity]] = relationship(back_populates="phase", order_by="Activity.opens_dt")


class StakeholderGroup(Base):
    __tablename__ = "stakeholder_groups"
    __table_args__ = (sa.UniqueConstraint("process_id", "name"), one_of("category", GroupCategory))

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    #: E.g. "Eldrerådet", "Ansatte", "Innbyggere".
    name: Mapped[str] = mapped_column(sa.String(200))
    #: One of GroupCategory, for statistics across processes.
    category: Mapped[str] = mapped_column(sa.String(20))
    description: Mapped[str] = mapped_column(sa.Text, default="")

    process: Mapped[Process] = relationship(back_populates="groups")


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        one_of("kind", ActivityKind),
        one_of("audience", Audience),
        sa.CheckConstraint("closes_dt IS NULL OR opens_dt IS NULL OR closes_dt > opens_dt", name="period_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phases.id", ondelete="SET NULL"), index=True)
    #: One of ActivityKind.
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    #: Opening and closing times (høringsfrist), UTC.
    opens_dt: Mapped[datetime | None]
    closes_dt: Mapped[datetime | None]
    #: One of Audience: public, or only the invited groups.
    audience: Mapped[str] = mapped_column(sa.String(20), default=Audience.PUBLIC)
    #: A hearing on a plan under the Planning and Building Act needs at least six weeks.
    is_plan_hearing: Mapped[bool] = mapped_column(default=False)
    #: Where a workshop took place.
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    process: Mapped[Process] = relationship(back_populates="activities")
    phase: Mapped[Phase | None] = relationship(back_populates="activities")
    groups: Mapped[list[StakeholderGroup]] = relationship(secondary=activity_groups, order_by="StakeholderGroup.name")
    prompts: Mapped[list[Prompt]] = relationship(
        back_populates="activity", order_by="Prompt.position", cascade="all, delete-orphan"
    )

    def status(self, now: datetime) -> str:
        """'upcoming', 'open' or 'closed' at the given time."""
        if self.opens_dt and now < self.opens_dt:
            return "upcoming"
        if self.closes_dt and now >= self.closes_dt:
            return "closed"
        return "open"


class Prompt(Base):
    """A question or work prompt (arbeidsspørsmål) put to participants of an activity."""

    __tablename__ = "prompts"
    __table_args__ = (
        sa.UniqueConstraint("activity_id", "position"),
        one_of("question_type", QuestionType),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    help_text: Mapped[str] = mapped_column(sa.Text, default="")
    #: One of QuestionType.
    question_type: Mapped[str] = mapped_column(sa.String(20), default=QuestionType.FREE_TEXT)
    #: Choices for single and multiple choice questions.
    options: Mapped[list] = mapped_column(default=list)
    is_required: Mapped[bool] = mapped_column(default=False)

    activity: Mapped[Activity] = relationship(back_populates="prompts")


# --- processes being restored: one rule for what is visible ----------------------------------------

#: The execution option (or ``session.info`` key) that lets a statement see processes being restored:
#: only the restore itself, its clean-up and the access check that refuses their URLs use it.
INCLUDE_RESTORING = "include_restoring"


def _processes_being_restored() -> sa.Select:
    # on the table, not the mapped class: the rule below must not hide these rows from this very subquery
    table = Process.__table__
    return sa.select(table.c.id).where(table.c.restoring_job_id.is_not(None))


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def hide_restoring(state: sa.orm.ORMExecuteState) -> None:
    """A process that a restore job is still putting in (``Process.restoring_job_id``) does not exist for
    anyone until the restore is complete: every ORM query (lists, pages, exports, the API, joins through
    processes and activities, ``session.get``) leaves it and its activities out. Staff and API URLs naming
    anything else of it are refused by :func:`hearing.auth.access.check_request`."""
    if (
        not state.is_select
        or state.is_column_load
        or state.is_relationship_load
        or state.execution_options.get(INCLUDE_RESTORING)
        or state.session.info.get(INCLUDE_RESTORING)
    ):
        return
    state.statement = state.statement.options(*_HIDE_RESTORING)


_HIDE_RESTORING = (
    sa.orm.with_loader_criteria(Process, Process.restoring_job_id.is_(None), include_aliases=True),
    sa.orm.with_loader_criteria(Activity, Activity.process_id.not_in(_processes_being_restored()), include_aliases=True),
)


#: Per database (engine): when this app process last found no restore under way (``time.monotonic()``).
#: Only that answer is kept, never "a restore is under way" (then every request looks at the ids it names).
_NONE_RESTORING: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MARKS = "marks_processes_restoring"


def any_being_restored(session, max_age: float = 0) -> bool:
    """Whether a restore is under way (one indexed look-up; most requests stop here).

    With ``max_age`` (config ``PROCESS_RESTORE_CHECK_SECONDS``) a "none" this app process found at most that
    many seconds ago is the answer, without a query: the check ran on every request, three a citizen. It stays
    as strict as the query because a restore job waits that long after marking its process before it commits
    anything else (:func:`wait_for_restore_checks`), and a commit in this process that marks one forgets it at
    once (:func:`_forget_after_commit`)."""
    engine = session.get_bind()
    if max_age > 0:
        seen = _NONE_RESTORING.get(engine)
        if seen is not None and time.monotonic() - seen < max_age:
            return False
    checked = time.monotonic()
    table = Process.__table__
    found = session.execute(sa.select(table.c.id).where(table.c.restoring_job_id.is_not(None)).limit(1)).first() \
        is not None
    if found:
        _NONE_RESTORING.pop(engine, None)
    elif max_age > 0:
        _NONE_RESTORING[engine] = checked
    return found


def forget_restore_checks() -> None:
    """Forget every "no restore under way" this process has kept (the next request looks again)."""
    _NONE_RESTORING.clear()


def wait_for_restore_checks(max_age: float) -> None:
    """Called by a restore job between committing its marked process and committing anything of it: every app
    process that found "none" before the mark has looked again by then (see :func:`any_being_restored`)."""
    forget_restore_checks()
    if max_age > 0:
        time.sleep(max_age)


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _note_marking(state: sa.orm.ORMExecuteState) -> None:
    """A statement that writes the processes table (the restore marks its process with an INSERT or UPDATE)
    makes this session forget the kept "none" when it commits."""
    if (state.is_insert or state.is_update) and getattr(state.statement.table, "name", None) == "processes":
        state.session.info[_MARKS] = True


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _forget_after_commit(session) -> None:
    if session.info.pop(_MARKS, None):
        forget_restore_checks()


def being_restored(session, process_ids) -> bool:
    """Whether one of ``process_ids`` is a process a restore is still putting in."""
    ids = [pid for pid in process_ids if pid is not None]
    if not ids:
        return False
    table = Process.__table__
    return session.execute(sa.select(table.c.id).where(table.c.id.in_(ids), table.c.restoring_job_id.is_not(None))
                           .limit(1)).first() is not None
