"""Use cases of the programme: events, rooms, sessions, people, roles, publishing, stars.

Every writer is one use case (``db_tx.use_case`` / ``transaction``: it begins with the
write lock, commits on success and rolls back on any error; nothing here commits). Those
that change one event's programme start with ``lock_event``; each validates, writes and
bumps ``Event.programme_version`` of every event whose programme changed. Errors are
domain errors; nothing half-written, and no lock outlives a failed use case.
"""
from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..db_tx import lock_event, transaction, use_case
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..guards import DB_INT_MAX
from ..instants import InvalidInstant, check_instant
from ..models import (
    Event,
    EventFormat,
    EventKind,
    EventRole,
    EventRoleKind,
    Person,
    ProgrammeSession,
    RoleKind,
    Room,
    SessionRole,
    SessionStar,
    SessionType,
    User,
)
from ..permissions import (
    PersonNeed,
    can_create_events,
    load_person,
    usable_people_clause,
)
from ..security import new_token
from ..timefmt import valid_zone
from . import photos
from .queries import duplicates_of

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


# ------------------------------------------------------------------ helpers

def bump(event: Event) -> None:
    """Mark the programme as changed (caches and ETags derive from the version)."""
    event.programme_version = (event.programme_version or 0) + 1


def _bump_events_of_person(person_id: int) -> None:
    ids = (sa.select(ProgrammeSession.event_id)
           .join(SessionRole, SessionRole.session_id == ProgrammeSession.id)
           .where(SessionRole.person_id == person_id).scalar_subquery())
    db.session.execute(sa.update(Event).where(Event.id.in_(ids))
                       .values(programme_version=Event.programme_version + 1)
                       .execution_options(synchronize_session=False))


def _enum(enum_cls, value, field: str, what: str):
    """An enum member from its value or its label (case-insensitive)."""
    if isinstance(value, enum_cls):
        return value
    text = str(value or "").strip().lower()
    for m in enum_cls:
        if text in (m.value, m.label.lower(), m.value.replace("_", " "),
                    m.value.replace("_", "-")):
            return m
    allowed = ", ".join(m.value for m in enum_cls)
    raise ValidationFailed(f"Unknown {what} “{value}”. Use one of: {allowed}.",
                           fields={field: [f"Unknown {what}. Use one of: {allowed}."]})


def parse_session_type(value, field: str = "type") -> SessionType:
    return _enum(SessionType, value, field, "session type")


def parse_role(value, field: str = "role") -> RoleKind:
    return _enum(RoleKind, value, field, "role")


def _text(values: dict, key: str, max_len: int, *, required: bool = False, label: str = "") -> str:
    value = values.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationFailed(f"{label or key.capitalize()} is required.",
                               fields={key: ["This field is required."]})
    if len(value) > max_len:
        raise ValidationFailed(f"{label or key.capitalize()} is too long (at most {max_len}).",
                               fields={key: [f"At most {max_len} characters."]})
    return value


def _url(values: dict, key: str) -> str | None:
    value = (values.get(key) or "").strip()
    if not value:
        return None
    if len(value) > 1000 or not URL_RE.match(value):
        raise ValidationFailed("Links must start with http:// or https://.",
                               fields={key: ["Enter a web address starting with https://."]})
    return value


def _aware(value, key: str) -> datetime:
    try:
        return check_instant(value)
    except InvalidInstant as exc:
        raise ValidationFailed(str(exc), fields={key: [str(exc)]}) from exc


def _opt_int(values: dict, key: str, lo: int, hi: int) -> int | None:
    value = values.get(key)
    if value in (None, ""):
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        n = None
    if n is None or isinstance(value, bool) or not lo <= n <= hi:
        raise ValidationFailed(f"{key.replace('_', ' ').capitalize()} must be a whole number "
                               f"from {lo} to {hi}.",
                               fields={key: [f"A whole number from {lo} to {hi}."]})
    return n


# ------------------------------------------------------------------ events

EVENT_FIELDS = ("title", "kind", "format", "description", "venue_name", "venue_address", "city",
                "country", "timezone", "starts_at", "ends_at", "published", "website_url",
                "capacity_in_person", "capacity_online", "registration_opens_at",
                "registration_closes_at")


