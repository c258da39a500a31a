"""Pledges, the entities that make them, and their progress reports.

Many-valued attributes (entities, places, beneficiary groups, SDGs) live in their own
tables so that dashboards can group and count them in SQL.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Base
from .stakeholders import Sector
from .types import N_, LabelledEnum, UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .events import Event
    from .programme import Person, ProgrammeSession
    from .users import User

MONEY = sa.Numeric(18, 2)


class PledgeType(LabelledEnum):
    FINANCIAL = ("financial", N_("Financial"))
    PROGRAMMATIC = ("programmatic", N_("Programmatic"))
    POLICY = ("policy", N_("Policy"))
    ADVOCACY = ("advocacy", N_("Advocacy"))


class FocusArea(LabelledEnum):
    ACCESS = ("access", N_("Access"))
    ADOPTION = ("adoption", N_("Adoption"))
    VALUE_CREATION = ("value_creation", N_("Value creation"))
    ACCELERATE = ("accelerate", N_("Accelerate"))


class PledgeState(LabelledEnum):
    SUBMITTED = ("submitted", N_("Submitted"))
    PUBLISHED = ("published", N_("Published"))
    DECLINED = ("declined", N_("Declined"))


class ProgressStatus(LabelledEnum):
    PLANNING = ("planning", N_("Planning"))
    IN_PROGRESS = ("in_progress", N_("In progress"))
    COMPLETED = ("completed", N_("Completed"))
    STALLED = ("stalled", N_("Stalled"))
    UNSUCCESSFUL = ("unsuccessful", N_("Unsuccessful"))


class PledgingEntity(Base):
    __tablename__ = "pledging_entities"
    # Entities are reused by name whatever the case: "ITU" and "itu" are one entity.
    __table_args__ = (sa.Index("uq_pledging_entities_lower_name", sa.func.lower(sa.text("name")),
                               unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), unique=True)
    sector: Mapped[Sector] = mapped_column(str_enum(Sector))
    country: Mapped[str] = mapped_column(sa.String(100), default="")  # ISO alpha-2 (see 0005)
    is_sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pledge(Base):
    __tablename__ = "pledges"
    __table_args__ = (
        sa.Index("ix_pledges_event_id_state", "event_id", "state"),
        sa.CheckConstraint("amount_usd IS NULL OR amount_usd >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    type: Mapped[PledgeType] = mapped_column(str_enum(PledgeType))
    amount_usd: Mapped[Decimal | None] = mapped_column(MONEY)
    focus_area: Mapped[FocusArea] = mapped_column(str_enum(FocusArea))
    pillar: Mapped[str] = mapped_column(sa.String(100), default="")
    targets_ldc: Mapped[bool] = mapped_column(default=False)  # least developed country
    target_year: Mapped[int | None] = mapped_column()
    # SMART guidance: what will be measured and the target it should reach.
    indicator: Mapped[str] = mapped_column(sa.Text, default="")

    # Where it was announced: optional, since pledges are also made between events.
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="SET NULL"), index=True
    )
    announced_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("people.id", ondelete="SET NULL")
    )
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    state: Mapped[PledgeState] = mapped_column(
        str_enum(PledgeState), default=PledgeState.SUBMITTED, index=True
    )
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    moderated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Private update link for the pledger (SHA-256 of the secret).
    update_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Where reminders and update links go when no account submitted the pledge.
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    # Date of the newest progress report, kept with the report in one transaction so
    # overdue and inactive pledges are found with an index, not a subquery per pledge.
    last_report_on: Mapped[date | None] = mapped_column(sa.Date)
    # The latest report's status (None: no report yet), kept with last_report_on.
    progress_status: Mapped[ProgressStatus | None] = mapped_column(str_enum(ProgressStatus))
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_sample: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event | None] = relationship()
    session: Mapped[ProgrammeSession | None] = relationship()
    announced_by: Mapped[Person | None] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    entities: Mapped[list[PledgeEntity]] = relationship(
        back_populates="pledge", cascade="all, delete-orphan",
        order_by="(PledgeEntity.is_lead.desc(), PledgeEntity.id)",
    )
    places: Mapped[list[PledgePlace]] = relationship(cascade="all, delete-orphan")
    beneficiaries: Mapped[list[PledgeBeneficiary]] = relationship(cascade="all, delete-orphan")
    sdgs: Mapped[list[PledgeSDG]] = relationship(cascade="all, delete-orphan")
    reports: Mapped[list[PledgeReport]] = relationship(
        back_populates="pledge", cascade="all, delete-orphan",
        order_by="(PledgeReport.reported_on, PledgeReport.id)",
    )


class PledgeEntity(Base):
    """An entity behind a pledge; joint pledges have several, one of them the lead."""

    __tablename__ = "pledge_entities"
    __table_args__ = (sa.UniqueConstraint("pledge_id", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledges.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pledging_entities.id", ondelete="RESTRICT"), index=True
    )
    is_lead: Mapped[bool] = mapped_column(default=False)

    pledge: Mapped[Pledge] = relationship(back_populates="entities")
    entity: Mapped[PledgingEntity] = relationship()


class PledgePlace(Base):
    """A country or region where a pledge is implemented."""

    __tablename__ = "pledge_places"
    __table_args__ = (sa.UniqueConstraint("pledge_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledges.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))  # country code (ISO alpha-2) or region label
    region: Mapped[str] = mapped_column(sa.String(100), default="", index=True)  # for breakdowns


class PledgeBeneficiary(Base):
    __tablename__ = "pledge_beneficiaries"
    __table_args__ = (sa.UniqueConstraint("pledge_id", "group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledges.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(sa.String(60), index=True)


class PledgeSDG(Base):
    __tablename__ = "pledge_sdgs"
    __table_args__ = (
        sa.UniqueConstraint("pledge_id", "sdg"),
        sa.CheckConstraint("sdg BETWEEN 1 AND 17", name="sdg_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("pledges.id", ondelete="CASCADE"))
    sdg: Mapped[int] = mapped_column(index=True)


class PledgeReport(Base):
    """A dated progress report; a pledge's status is its latest report's."""

    __tablename__ = "pledge_reports"
    __table_args__ = (
        sa.CheckConstraint("percent_complete BETWEEN 0 AND 100", name="percent_range"),
        sa.CheckConstraint(
            "amount_disbursed_usd IS NULL OR amount_disbursed_usd >= 0",
            name="disbursed_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("pledges.id", ondelete="CASCADE"), index=True
    )
    reported_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[ProgressStatus] = mapped_column(str_enum(ProgressStatus))
    percent_complete: Mapped[int] = mapped_column(default=0)
    amount_disbursed_usd: Mapped[Decimal | None] = mapped_column(MONEY)
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    via_update_link: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pledge: Mapped[Pledge] = relationship(back_populates="reports")
