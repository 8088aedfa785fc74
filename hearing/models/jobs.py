"""Background work with stored progress, so a page can show it and a restart loses nothing."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hearing.models.base import Base, one_of, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        one_of("status", JobStatus),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Registered task name, e.g. "themes.run", "export.draft_docx", "themes.embed".
    kind: Mapped[str] = mapped_column(sa.String(50), index=True)
    #: One of JobStatus.
    status: Mapped[str] = mapped_column(sa.String(20), default=JobStatus.QUEUED, index=True)
    #: Percent done and a short message for the progress bar.
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Arguments of the task (ids, options).
    payload: Mapped[dict] = mapped_column(default=dict)
    #: What the task produced (ids, file names).
    result: Mapped[dict] = mapped_column(default=dict)
    #: Why it failed, in words a reviewer can act on.
    error: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    started_dt: Mapped[datetime | None]
    #: Updated while running; a stale heartbeat means the worker died.
    heartbeat_dt: Mapped[datetime | None]
    finished_dt: Mapped[datetime | None]
