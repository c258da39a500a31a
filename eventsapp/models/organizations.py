"""Organizations taking part in an event (member states, companies, NGOs ...), the
accounts that act as their focal points, and the quotas of their delegations."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .registration import StakeholderType
from .types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .events import Event
    from .users import User


class Organization(Base):
    """An organization of one event; registrants register on its behalf (its delegation).

    ``name`` is written as the organization writes it, in its own script. Quotas (None:
    no limit), decided under the event lock when a delegate is approved
    (``eventsapp.registration.delegations``):

    - ``max_registrations``: approved delegates (confirmed or waitlisted) at most;
    - ``max_in_room``: in-person approved delegates (confirmed, or waiting for a seat) at
      most; others of the delegation follow online or stay pending.
    """

    __tablename__ = "organizations"
    __table_args__ = (sa.UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[StakeholderType] = mapped_column(str_enum(StakeholderType))
    country: Mapped[str] = mapped_column(sa.String(2), default="")  # ISO alpha-2; member states
    max_registrations: Mapped[int | None] = mapped_column()
    max_in_room: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    focal_points: Mapped[list[FocalPoint]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", passive_deletes=True,
        order_by="FocalPoint.id",
    )


class FocalPoint(Base):
    """An account that approves its organization's registrations (several per
    organization allowed)."""

    __tablename__ = "focal_points"
    __table_args__ = (sa.UniqueConstraint("organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="focal_points")
    user: Mapped[User] = relationship()
