"""The programme over the API: read sessions (anyone), and with an organizer's token
create, update and delete events, rooms, sessions and people.

Times are ISO 8601. Answers carry the event's offset; inputs may carry any offset, or
none (then they are read as local time in the event's zone; a time skipped by a
daylight-saving change is refused). Stream links are write-only here: no answer ever
contains them.
"""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import Response, jsonify
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields

from ..errors import Forbidden, NotFound
from ..extensions import db
from ..inputs import Choice
from ..models import (
    Event,
    EventFormat,
    EventKind,
    ProgrammeSession,
    RoleKind,
    Room,
    SessionType,
)
from ..permissions import (
    Need,
    PersonNeed,
    acting_user,
    can,
    can_create_events,
    event_required,
    load_person,
    login_required,
)
from ..programme import exports, queries, schemas, services
from .common import BEARER, ApiErrorSchema, Out, user
from .events import EventLanguagesOut, LocalDateTime

blp = Blueprint("api_programme", __name__, url_prefix="/api/v1",
                description="The programme: sessions with their people; organizers build it.")


# ------------------------------------------------------------------ schemas

class PersonRoleOut(Out):
    person_id = fields.Integer(attribute="person_id")
    name = fields.String(attribute="person.name")
    role = Choice(RoleKind, dump_only=True)
    role_label = fields.String(attribute="role.label")
    organization = fields.String(attribute="person.organization")
    position = fields.String(attribute="person.position")
    order = fields.Integer(attribute="position")


class _People(fields.Nested):
    """A session's people in their order (a Nested list, so the document types them)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return sorted(obj.roles, key=lambda r: (r.position, r.id))


class RoomOut(Out):
    id = fields.Integer()
    name = fields.String()
    capacity = fields.Integer(allow_none=True)
    description = fields.String()


class RoomRef(Out):
    id = fields.Integer()
    name = fields.String()


class SessionOut(Out):
    id = fields.Integer()
    event = fields.String(attribute="event.slug", metadata={"description": "event slug"})
    type = Choice(SessionType, dump_only=True)
    type_label = fields.String(attribute="type.label")
    number = fields.Integer(allow_none=True)
    label = fields.String()
    title = fields.String()
    description = fields.String()
    room = fields.Nested(RoomRef, allow_none=True)
    starts_at = LocalDateTime(metadata={"description": "ISO 8601 with the event's offset"})
    ends_at = LocalDateTime()
    timezone = fields.String(attribute="event.timezone")
    published = fields.Boolean()
    url = fields.Function(exports.session_url, metadata={"type": "string", "format": "uri"})
    people = _People(PersonRoleOut, many=True)


class SessionListOut(Out):
    event = fields.String()
    timezone = fields.String()
    programme_version = fields.Integer()
    sessions = fields.List(fields.Nested(SessionOut))


_SESSION_LIST_OUT = SessionListOut()


class EventOut(EventLanguagesOut):
    slug = fields.String()
    title = fields.String()
    kind = Choice(EventKind, dump_only=True)
    format = Choice(EventFormat, dump_only=True)
    timezone = fields.String()
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    venue_name = fields.String()
    venue_address = fields.String()
    city = fields.String()
    country = fields.String()
    description = fields.String()
    published = fields.Boolean()
    programme_version = fields.Integer()
    rooms = fields.List(fields.Nested(RoomOut))


# The programme's schemas (programme/schemas.py), under the names the OpenAPI document
# has always used; the services load the same schemas again, which changes nothing.

class SessionIn(schemas.SessionSchema):
    """A new session."""


class SessionPatch(schemas.SessionPatch):
    """Any subset of SessionIn's fields."""


class EventIn(schemas.EventSchema):
    """A new event."""


class EventPatch(schemas.EventPatch):
    """Any subset of EventIn's fields (the short name does not change)."""


class RoomIn(schemas.RoomSchema):
    """A new room."""


class RoomPatch(schemas.RoomPatch):
    """Any subset of RoomIn's fields."""


