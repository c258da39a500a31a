"""Registrations, check-ins at the door and online joins."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .stakeholders import StakeholderType
from .types import N_, LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .events import Event
    from .programme import ProgrammeSession
    from .users import User


class Modality(LabelledEnum):
    IN_PERSON = ("in_person", N_("In person"))
    ONLINE = ("online", N_("Online"))


class Category(LabelledEnum):
    PARTICIPANT = ("participant", N_("Participant"))
    SPEAKER = ("speaker", N_("Speaker"))
    PRESS = ("press", N_("Press"))
    STAFF = ("staff", N_("Staff"))
    VIP = ("vip", N_("VIP"))


class RegistrationStatus(LabelledEnum):
    CONFIRMED = ("confirmed", N_("Confirmed"))
    WAITLISTED = ("waitlisted", N_("Waiting list"))
    # A place freed for the first on the waiting list, held until ``offer_expires_at``.
    OFFERED = ("offered", N_("Place offered"))
    PENDING = ("pending", N_("Pending approval"))
    DECLINED = ("declined", N_("Declined"))
    CANCELLED = ("cancelled", N_("Cancelled"))


class Registration(Base):
    """One person's registration for one event.

    Secrets: the manage link is stored as a SHA-256 only (it is only ever looked up).
    ``manage_token_hash`` is the link issued with the registration (or by the last
    rotation of its secrets); links asked for again later are extra rows in
    ``registration_links``, so asking never disables the link the holder has.
    The badge code and the join secret are printed on badges and put in calendar feeds
    again and again, so they are kept as issued; both are 128+ bit random tokens.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "email"),
        sa.Index("ix_registrations_event_id_status_modality", "event_id", "status", "modality"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))  # lower-case
    organization: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    country: Mapped[str] = mapped_column(sa.String(100), default="")  # ISO alpha-2 (see 0005)
    stakeholder_type: Mapped[StakeholderType | None] = mapped_column(str_enum(StakeholderType))
    modality: Mapped[Modality] = mapped_column(str_enum(Modality))
    category: Mapped[Category] = mapped_column(str_enum(Category), default=Category.PARTICIPANT)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))
    needs: Mapped[str] = mapped_column(sa.Text, default="")  # accessibility or dietary
    consent_listed: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(sa.String(20), default="form")  # form, api, organizer
    over_capacity: Mapped[bool] = mapped_column(default=False)  # organizer's override
    # The organization (of this event) registered for: its delegation (see organizations).
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    # The language the registrant registered in: every mail about it is written in it.
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")

    manage_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    badge_code: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    join_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Random value of the form that created it: a replay of that same form (double
    # click, back + resubmit) is recognised and neither rotates the link nor mails again.
    form_nonce: Mapped[str | None] = mapped_column(sa.String(64))
    # When the holder reported a leak and every secret (manage links, join secret, badge
    # code) was replaced: organizers see that the badge was re-issued, and why.
    secrets_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # When it joined the waiting list: the list is served in this order.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # OFFERED: the place is held until then. Kept on a registration whose offer expired
    # (CANCELLED by ``registration.offers``), so its page can say so; cleared otherwise.
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # personal data removed

    event: Mapped[Event] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="registration", cascade="all, delete-orphan",
        order_by="CheckIn.checked_in_at",
    )


class RegistrationLink(Base):
    """An extra live manage link of a registration ("send me my link again"), as a
    SHA-256 only. At most ``registration.links.LIVE_LINKS`` per registration: adding one
    deletes the oldest beyond that, so nobody can flood the table, and rotating the
    registration's secrets deletes them all."""

    __tablename__ = "registration_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckIn(Base):
    """Admission at the door; at most one per registration per event-local day."""

    __tablename__ = "checkins"
    __table_args__ = (sa.UniqueConstraint("registration_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(sa.Date)  # in the event's zone
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    registration: Mapped[Registration] = relationship(back_populates="checkins")
    checked_in_by: Mapped[User | None] = relationship()


class RevokedBadgeCode(Base):
    """A badge code that no longer admits (cancelled or re-issued), kept as a SHA-256
    only, so the door can say why an old badge is refused. Written by eventsapp.badges."""

    __tablename__ = "revoked_badge_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()


class SessionJoin(Base):
    """An online attendee opening a session's join link."""

    __tablename__ = "session_joins"
    __table_args__ = (sa.Index("ix_session_joins_session_id_registration_id",
                               "session_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("sessions.id", ondelete="CASCADE"))
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[ProgrammeSession] = relationship()
    registration: Mapped[Registration | None] = relationship()