def _time_range(values: dict, current, out: dict, message: str) -> None:
    """Parse starts_at/ends_at (given, or all of them when creating) into ``out`` and
    refuse an end that is not after the start, taking missing ones from ``current``."""
    for key in ("starts_at", "ends_at"):
        if key in values or current is None:
            out[key] = _aware(values.get(key), key)
    start = out.get("starts_at", current.starts_at if current else None)
    end = out.get("ends_at", current.ends_at if current else None)
    if end <= start:
        raise ValidationFailed(message, fields={"ends_at": ["The end must be after the start."]})


def _event_values(values: dict, current: Event | None) -> dict:
    """Validated event attributes from ``values`` (only the keys given, for updates)."""
    out: dict = {}
    if current is None or "title" in values:
        out["title"] = _text(values, "title", 200, required=True, label="Title")
    if "kind" in values or current is None:
        out["kind"] = _enum(EventKind, values.get("kind") or "other", "kind", "event kind")
    if "format" in values or current is None:
        out["format"] = _enum(EventFormat, values.get("format") or "in_person", "format",
                              "format")
    for key, n in (("description", 20000), ("venue_name", 200), ("venue_address", 400),
                   ("city", 100), ("country", 100)):
        if key in values:
            out[key] = _text(values, key, n)
    if "timezone" in values or current is None:
        zone = valid_zone((values.get("timezone") or "").strip())
        if not zone:
            raise ValidationFailed("Unknown time zone: use an IANA name such as Europe/Zurich.",
                                   fields={"timezone": ["Use an IANA name such as Europe/Zurich."]})
        out["timezone"] = zone
    _time_range(values, current, out, "The event ends before it starts.")
    if "published" in values:
        out["published"] = bool(values["published"])
    if "website_url" in values:
        out["website_url"] = _url(values, "website_url")
    for key in ("capacity_in_person", "capacity_online"):
        if key in values:
            out[key] = _opt_int(values, key, 0, 10_000_000)
    for key in ("registration_opens_at", "registration_closes_at"):
        if key in values:
            out[key] = None if values[key] is None else _aware(values[key], key)
    opens = out.get("registration_opens_at", current.registration_opens_at if current else None)
    closes = out.get("registration_closes_at",
                     current.registration_closes_at if current else None)
    if opens and closes and closes <= opens:
        raise ValidationFailed("Registration closes before it opens.",
                               fields={"registration_closes_at": ["Must be after the opening."]})
    return out


def slugify(text: str) -> str:
    """An ASCII short name for a URL: accents folded ("Genève" gives "geneve"), other
    scripts transliterated (python-slugify through text-unidecode), cut at a word
    boundary within 60 characters; "event" when nothing usable is left."""
    # Imported here, not at the top: this function's name shadows the module's.
    from slugify import slugify as ascii_slug

    return ascii_slug(text or "", max_length=60, word_boundary=True) or "event"


@use_case
def create_event(user: User, values: dict) -> Event:
    """A new event; its creator becomes its organizer."""
    if not can_create_events(user):
        raise Forbidden("Only administrators and organizers of an event create events.")
    attrs = _event_values(values, None)
    slug = (values.get("slug") or "").strip().lower()
    if slug:
        if len(slug) > 80 or not SLUG_RE.match(slug):
            raise ValidationFailed("The short name may hold a-z, 0-9 and dashes.",
                                   fields={"slug": ["Lower-case letters, digits and dashes."]})
        if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
            raise ValidationFailed("That short name is taken.",
                                   fields={"slug": ["Another event uses it."]})
    else:
        base = slugify(attrs["title"])
        taken = set(db.session.scalars(sa.select(Event.slug).where(Event.slug.like(base + "%"))))
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
    attrs.setdefault("published", False)
    event = Event(slug=slug, **attrs)
    db.session.add(event)
    db.session.add(EventRole(user_id=user.id, event=event, role=EventRoleKind.ORGANIZER))
    try:
        db.session.flush()  # a slug taken in parallel fails here, inside the use case
    except IntegrityError as exc:
        raise Conflict("That short name was just taken; try again.",
                       fields={"slug": ["Another event uses it."]}) from exc
    return event


@use_case
def update_event(event: Event, values: dict) -> Event:
    event = lock_event(event.id)
    attrs = _event_values({k: v for k, v in values.items() if k in EVENT_FIELDS}, event)
    for key, value in attrs.items():
        setattr(event, key, value)
    bump(event)
    return event


@use_case
def delete_event(event: Event) -> None:
    event = lock_event(event.id)
    db.session.delete(event)


