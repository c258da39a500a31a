"""Invitations to register: a code (or a link carrying it) that opens a category the
public may not choose, or skips the organizers' approval, for a number of uses, until a
date. Each use is a row of its own (``InvitationUse``), one per registration."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .registration import Category
from .types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .registration import Registration


class Invitation(Base):
    """An invitation of one event. Only the SHA-256 of its code is stored: the code is
    shown once, to the organizer who created it.

    ``category``: the category a registration with it gets (None: the registrant
    chooses among the public ones); ``max_uses`` None: unlimited; ``expires_at`` None:
    until registration closes. Uses are counted (under the event lock) as the uses
    whose registration is still active, so a cancelled or declined one gives its use back.
    """

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(200))  # for the organizers only
    category: Mapped[Category | None] = mapped_column(str_enum(Category))
    skips_approval: Mapped[bool] = mapped_column(default=False)
    max_uses: Mapped[int | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvitationUse(Base):
    """One registration made with an invitation."""

    __tablename__ = "invitation_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("invitations.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), unique=True
    )
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitation: Mapped[Invitation] = relationship()
    registration: Mapped[Registration] = relationship()
