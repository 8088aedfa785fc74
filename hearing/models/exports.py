"""Files made by background exports, listed in the database; the bytes live on the upload volume."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, utcnow


class ExportFile(Base):
    """The file a job produced (an export), or an uploaded backup waiting for its import job."""

    __tablename__ = "export_files"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The job that made the file (or that imports it); one file per job.
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    #: Process the file belongs to, for listing.
    process_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("processes.id", ondelete="SET NULL"), index=True
    )
    #: Name offered on download, e.g. "innspill-strategiplan-2026-05-01.xlsx".
    filename: Mapped[str] = mapped_column(sa.String(255))
    mimetype: Mapped[str] = mapped_column(sa.String(120))
    #: Bytes in the file.
    size: Mapped[int] = mapped_column(default=0)
    #: Content of files made before files moved to disk (new files: None, see ``storage_name``).
    data: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    #: Name of the file under UPLOAD_FOLDER/exports (shared by every app server, like attachments).
    storage_name: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    #: Set on the public DOCX/PDF/Markdown of a published report: anyone may download it, the retention
    #: purge keeps it while the report is published, and unpublishing deletes it.
    public_report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hearing_reports.id", ondelete="CASCADE"), index=True
    )
    #: The frozen version of the published report the public file was made from, and its language.
    report_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("report_versions.id", ondelete="CASCADE"), index=True
    )
    lang: Mapped[str | None] = mapped_column(sa.String(5))
    #: Set on a public file of a hearing (its published set as CSV/XLSX, its document as PDF): anyone may
    #: download it while ``content_key`` matches what the hearing shows now (:mod:`hearing.exports.public_files`).
    public_activity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    #: "<fingerprint of the content>-<variant: format, filters, language>" of a public hearing file.
    content_key: Mapped[str | None] = mapped_column(sa.String(80))
    #: Who asked for it: only they (or an administrator) may download it.
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    #: Files are purged after EXPORT_RETENTION_DAYS.
    created_dt: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    job = relationship("Job")


class ProcessIdentity(Base):
    """A process's id across installations: given at its first backup, carried over by an import.

    Importing the same backup twice is refused because the uid is unique.
    """

    __tablename__ = "process_identities"

    process_id: Mapped[int] = mapped_column(
        sa.ForeignKey("processes.id", ondelete="CASCADE"), primary_key=True
    )
    #: Random UUID (hex), the same in every installation that holds the process.
    uid: Mapped[str] = mapped_column(sa.String(36), unique=True)
    #: Set when the process came here by an import.
    imported_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
