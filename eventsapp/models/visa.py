"""Letters of invitation for visas: one request per registration."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .types import N_, LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .registration import Registration
    from .users import User


class VisaLetterStatus(LabelledEnum):
    REQUESTED = ("requested", N_("Requested"))
    APPROVED = ("approved", N_("Approved"))
    DECLINED = ("declined", N_("Declined"))


class VisaLetterRequest(Base):
    """A confirmed in-person registrant's request for a letter of invitation.

    The passport fields are personal data asked only here: shown to the registrant and
    to the event's organizers on the request's page, never in lists, exports, URLs or
    logs. They are blanked (``erased_at`` set) when the registration is erased and,
    by ``flask registration erase-visa-data``, once the event is over.
    """

    __tablename__ = "visa_letter_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True)
    nationality: Mapped[str] = mapped_column(sa.String(2), default="")  # ISO alpha-2
    passport_number: Mapped[str] = mapped_column(sa.String(20), default="")
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    passport_expires_on: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[VisaLetterStatus] = mapped_column(
        str_enum(VisaLetterStatus, 20), default=VisaLetterStatus.REQUESTED)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()
    decided_by: Mapped[User | None] = relationship()
