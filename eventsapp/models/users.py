"""Accounts, per-event roles and API tokens."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import N_, LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .events import Event
    from .programme import Person


class EventRoleKind(LabelledEnum):
    ORGANIZER = ("organizer", N_("Organizer"))
    CHECKIN_STAFF = ("checkin_staff", N_("Check-in staff"))


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    organization: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(100))  # ISO alpha-2 (see 0005)
    # Secret of the personal calendar feed (starred sessions); shown to its owner.
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The language chosen with the switcher (a code of eventsapp.i18n.LANGUAGES); it wins
    # over the cookie so the choice follows the account to another browser. None: not chosen.
    language: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event_roles: Mapped[list[EventRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    person: Mapped[Person | None] = relationship(back_populates="user", uselist=False,
                                                 foreign_keys="Person.user_id")
    login_sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    # The key of the login session this object was loaded for (or just signed in with);
    # not a column: one account has a key per signed-in browser.
    login_session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def get_id(self) -> str:
        # Flask-Login stores this in the session and the remember cookie: the key of a
        # server-side login session, so revoking that row ends both cookies.
        return self.login_session_key or ""


class EventRole(Base):
    """A user's role on one event: organizer or check-in staff."""

    __tablename__ = "event_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "event_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[EventRoleKind] = mapped_column(str_enum(EventRoleKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="event_roles")
    event: Mapped[Event] = relationship(back_populates="roles")


class ApiToken(Base):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(12))  # shown so the owner can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")


class LoginSession(Base):
    """One signed-in browser. Flask-Login keeps its key; only the key's SHA-256 is stored.

    Sign-out sets ``revoked_at``: a replayed session or remember cookie then loads no one.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="login_sessions")