@use_case
def publish_programme(event: Event) -> int:
    """Publish the event and all its draft sessions; returns how many sessions."""
    event = lock_event(event.id)
    n = db.session.execute(
        sa.update(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id, ProgrammeSession.published.is_(False))
        .values(published=True).execution_options(synchronize_session=False)).rowcount
    event.published = True
    bump(event)
    return n or 0


# ------------------------------------------------------------------ rooms

def _room_values(event: Event, values: dict, room_id: int | None) -> dict:
    out = {}
    if "name" in values or room_id is None:
        out["name"] = _text(values, "name", 120, required=True, label="Room name")
        clash = db.session.scalar(sa.select(Room.id).where(
            Room.event_id == event.id, sa.func.lower(Room.name) == out["name"].lower(),
            Room.id != (room_id or -1)))
        if clash:
            raise ValidationFailed("This event already has a room with that name.",
                                   fields={"name": ["Another room has this name."]})
    if "capacity" in values:
        out["capacity"] = _opt_int(values, "capacity", 0, 1_000_000)
    if "description" in values:
        out["description"] = _text(values, "description", 400)
    return out


@use_case
def create_room(event: Event, values: dict) -> Room:
    event = lock_event(event.id)
    room = Room(event_id=event.id, **_room_values(event, values, None))
    db.session.add(room)
    bump(event)
    return room


def _of_event(model, event: Event, object_id: int, what: str):
    """A room or session by id, only if it belongs to ``event`` (else 404: ids of other
    events' objects are not revealed)."""
    obj = db.session.get(model, object_id)
    if obj is None or obj.event_id != event.id:
        raise NotFound(f"No such {what} in this event.")
    return obj


def _room(event: Event, room_id: int) -> Room:
    return _of_event(Room, event, room_id, "room")


@use_case
def update_room(event: Event, room_id: int, values: dict) -> Room:
    event = lock_event(event.id)
    room = _room(event, room_id)
    for key, value in _room_values(event, values, room.id).items():
        setattr(room, key, value)
    bump(event)
    return room


@use_case
def delete_room(event: Event, room_id: int) -> None:
    """Delete a room; its sessions keep their times and lose the room."""
    event = lock_event(event.id)
    room = _room(event, room_id)
    db.session.execute(sa.update(ProgrammeSession).where(ProgrammeSession.room_id == room.id)
                       .values(room_id=None).execution_options(synchronize_session=False))
    db.session.delete(room)
    bump(event)


# ------------------------------------------------------------------ sessions

SESSION_FIELDS = ("type", "number", "title", "description", "room_id", "starts_at", "ends_at",
                  "published", "stream_url", "stream_passcode", "recording_url")


def _session_values(event: Event, values: dict, current: ProgrammeSession | None) -> dict:
    out: dict = {}
    if "type" in values or current is None:
        out["type"] = parse_session_type(values.get("type"))
    if "number" in values:
        out["number"] = _opt_int(values, "number", 1, 999)
    if "title" in values or current is None:
        out["title"] = _text(values, "title", 300, required=True, label="Title")
    if "description" in values:
        out["description"] = _text(values, "description", 20000)
    if "room_id" in values:
        room_id = values.get("room_id")
        if room_id in (None, "", 0):
            out["room_id"] = None
        else:
            try:
                room_id = int(room_id)
            except (TypeError, ValueError):
                room_id = -1
            if not 0 < room_id <= DB_INT_MAX:
                room_id = -1  # no such room (and no number the database cannot hold)
            ok = db.session.scalar(sa.select(Room.id).where(Room.id == room_id,
                                                            Room.event_id == event.id))
            if not ok:
                raise ValidationFailed("Unknown room: pick one of this event's rooms.",
                                       fields={"room_id": ["Unknown room for this event."]})
            out["room_id"] = room_id
    _time_range(values, current, out, "The session ends before it starts (or when it starts).")
    if "published" in values:
        out["published"] = bool(values["published"])
    for key in ("stream_url", "recording_url"):
        if key in values:
            out[key] = _url(values, key)
    if "stream_passcode" in values:
        out["stream_passcode"] = _text(values, "stream_passcode", 100) or None
    return out


