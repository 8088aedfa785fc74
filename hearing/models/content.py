"""Titles and descriptions written in more than one language: one row per object, field and language.

The object's own columns hold the text in the process's language (``Process.language``); a row here
holds the same field in another language. Readers get their language when a row exists, and the
process's language (tagged with ``lang``) when it does not (``hearing.content``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hearing.models.base import Base, utcnow


class ContentTranslation(Base):
    __tablename__ = "content_translations"
    __table_args__ = (sa.UniqueConstraint("object_type", "object_id", "field", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "process", "phase", "group", "activity", "document" or "report".
    object_type: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int] = mapped_column(index=True)
    #: The column translated: "name", "title", "description" or "introduction".
    field: Mapped[str] = mapped_column(sa.String(40))
    #: nb, nn, en or da.
    lang: Mapped[str] = mapped_column(sa.String(5))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_dt: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
