"""Use cases of the programme: events, rooms, sessions, people, roles, publishing, stars.

Every writer is one use case (``db_tx.use_case`` / ``transaction``: it begins with the
write lock, commits on success and rolls back on any error; nothing here commits). Those
that change one event's programme start with ``lock_event``; each loads its values
through the programme's schemas (``schemas.py``: the one place of every field rule),
checks what depends on the database, writes and bumps ``Event.programme_version`` of
every event whose programme changed. Errors are domain errors; nothing half-written, and
no lock outlives a failed use case.

The use cases live in a module per subject and are re-exported here, so views, the API
and tests call ``services.<use case>``.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..db_tx import use_case
from ..extensions import db
from ..models import ProgrammeSession, SessionStar, User
from ..security import new_token
from .changes import bump
from .event_services import (
    SLUG_RE,
    create_event,
    delete_event,
    publish_programme,
    slugify,
    update_event,
)
from .people_services import create_person, delete_person, update_person
from .session_services import (
    add_role,
    change_role,
    create_room,
    create_session,
    delete_room,
    delete_session,
    move_role,
    remove_role,
    update_room,
    update_session,
)

__all__ = [
    "SLUG_RE", "add_role", "bump", "change_role", "create_event", "create_person",
    "create_room", "create_session", "delete_event", "delete_person", "delete_room",
    "delete_session", "feed_token", "move_role", "publish_programme", "remove_role",
    "reset_feed_token", "slugify", "star", "unstar", "update_event", "update_person",
    "update_room", "update_session", "user_for_feed",
]


# ------------------------------------------------------------------ stars and feeds

@use_case
def star(user: User, session: ProgrammeSession) -> None:
    """Add a session to the user's schedule (idempotent)."""
    if db.session.get(SessionStar, (user.id, session.id)) is not None:
        return
    try:
        with db.session.begin_nested():  # starred in parallel: the star is there, as wanted
            db.session.add(SessionStar(user_id=user.id, session_id=session.id))
    except IntegrityError:
        pass


@use_case
def unstar(user: User, session: ProgrammeSession) -> None:
    db.session.execute(sa.delete(SessionStar).where(SessionStar.user_id == user.id,
                                                    SessionStar.session_id == session.id))


def feed_token(user: User) -> str:
    """The user's calendar feed secret, made on first use."""
    if user.feed_token:
        return user.feed_token
    return reset_feed_token(user)


@use_case
def reset_feed_token(user: User) -> str:
    """A new feed secret: the old feed URL stops working."""
    u = db.session.get(User, user.id)
    if u is None:
        raise LookupError("no such user")
    token = new_token(24)  # 192 bits
    u.feed_token = token
    return token


def user_for_feed(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(sa.select(User).where(User.feed_token == token))
    if user is None or not user.active:
        return None
    return user
