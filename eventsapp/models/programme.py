"""The programme: sessions, people and their roles, stars."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import N_, LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .events import Event, Room
    from .users import User


class SessionType(LabelledEnum):
    OPENING = ("opening", N_("Opening"))
    HIGH_LEVEL_PANEL = ("high_level_panel", N_("High-Level Panel"))
    SPOTLIGHT = ("spotlight", N_("Spotlight Session"))
    SPECIAL_MESSAGE = ("special_message", N_("Special Message"))
    KEYNOTE = ("keynote", N_("Keynote"))
    AWARDS_CEREMONY = ("awards_ceremony", N_("Awards Ceremony"))
    RECEPTION = ("reception", N_("Reception"))
    NETWORKING = ("networking", N_("Networking"))
    BREAK = ("break", N_("Break"))
    CLOSING = ("closing", N_("Closing"))


class RoleKind(LabelledEnum):
    MODERATOR = ("moderator", N_("Moderator"))
    PANELLIST = ("panellist", N_("Panellist"))
    SPEAKER = ("speaker", N_("Speaker"))
    KEYNOTE = ("keynote", N_("Keynote speaker"))
    HOST = ("host", N_("Host"))


class ProgrammeSession(Base):
    """One item of an event's programme (named so as not to clash with db.session)."""

    __tablename__ = "sessions"
    __table_args__ = (sa.Index("ix_sessions_event_id_starts_at", "event_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    type: Mapped[SessionType] = mapped_column(str_enum(SessionType))
    number: Mapped[int | None] = mapped_column()  # "High-Level Panel 3"
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    room_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published: Mapped[bool] = mapped_column(default=True)  # hidden while False
    stream_url: Mapped[str | None] = mapped_column(sa.String(1000))
    stream_passcode: Mapped[str | None] = mapped_column(sa.String(100))
    recording_url: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="sessions")
    room: Mapped[Room | None] = relationship()
    roles: Mapped[list[SessionRole]] = relationship(
        back_populates="session", cascade="all, delete-orphan",
        order_by="SessionRole.position",
    )

    @property
    def label(self) -> str:
        """The type and number as shown in a programme, e.g. "High-Level Panel 3"."""
        return f"{self.type.label} {self.number}" if self.number else self.type.label


class Person(Base):
    """A speaker's public profile, one record across sessions and events."""

    __tablename__ = "people"
    __table_args__ = (sa.Index("ix_people_name_organization", "name", "organization"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[str] = mapped_column(sa.String(300), default="")
    organization: Mapped[str] = mapped_column(sa.String(300), default="")
    country: Mapped[str] = mapped_column(sa.String(100), default="")  # ISO alpha-2 (see 0005)
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    photo_filename: Mapped[str | None] = mapped_column(sa.String(200))  # random name we chose
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    is_sample: Mapped[bool] = mapped_column(default=False)
    # Who made the profile: until it has a role on a session, only they (and
    # administrators) may use or edit it (eventsapp/permissions.py, people).
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship(back_populates="person", foreign_keys=[user_id])
    roles: Mapped[list[SessionRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class SessionRole(Base):
    """A person's role on a session, in display order."""

    __tablename__ = "session_roles"
    __table_args__ = (sa.UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[RoleKind] = mapped_column(str_enum(RoleKind))
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[ProgrammeSession] = relationship(back_populates="roles")
    person: Mapped[Person] = relationship(back_populates="roles")


class SessionStar(Base):
    """A signed-in user's starred session ("My schedule")."""

    __tablename__ = "session_stars"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
