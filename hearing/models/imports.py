"""Imports of exported answers: each run, the source of each imported response, and group values.

An :class:`ImportRun` is one import of one file into one activity, run by a background job in batches.
An :class:`ImportedRow` ties a response (:class:`Submission`) to the row it came from: the export's own
row id when the file has one (Forms "ID", Questback "Respondent ID", …), else a fingerprint of the row's
cells that does not depend on the mapping or on CSV vs. XLSX. A later import of the same export finds
its rows by that key, so it adds only new rows and updates the changed ones.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, one_of, utcnow


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    UNDONE = "undone"


class ImportRun(Base):
    """One import of a file into an activity (what was asked, how far it got, what it did)."""

    __tablename__ = "import_runs"
    __table_args__ = (one_of("status", ImportStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    #: The background job that runs the import.
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    #: The stored upload (SHA-256 of the file, see hearing.imports.services.store_upload).
    file_id: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    #: "csv" or "xlsx".
    file_kind: Mapped[str] = mapped_column(sa.String(10), default="")
    #: One of ImportStatus.
    status: Mapped[str] = mapped_column(sa.String(20), default=ImportStatus.QUEUED)
    #: Column targets, default group, group values and questions made from columns.
    settings: Mapped[dict] = mapped_column(default=dict)
    #: Data rows in the file.
    total_rows: Mapped[int] = mapped_column(default=0)
    #: Index of the first row not yet imported: a restarted worker goes on from here.
    next_row: Mapped[int] = mapped_column(default=0)
    #: new, updated, unchanged, empty, duplicates, inputs, answers.
    counts: Mapped[dict] = mapped_column(default=dict)
    #: Per-row remarks (capped).
    warnings: Mapped[list] = mapped_column(default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    finished_dt: Mapped[datetime | None]
    undone_dt: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    activity = relationship("Activity")
    job = relationship("Job")
    created_by = relationship("User", foreign_keys=[created_by_id])


class ImportedRow(Base):
    """Where an imported response came from: the key of its source row, one response per key."""

    __tablename__ = "import_rows"
    __table_args__ = (sa.UniqueConstraint("activity_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), unique=True)
    #: SHA-256 (hex, 40) of "id:<column>=<value>" or "fp:<fingerprint>:<n>": the row's identity.
    source_key: Mapped[str] = mapped_column(sa.String(64))
    #: The export's own row id as "<column>=<value>" (Forms "ID", Questback respondent id, …), if any.
    row_id: Mapped[str | None] = mapped_column(sa.String(200))
    #: "csv" or "xlsx": the kind of file it came in last.
    file_kind: Mapped[str] = mapped_column(sa.String(10), default="")
    #: Fingerprint of all the row's cells (normalised: independent of column order, mapping and file kind).
    row_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    #: Row number in the file it came in last.
    row_number: Mapped[int] = mapped_column(default=0)
    #: The import that created it (undoing that import deletes the response).
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_runs.id", ondelete="SET NULL"), index=True)
    #: The last import that changed it.
    updated_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_runs.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    updated_dt: Mapped[datetime | None]


class ImportChange(Base):
    """A response as it was before an import updated it: undoing the import puts it back."""

    __tablename__ = "import_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_runs.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    #: {"group_id", "respondent_name", "submitted_dt", "inputs": {prompt: text}, "answers": {prompt: value}}
    before: Mapped[dict] = mapped_column(default=dict)


class GroupValue(Base):
    """A value of an export's group column and the stakeholder group it means, remembered per process."""

    __tablename__ = "import_group_values"
    __table_args__ = (sa.UniqueConstraint("process_id", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    #: The value as found in files, case-folded and trimmed (e.g. "leder").
    value: Mapped[str] = mapped_column(sa.String(200))
    #: The group it means; None: rows with this value get no group (or the import's default).
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stakeholder_groups.id", ondelete="CASCADE"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