def _people_list(people, actor: User | None) -> list[tuple[int, RoleKind]]:
    """(person id, role) pairs, each person one ``actor`` may use; another event's person
    is answered like an unknown id (NotFound), so its existence is not revealed."""
    out, seen = [], set()
    for i, item in enumerate(people or []):
        if isinstance(item, dict):
            pid, role = item.get("person_id"), item.get("role")
        else:
            pid, role = item
        try:
            pid = int(pid)
        except (TypeError, ValueError):
            raise ValidationFailed("Each person needs a person_id.",
                                   fields={"people": [f"Item {i + 1}: no person_id."]}) from None
        if pid in seen:
            raise ValidationFailed("A person appears twice on the session.",
                                   fields={"people": [f"Person {pid} is listed twice."]})
        seen.add(pid)
        out.append((pid, parse_role(role or "speaker", "people")))
    if out:
        found = set(db.session.scalars(sa.select(Person.id).where(
            Person.id.in_([p for p, _ in out]), usable_people_clause(actor))))
        missing = [p for p, _ in out if p not in found]
        if missing:
            raise NotFound("No such person.",
                           fields={"people": [f"No person with id {missing[0]}."]})
    return out


@use_case
def create_session(event: Event, values: dict, *, actor: User | None = None) -> ProgrammeSession:
    """A new session (a draft unless ``published`` is given true); ``people`` must be
    people ``actor`` may use."""
    event = lock_event(event.id)
    attrs = _session_values(event, {k: v for k, v in values.items() if k in SESSION_FIELDS}, None)
    attrs.setdefault("published", False)
    session = ProgrammeSession(event_id=event.id, **attrs)
    if "people" in values:
        for pos, (pid, role) in enumerate(_people_list(values["people"], actor)):
            session.roles.append(SessionRole(person_id=pid, role=role, position=pos))
    db.session.add(session)
    bump(event)
    return session


def _session(event: Event, session_id: int) -> ProgrammeSession:
    return _of_event(ProgrammeSession, event, session_id, "session")


@use_case
def update_session(event: Event, session_id: int, values: dict, *,
                   actor: User | None = None) -> ProgrammeSession:
    event = lock_event(event.id)
    session = _session(event, session_id)
    attrs = _session_values(event, {k: v for k, v in values.items() if k in SESSION_FIELDS},
                            session)
    for key, value in attrs.items():
        setattr(session, key, value)
    if "people" in values:
        _replace_roles(session, _people_list(values["people"], actor))
    bump(event)
    return session


def _replace_roles(session: ProgrammeSession, people: list[tuple[int, RoleKind]]) -> None:
    session.roles.clear()
    db.session.flush()  # old rows go first: (session, person) is unique
    for pos, (pid, role) in enumerate(people):
        session.roles.append(SessionRole(person_id=pid, role=role, position=pos))


@use_case
def delete_session(event: Event, session_id: int) -> None:
    event = lock_event(event.id)
    db.session.delete(_session(event, session_id))
    bump(event)


# ------------------------------------------------------------------ roles

@use_case
def add_role(event: Event, session_id: int, person_id: int, role, *,
             actor: User | None) -> SessionRole:
    """Put a person ``actor`` may use on a session, last in order."""
    event = lock_event(event.id)
    session = _session(event, session_id)
    role = parse_role(role)
    load_person(actor, person_id, PersonNeed.USE)
    if any(r.person_id == person_id for r in session.roles):
        raise ValidationFailed("That person is already on this session.",
                               fields={"person_id": ["Already on this session."]})
    pos = max((r.position for r in session.roles), default=-1) + 1
    sr = SessionRole(person_id=person_id, role=role, position=pos)
    session.roles.append(sr)
    bump(event)
    return sr


def _role(event: Event, session_id: int, role_id: int) -> SessionRole:
    sr = db.session.get(SessionRole, role_id)
    if sr is None or sr.session_id != session_id or sr.session.event_id != event.id:
        raise NotFound("No such person on this session.")
    return sr


@use_case
def remove_role(event: Event, session_id: int, role_id: int) -> None:
    event = lock_event(event.id)
    sr = _role(event, session_id, role_id)
    session = sr.session
    session.roles.remove(sr)
    for pos, r in enumerate(session.roles):
        r.position = pos
    bump(event)


@use_case
def move_role(event: Event, session_id: int, role_id: int, delta: int) -> None:
    """Move a person up (-1) or down (+1) in the session's order."""
    event = lock_event(event.id)
    sr = _role(event, session_id, role_id)
    roles = sorted(sr.session.roles, key=lambda r: (r.position, r.id))
    i = roles.index(sr)
    j = max(0, min(len(roles) - 1, i + (1 if delta > 0 else -1)))
    roles[i], roles[j] = roles[j], roles[i]
    for pos, r in enumerate(roles):
        r.position = pos
    bump(event)


