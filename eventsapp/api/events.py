"""GET /api/v1/events and /api/v1/events/<slug>."""
from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy.orm import selectinload

from ..countries import country_name
from ..extensions import db
from ..inputs import Choice
from ..models import Event, EventFormat, EventKind
from ..permissions import Need, can, load_event, managed_event_ids
from ..programme.exports import absolute_url
from .common import ApiErrorSchema, Out, user

blp = Blueprint("api_events", __name__, url_prefix="/api/v1/events",
                description="Events: when, where, format and capacities.")


class LocalDateTime(fields.DateTime):
    """An instant written in the event's zone, ISO 8601 with its offset (the object
    dumped, or the ``event`` it names, has the zone)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(getattr(obj, "tz", None) or obj.event.tz).isoformat()


class CapacitySchema(Out):
    capacity = fields.Integer(allow_none=True, metadata={"description": "null: no limit"})
    confirmed = fields.Integer()
    offered = fields.Integer(metadata={"description": "places offered to the waiting list, "
                                                      "held until accepted or expired"})
    waitlisted = fields.Integer()
    pending = fields.Integer()
    available = fields.Integer(allow_none=True, metadata={"description": "null: no limit"})


class CapacityReportSchema(Out):
    """Per modality the event offers (the other one is left out)."""

    in_person = fields.Nested(CapacitySchema, metadata={"optional": True})
    online = fields.Nested(CapacitySchema, metadata={"optional": True})


class _Capacity(fields.Nested):
    """The event's capacity report (counted when dumped), typed as its schema."""

    def get_value(self, obj, attr, accessor=None, default=None):
        from ..registration_counts import capacity_report

        return capacity_report(obj)


class TranslationOut(Out):
    title = fields.String(metadata={"description": "empty: shown as written"})
    description = fields.String(metadata={"description": "empty: shown as written"})


class EventLanguagesOut(Out):
    """An event's languages in an answer (the events and the programme APIs)."""

    default_language = fields.String(metadata={
        "description": "the language the title and description are written in"})
    languages = fields.List(fields.String(), attribute="offered_languages", metadata={
        "description": "the languages the event offers, in the UN order"})
    translations = fields.Dict(keys=fields.String(), values=fields.Nested(TranslationOut),
                               metadata={"description": "language code -> translated title "
                                         "and description"})


class EventSchema(EventLanguagesOut):
    slug = fields.String()
    title = fields.String()
    kind = Choice(EventKind, dump_only=True)
    format = Choice(EventFormat, dump_only=True)
    description = fields.String()
    venue_name = fields.String()
    venue_address = fields.String()
    city = fields.String()
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2 code, e.g. RW"})
    country_name = fields.Function(lambda e: country_name(e.country),
                                   metadata={"type": "string",
                                             "description": "The country's English name"})
    timezone = fields.String(metadata={"description": "IANA time zone of the event"})
    starts_at = LocalDateTime()
    ends_at = LocalDateTime()
    published = fields.Boolean()
    is_sample = fields.Boolean()
    url = fields.Method("get_url", metadata={"type": "string", "format": "uri"})

    def get_url(self, event: Event) -> str:
        return absolute_url("events.event_page", slug=event.slug)


class EventDetailSchema(EventSchema):
    registration_opens_at = LocalDateTime(allow_none=True)
    registration_closes_at = LocalDateTime(allow_none=True)
    capacity = _Capacity(CapacityReportSchema)


class EventListSchema(Out):
    events = fields.List(fields.Nested(EventSchema))


@blp.route("")
class Events(MethodView):
    @blp.response(200, EventListSchema)
    def get(self):
        """Published events, and drafts the caller organizes."""
        q = sa.select(Event).order_by(Event.starts_at).options(selectinload(Event.translations))
        managed = managed_event_ids(user())
        if managed is not None:
            q = q.where(sa.or_(Event.published.is_(True), Event.id.in_(managed or {-1})))
        return {"events": list(db.session.scalars(q))}


@blp.route("/<slug>")
class EventDetail(MethodView):
    @blp.response(200, EventDetailSchema)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    def get(self, slug):
        """One event, with capacity and counts per modality."""
        return load_event(slug, Need.VIEW, user())


__all__ = ["blp", "can"]
