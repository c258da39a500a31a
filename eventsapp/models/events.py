"""Events and their rooms."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, attribute_keyed_dict, mapped_column, relationship

from ..extensions import Base
from .registration import Category
from .types import N_, CodeList, EnumSet, LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .programme import ProgrammeSession
    from .users import EventRole


class EventKind(LabelledEnum):
    ROUNDTABLE = ("roundtable", N_("Roundtable"))
    ANNUAL_MEETING = ("annual_meeting", N_("Annual meeting"))
    OTHER = ("other", N_("Other"))


class EventFormat(LabelledEnum):
    IN_PERSON = ("in_person", N_("In person"))
    ONLINE = ("online", N_("Online"))
    HYBRID = ("hybrid", N_("Hybrid (in person and online)"))


class PromotionMode(LabelledEnum):
    """How a freed place reaches the first on the waiting list."""

    IMMEDIATE = ("immediate", N_("Immediately: the place is theirs"))
    OFFER = ("offer", N_("As an offer they accept within a set time"))


ALL_CATEGORIES = frozenset(Category)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind), default=EventKind.OTHER)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    venue_name: Mapped[str] = mapped_column(sa.String(200), default="")
    venue_address: Mapped[str] = mapped_column(sa.String(400), default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="")
    country: Mapped[str] = mapped_column(sa.String(100), default="")  # ISO alpha-2 (see 0005)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")  # IANA name
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    format: Mapped[EventFormat] = mapped_column(
        str_enum(EventFormat), default=EventFormat.IN_PERSON
    )
    website_url: Mapped[str | None] = mapped_column(sa.String(500))
    published: Mapped[bool] = mapped_column(default=False)
    is_sample: Mapped[bool] = mapped_column(default=False)  # demo data, shown as such

    # Languages (codes of eventsapp.i18n.LANGUAGES): the one the title and description are
    # written in, and those the event offers (always including it); optional translations
    # of the title and description for the others (EventTranslation).
    default_language: Mapped[str] = mapped_column(sa.String(8), default="en",
                                                  server_default="en")
    languages: Mapped[tuple[str, ...]] = mapped_column(CodeList, default=("en",),
                                                       server_default="en")

    # Registration (None capacity = no limit for that modality).
    capacity_in_person: Mapped[int | None] = mapped_column()
    capacity_online: Mapped[int | None] = mapped_column()
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Categories whose registrations wait for an organizer's approval (see 0012: the
    # single switch it replaced became all categories or none).
    approval_categories: Mapped[frozenset[Category]] = mapped_column(
        EnumSet(Category), default=lambda: frozenset(), server_default="")
    # Categories a member of the public may choose; the others are given by organizers.
    public_categories: Mapped[frozenset[Category]] = mapped_column(
        EnumSet(Category), default=lambda: frozenset({Category.PARTICIPANT}),
        server_default="participant")
    # Shown next to the consent on the registration form, as the organizers wrote it.
    privacy_notice: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Online registrants are online speakers (category speaker) or viewers.
    online_roles: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A freed place goes to the waiting list at once, or as an offer to accept within
    # ``offer_hours``; an offer holds the place until it is accepted or expires.
    waitlist_promotion: Mapped[PromotionMode] = mapped_column(
        str_enum(PromotionMode, 20), default=PromotionMode.IMMEDIATE, server_default="immediate")
    offer_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    # Letters of invitation for visas (eventsapp.registration.visa): offered or not, and
    # the letterhead's organization and signatory.
    visa_letters: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    visa_organizer: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    visa_signatory_name: Mapped[str] = mapped_column(sa.String(200), default="",
                                                     server_default="")
    visa_signatory_title: Mapped[str] = mapped_column(sa.String(200), default="",
                                                      server_default="")

    # Online participation.
    stream_url: Mapped[str | None] = mapped_column(sa.String(1000))  # default for sessions
    stream_passcode: Mapped[str | None] = mapped_column(sa.String(100))
    join_opens_minutes_before: Mapped[int] = mapped_column(default=15)
    recordings_public: Mapped[bool] = mapped_column(default=False)

    # Bumped whenever the programme changes: cache keys and ETags derive from it.
    programme_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    rooms: Mapped[list[Room]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Room.name"
    )
    sessions: Mapped[list[ProgrammeSession]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="ProgrammeSession.starts_at",
    )
    roles: Mapped[list[EventRole]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    translations: Mapped[dict[str, EventTranslation]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        collection_class=attribute_keyed_dict("language"),
    )

    @property
    def registration_requires_approval(self) -> bool:
        """Some category's registrations wait for approval (the switch 0012 replaced)."""
        return bool(self.approval_categories)

    @registration_requires_approval.setter
    def registration_requires_approval(self, value: bool) -> None:
        """The old switch: every category needs approval, or none."""
        self.approval_categories = ALL_CATEGORIES if value else frozenset()

    def needs_approval(self, category: Category) -> bool:
        return category in self.approval_categories

    @property
    def offers_places(self) -> bool:
        """Freed places are offered (to accept in time) rather than given."""
        return self.waitlist_promotion is PromotionMode.OFFER

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, when: datetime) -> datetime:
        """A UTC instant in the event's zone."""
        return when.astimezone(self.tz)

    @property
    def offered_languages(self) -> tuple[str, ...]:
        """The languages offered, the default among them (also before the first flush,
        when the column defaults are not applied yet)."""
        default = self.default_language or "en"
        codes = tuple(self.languages or ())
        return codes if default in codes else (default, *codes)

    @property
    def offers_in_person(self) -> bool:
        return self.format in (EventFormat.IN_PERSON, EventFormat.HYBRID)

    @property
    def offers_online(self) -> bool:
        return self.format in (EventFormat.ONLINE, EventFormat.HYBRID)


class Room(Base):
    __tablename__ = "rooms"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    capacity: Mapped[int | None] = mapped_column()
    description: Mapped[str] = mapped_column(sa.String(400), default="")

    event: Mapped[Event] = relationship(back_populates="rooms")


class EventTranslation(Base):
    """The event's title and description in one of its other languages (either may be
    blank: that part is then shown as written)."""

    __tablename__ = "event_translations"
    __table_args__ = (sa.UniqueConstraint("event_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(8))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")

    event: Mapped[Event] = relationship(back_populates="translations")
