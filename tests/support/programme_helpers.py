"""Shared helpers of the programme tests: large programmes made with bulk inserts."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from eventsapp.extensions import db
from eventsapp.models import Person, ProgrammeSession, Room, SessionRole


def bulk_programme(event, n: int, people_per_session: int = 4) -> None:
    """``n`` published sessions in 3 rooms with ``people_per_session`` people each."""
    rooms = [Room(event_id=event.id, name=f"Room {i}") for i in range(3)]
    db.session.add_all(rooms)
    db.session.flush()
    start = event.starts_at
    db.session.execute(sa.insert(ProgrammeSession), [
        {"event_id": event.id, "type": "high_level_panel", "number": (i % 999) + 1,
             "title": f"Bulk session {i}", "description": "", "room_id": rooms[i % 3].id,
             "starts_at": start + timedelta(minutes=20 * i),
             "ends_at": start + timedelta(minutes=20 * i + 45), "published": True,
             "stream_url": f"https://stream.example.org/secret-{i}", "stream_passcode": "pass-secret"}
        for i in range(n)])
    tag = f"{event.id}-{n}"
    db.session.execute(sa.insert(Person), [
        {"name": f"Person {tag}-{k}", "organization": f"Org {k % 7}", "position": "", "country": "",
             "bio": ""} for k in range(n + people_per_session)])
    ids = list(db.session.scalars(sa.select(ProgrammeSession.id)
                                  .where(ProgrammeSession.event_id == event.id)
                                  .order_by(ProgrammeSession.id)))
    pids = list(db.session.scalars(sa.select(Person.id).where(Person.name.like(f"Person {tag}-%"))
                                   .order_by(Person.id)))
    db.session.execute(sa.insert(SessionRole), [
        {"session_id": sid, "person_id": pids[i + j], "role": "moderator" if j == 0 else "panellist",
             "position": j}
        for i, sid in enumerate(ids) for j in range(people_per_session)])
    db.session.commit()
