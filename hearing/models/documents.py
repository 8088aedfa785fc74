"""The document under hearing (høringsdokument) and its sections."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, utcnow


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The hearing activity that puts this document on hearing (one document per hearing).
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), unique=True)
    #: The draft it was made from, when a draft was sent on hearing.
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("drafts.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(300))
    #: Original file name when imported from Markdown or DOCX.
    source_filename: Mapped[str] = mapped_column(sa.String(255), default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)

    activity = relationship("Activity", backref=sa.orm.backref("document", uselist=False, cascade="all, delete-orphan"))
    sections: Mapped[list[Section]] = relationship(
        back_populates="document", order_by="Section.position", cascade="all, delete-orphan"
    )


class Section(Base):
    __tablename__ = "sections"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "position"),
        sa.CheckConstraint("level BETWEEN 1 AND 6", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    #: Heading level (1 = chapter, 2 = section …), kept from the imported file.
    level: Mapped[int] = mapped_column(default=1)
    #: Section number shown to readers, e.g. "2.1".
    number: Mapped[str] = mapped_column(sa.String(20), default="")
    title: Mapped[str] = mapped_column(sa.String(300))
    #: Body text as Markdown (rendered sanitised).
    body: Mapped[str] = mapped_column(sa.Text, default="")

    document: Mapped[Document] = relationship(back_populates="sections")
