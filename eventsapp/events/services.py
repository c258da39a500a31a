"""Reading events: listings for the home page and one event's page."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Event, ProgrammeSession, User, utcnow
from ..permissions import managed_event_ids


@dataclass
class EventListing:
    upcoming: list[Event]
    past: list[Event]
    drafts: list[Event]


def list_events(user: User | None) -> EventListing:
    """Published events split into upcoming and past; drafts the user may manage."""
    now = utcnow()
    # Translated titles in one query per list, whatever the number of events.
    with_texts = selectinload(Event.translations)
    published = list(db.session.scalars(
        sa.select(Event).where(Event.published.is_(True)).order_by(Event.starts_at)
        .options(with_texts)))
    upcoming = [e for e in published if e.ends_at >= now]
    past = sorted((e for e in published if e.ends_at < now), key=lambda e: e.starts_at,
                  reverse=True)
    managed = managed_event_ids(user)
    q = sa.select(Event).where(Event.published.is_(False)).order_by(Event.starts_at) \
        .options(with_texts)
    if managed is not None:
        q = q.where(Event.id.in_(managed or {-1}))
    drafts = list(db.session.scalars(q)) if (managed is None or managed) else []
    return EventListing(upcoming, past, drafts)


def visible_sessions(event: Event, include_drafts: bool) -> list[ProgrammeSession]:
    """The event's sessions in time order, with rooms and people loaded in a fixed
    number of queries."""
    from ..programme.queries import programme_sessions

    return programme_sessions(event, include_drafts=include_drafts)
