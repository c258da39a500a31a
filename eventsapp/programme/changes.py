"""What every programme use case shares: the programme version, and objects looked up
by id only within their event."""
from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import db
from ..models import Event, ProgrammeSession, Room, SessionRole

T = TypeVar("T", Room, ProgrammeSession)


def bump(event: Event) -> None:
    """Mark the programme as changed (caches and ETags derive from the version)."""
    event.programme_version = (event.programme_version or 0) + 1


def bump_events_of_person(person_id: int) -> None:
    """Every event where the person speaks shows a changed programme."""
    ids = (sa.select(ProgrammeSession.event_id)
           .join(SessionRole, SessionRole.session_id == ProgrammeSession.id)
           .where(SessionRole.person_id == person_id).scalar_subquery())
    db.session.execute(sa.update(Event).where(Event.id.in_(ids))
                       .values(programme_version=Event.programme_version + 1)
                       .execution_options(synchronize_session=False))


def of_event(model: type[T], event: Event, object_id: Any, what: str) -> T:
    """A room or session by id, only if it belongs to ``event`` (else 404: ids of other
    events' objects are not revealed)."""
    obj = db.session.get(model, object_id)
    if obj is None or obj.event_id != event.id:
        raise NotFound(_("No such room in this event.") if what == "room"
                       else _("No such session in this event."))
    return obj
