"""Staff accounts. Citizens and invited bodies answer without accounts."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from hearing.models.base import Base, one_of, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    FACILITATOR = "facilitator"
    REVIEWER = "reviewer"


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name; stored lower-case.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: One of Role.
    role: Mapped[str] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Deactivated users cannot log in; their work stays attributed to them.
    is_active_user: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password change so other sessions are logged out.
    session_version: Mapped[int] = mapped_column(default=1)
    #: The password was set by an administrator (a temporary one): the user must choose their own at next login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Failed logins in a row, for lock-out.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until_dt: Mapped[datetime | None]
    last_login_dt: Mapped[datetime | None]
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    #: Reviewers and facilitators see every process, or only those in ProcessAccess.
    all_processes: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    #: Single sign-on: the provider's subject for this user ("iss|sub"), set at the first SSO login.
    sso_subject: Mapped[str | None] = mapped_column(sa.String(300), unique=True)
    #: The language e-mails to this person are written in (nb, nn, en, da); None: the installation's default.
    lang: Mapped[str | None] = mapped_column(sa.String(5))

    @property
    def is_active(self) -> bool:  # used by Flask-Login
        return self.is_active_user

    def get_id(self) -> str:
        # The session version is part of the id, so a password change ends other sessions.
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role == Role.ADMIN or self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