class PersonIn(schemas.PersonSchema):
    allow_duplicate = fields.Boolean(load_default=False, metadata={
        "description": "create even if someone has the same name and organization"})


class PersonPatch(schemas.PersonPatch):
    """Any subset of PersonIn's fields (but allow_duplicate)."""


class PersonOut(Out):
    id = fields.Integer()
    name = fields.String()
    position = fields.String()
    organization = fields.String()
    country = fields.String()
    bio = fields.String()
    has_photo = fields.Function(lambda p: bool(p.photo_filename), metadata={"type": "boolean"})


# ------------------------------------------------------------------ helpers

def session_manage(view):
    """``session_id`` -> ``session`` and ``event``, for an organizer of its event
    (checked before the body is read: 401 / 404 / 403 come first)."""

    @wraps(view)
    def wrapper(*args, session_id: int, **kwargs):
        u = acting_user()
        if u is None:
            return login_required(lambda: None)()
        s = db.session.get(ProgrammeSession, session_id)
        if s is None or not can(u, Need.VIEW, s.event) or (
                not s.published and not can(u, Need.MANAGE, s.event)):
            raise NotFound(_("No such session."))
        if not can(u, Need.MANAGE, s.event):
            raise Forbidden(_("Only the event's organizers change its sessions."))
        return view(*args, session=s, event=s.event, **kwargs)

    return wrapper


def person_editor(view):
    """``person_id`` -> ``person`` for those who may edit it (permissions.load_person:
    another organizer's person is 404, before the body is read)."""

    @wraps(view)
    def wrapper(*args, person_id: int, **kwargs):
        u = acting_user()
        if u is None:
            return login_required(lambda: None)()
        return view(*args, person=load_person(u, person_id, PersonNeed.EDIT), **kwargs)

    return wrapper


def creators_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        u = acting_user()
        if u is None:
            return login_required(lambda: None)()
        if not can_create_events(u):
            raise Forbidden(_("Only administrators and event organizers do this."))
        return view(*args, **kwargs)

    return wrapper


def _reload_session(session_id: int) -> ProgrammeSession:
    db.session.expire_all()
    return db.session.scalar(
        queries._with_people(sa.select(ProgrammeSession).where(ProgrammeSession.id == session_id)))


# ------------------------------------------------------------------ sessions

@blp.route("/events/<slug>/sessions")
class EventSessions(MethodView):
    @event_required(Need.VIEW)
    @blp.response(200, SessionListOut)
    @blp.alt_response(304, description="Not modified since the ETag sent in If-None-Match")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    def get(self, event):
        """The event's sessions in time order, each with its people in order."""
        manage = can(user(), Need.MANAGE, event)
        # Organizers see drafts: their list is another variant, with its own ETag.
        kind = "sessions-all" if manage else "sessions"
        hit = exports.not_modified(kind, event)
        if hit is not None:
            return hit

        def build() -> bytes:
            doc = {"event": event.slug, "timezone": event.timezone,
                   "programme_version": event.programme_version,
                   "sessions": queries.programme_sessions(event, include_drafts=manage)}
            return jsonify(_SESSION_LIST_OUT.dump(doc)).get_data()

        resp = Response(exports.cached(kind, event, build), mimetype="application/json")
        resp.set_etag(exports.etag_for(kind, event))
        private = manage or not event.published
        resp.headers["Cache-Control"] = "private, no-cache" if private else "no-cache"
        resp.vary.add("Authorization")
        exports.vary_on_language(resp)  # type and role labels are in the reader's language
        return resp

    @event_required(Need.MANAGE)
    @blp.arguments(SessionIn)
    @blp.response(201, SessionOut)
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid session")
    @blp.doc(security=BEARER)
    def post(self, data, event):
        """Create a session (organizers). End before start, unknown room: 422."""
        s = services.create_session(event, data, actor=user())
        return _reload_session(s.id)