@use_case
def change_role(event: Event, session_id: int, role_id: int, role) -> None:
    event = lock_event(event.id)
    sr = _role(event, session_id, role_id)
    sr.role = parse_role(role)
    bump(event)


# ------------------------------------------------------------------ people

PERSON_FIELDS = ("name", "position", "organization", "country", "bio", "account_email")


def _person_values(values: dict, current: Person | None) -> dict:
    out: dict = {}
    if "name" in values or current is None:
        out["name"] = " ".join(_text(values, "name", 200, required=True, label="Name").split())
    for key, n in (("position", 300), ("organization", 300), ("country", 100), ("bio", 5000)):
        if key in values:
            out[key] = _text(values, key, n)
    return out


def _link_account(person: Person, email: str | None) -> None:
    from ..auth.services import find_user_by_email

    email = (email or "").strip()
    if not email:
        person.user_id = None
        return
    user = find_user_by_email(email)
    if user is None:
        raise ValidationFailed("No account uses that email address.",
                               fields={"account_email": [("No account uses this email. Ask the "
                                                          "speaker to sign up first.")]})
    other = db.session.scalar(sa.select(Person.id).where(Person.user_id == user.id,
                                                         Person.id != (person.id or -1)))
    if other is not None:
        # The other profile may be another event's speaker: not named here.
        raise ValidationFailed("That account is already linked to another speaker profile.",
                               fields={"account_email": ["Already linked to another profile."]})
    person.user_id = user.id


def create_person(user: User, values: dict, *, photo: bytes | None = None,
                  allow_duplicate: bool = False) -> Person:
    """A new speaker profile. Same name and organization as someone else: Conflict
    (code ``duplicate_person``) unless ``allow_duplicate``."""
    if not can_create_events(user):
        raise Forbidden("Only organizers add people.")
    stored = photos.store(photos.clean_image(photo)) if photo is not None else None
    try:
        with transaction():
            attrs = _person_values(values, None)
            if not allow_duplicate:
                dups = duplicates_of(attrs["name"], attrs.get("organization", ""), user=user)
                if dups:
                    raise Conflict(
                        f"{dups[0].name} ({dups[0].organization or 'no organization'}) already "
                        "exists: add that person instead, or confirm that this is someone else.",
                        code="duplicate_person",
                        fields={"name": [f"Same name and organization as person #{dups[0].id}."]})
            person = Person(created_by_id=user.id, photo_filename=stored, **attrs)
            if "account_email" in values:
                _link_account(person, values.get("account_email"))
            db.session.add(person)
            _flush_person()
    except Exception:
        photos.remove(stored)  # the profile was not saved: neither is its photo
        raise
    return person


def _flush_person() -> None:
    """Write the profile now, inside the use case: an account linked in parallel to
    another profile fails here with a clear message."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict("That account was just linked to another speaker profile.",
                       fields={"account_email": ["Already linked."]}) from exc


def update_person(user: User, person_id: int, values: dict, *, photo: bytes | None = None,
                  remove_photo: bool = False) -> Person:
    stored = photos.store(photos.clean_image(photo)) if photo is not None else None
    try:
        with transaction():
            person = load_person(user, person_id, PersonNeed.EDIT)
            for key, value in _person_values(
                    {k: v for k, v in values.items() if k in PERSON_FIELDS}, person).items():
                setattr(person, key, value)
            if "account_email" in values:
                _link_account(person, values.get("account_email"))
            old = person.photo_filename
            if stored is not None:
                person.photo_filename = stored
            elif remove_photo:
                person.photo_filename = None
            new = person.photo_filename
            _bump_events_of_person(person.id)
            _flush_person()
    except Exception:
        photos.remove(stored)
        raise
    if old and old != new:
        photos.remove(old)  # only once the new state is committed
    return person


def delete_person(user: User, person_id: int) -> None:
    with transaction():
        person = load_person(user, person_id, PersonNeed.EDIT)
        _bump_events_of_person(person.id)
        old = person.photo_filename
        db.session.delete(person)
    photos.remove(old)


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
    u.feed_token = new_token(24)  # 192 bits
    return u.feed_token


def user_for_feed(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(sa.select(User).where(User.feed_token == token))
    if user is None or not user.active:
        return None
    return user
