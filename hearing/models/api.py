"""Personal API tokens: made by an administrator for a staff member, stored hashed, with scopes and expiry."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hearing.models.base import Base, utcnow


class ApiScope(enum.StrEnum):
    READ = "read"  # read everything a reviewer sees (masked texts)
    ORIGINALS = "originals"  # original texts and respondents' names (administrators' tokens only)
    IMPORT = "import"  # add responses to an activity (batch import)
    PLACEMENTS = "placements"  # confirm or move inputs in the current theme grouping


class ApiToken(Base):
    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint("expires_dt > created_dt", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Whose token it is: requests act as this staff member (their role limits what the token may do).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the token is for, e.g. "Analyse i Power BI".
    name: Mapped[str] = mapped_column(sa.String(200))
    #: SHA-256 of the token (the token itself is shown once, never stored).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: First characters of the token, so a person can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: ApiScope values the token carries.
    scopes: Mapped[list] = mapped_column(default=list)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: The token stops working at this time.
    expires_dt: Mapped[datetime]
    revoked_dt: Mapped[datetime | None]
    #: Updated at most once a minute.
    last_used_dt: Mapped[datetime | None]

    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_dt is None and now < self.expires_dt and bool(self.user and self.user.is_active_user)