@blp.route("/sessions/<int:session_id>")
class SessionDetail(MethodView):
    @blp.response(200, SessionOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such session")
    def get(self, session_id):
        """One session with its people."""
        s = _reload_session(session_id)
        u = user()
        if s is None or not can(u, Need.VIEW, s.event) or (
                not s.published and not can(u, Need.MANAGE, s.event)):
            raise NotFound(_("No such session."))
        return s

    @session_manage
    @blp.arguments(SessionPatch(partial=True))
    @blp.response(200, SessionOut)
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid session")
    @blp.doc(security=BEARER)
    def patch(self, data, session, event):
        """Change a session (organizers); ``people`` replaces the list."""
        services.update_session(event, session.id, data, actor=user())
        return _reload_session(session.id)

    @session_manage
    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, session, event):
        """Delete a session (organizers)."""
        services.delete_session(event, session.id)


# ------------------------------------------------------------------ events

@blp.route("/events")
class EventCreate(MethodView):
    @creators_only
    @blp.arguments(EventIn)
    @blp.response(201, EventOut)
    @blp.alt_response(409, schema=ApiErrorSchema, description="The short name was just taken")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid event")
    @blp.doc(security=BEARER)
    def post(self, data):
        """Create an event (administrators and organizers); you become its organizer."""
        return services.create_event(user(), data)


@blp.route("/events/<slug>")
class EventChange(MethodView):
    @event_required(Need.MANAGE)
    @blp.arguments(EventPatch(partial=True))
    @blp.response(200, EventOut)
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid event")
    @blp.doc(security=BEARER)
    def patch(self, data, event):
        """Change an event (organizers). The short name (slug) does not change."""
        data.pop("slug", None)
        return services.update_event(event, data)

    @event_required(Need.MANAGE)
    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, event):
        """Delete an event and everything in it (organizers)."""
        services.delete_event(event)


# ------------------------------------------------------------------ rooms

@blp.route("/events/<slug>/rooms")
class EventRooms(MethodView):
    @event_required(Need.VIEW)
    @blp.response(200, RoomOut(many=True))
    def get(self, event):
        """The event's rooms."""
        return queries.event_rooms(event)

    @event_required(Need.MANAGE)
    @blp.arguments(RoomIn)
    @blp.response(201, RoomOut)
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid room")
    @blp.doc(security=BEARER)
    def post(self, data, event):
        """Add a room (organizers)."""
        return services.create_room(event, data)


@blp.route("/events/<slug>/rooms/<int:room_id>")
class EventRoom(MethodView):
    @event_required(Need.MANAGE)
    @blp.arguments(RoomPatch(partial=True))
    @blp.response(200, RoomOut)
    @blp.doc(security=BEARER)
    def patch(self, data, event, room_id):
        """Change a room (organizers)."""
        return services.update_room(event, room_id, data)

    @event_required(Need.MANAGE)
    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, event, room_id):
        """Delete a room; its sessions keep their times without a room."""
        services.delete_room(event, room_id)


# ------------------------------------------------------------------ people

@blp.route("/people")
class People(MethodView):
    @creators_only
    @blp.arguments(PersonIn)
    @blp.response(201, PersonOut)
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="Likely duplicate (same name and organization)")
    @blp.doc(security=BEARER)
    def post(self, data):
        """Create a person (a speaker profile, shared across events)."""
        allow = data.pop("allow_duplicate", False)
        return services.create_person(user(), data, allow_duplicate=allow)


@blp.route("/people/<int:person_id>")
class PersonDetail(MethodView):
    @blp.response(200, PersonOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such person")
    def get(self, person_id):
        """A person's public profile (a speaker of drafts only: 404 but for those who
        may use the profile)."""
        return load_person(user(), person_id, PersonNeed.VIEW)

    @person_editor
    @blp.arguments(PersonPatch(partial=True))
    @blp.response(200, PersonOut)
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="The account was just linked to another profile")
    @blp.doc(security=BEARER)
    def patch(self, data, person):
        """Change a person (organizers of an event where they appear)."""
        data.pop("allow_duplicate", None)
        return services.update_person(user(), person.id, data)

    @person_editor
    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, person):
        """Delete a person and their roles on sessions."""
        services.delete_person(user(), person.id)


__all__ = ["Event", "Room", "blp"]
