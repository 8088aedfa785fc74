"""Filing in the municipality's Noark 5 archive through KS Fiks Arkiv: the messages built and sent."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, one_of, utcnow


class ArchiveKind(enum.StrEnum):
    CASE_FOLDER = "saksmappe"  # the process as a case folder
    REGISTRATION = "journalpost"  # one response filed as an incoming registration (inngående)


class ArchiveStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting for the background worker
    READY = "ready"  # built and valid against the schema; not sent (no transport, or sending failed)
    SENT = "sent"  # handed to the archive
    FAILED = "failed"  # could not be built; ``error`` says why


class ArchiveMessage(Base):
    """One arkivmelding (opprett) with its files, as a zip package: built by the worker, kept, downloadable."""

    __tablename__ = "archive_messages"
    __table_args__ = (
        one_of("kind", ArchiveKind),
        one_of("status", ArchiveStatus),
        sa.CheckConstraint("(kind = 'journalpost') = (submission_id IS NOT NULL)", name="registration_has_submission"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[int] = mapped_column(sa.ForeignKey("processes.id", ondelete="CASCADE"), index=True)
    #: The response filed (journalpost); None for the case folder (saksmappe).
    submission_id: Mapped[int | None] = mapped_column(sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    #: One of ArchiveKind.
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: One of ArchiveStatus.
    status: Mapped[str] = mapped_column(sa.String(20), default=ArchiveStatus.QUEUED, index=True)
    #: The background job that builds (and sends) it.
    job_id: Mapped[int | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"))
    #: Name offered on download, e.g. "arkivmelding-H-2026-000123.zip".
    filename: Mapped[str] = mapped_column(sa.String(255), default="")
    #: The zip package: arkivmelding.xml and the files it refers to (None until built).
    data: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    #: Why building or sending failed, in words staff can act on.
    error: Mapped[str | None] = mapped_column(sa.Text)
    #: The archive's reference (saksnummer or journalpost number), returned on sending or typed by staff.
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    #: Name of the transport that sent it.
    transport: Mapped[str | None] = mapped_column(sa.String(40))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    built_dt: Mapped[datetime | None]
    sent_dt: Mapped[datetime | None]

    process = relationship("Process")
    submission = relationship("Submission")
    job = relationship("Job")
