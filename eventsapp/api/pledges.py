"""Pledges API: lists, one pledge, the summary counter; with an organizer's token:
create, update, announce and moderate."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..errors import API_TOKEN_NEEDED, NotFound, Unauthorized, ValidationFailed
from ..extensions import db
from ..inputs import Choice, Count, Line, PatchSchema
from ..models import FocusArea, Pledge, PledgeState, PledgeType, ProgressStatus, Sector, User
from ..permissions import Need, can_manage_pledge, load_event
from ..pledges import cache as pledge_cache
from ..pledges import csv_io, queries, schemas, services, vocab
from ..pledges.reporting import activity_of
from .common import BEARER, ApiErrorSchema, Out, user

blp = Blueprint("api_pledges", __name__, url_prefix="/api/v1",
                description="Pledges: announced at sessions, counted, tracked until fulfilled. "
                            "Only published pledges count and show.")

MAX_LIMIT = 1000
MAX_OFFSET = 10**7  # paging is bounded, so the database never sees an absurd OFFSET


# ---------------------------------------------------------------- schemas

class PledgingEntityOutSchema(Out):
    """A pledging entity as the API gives it (the input side is pledges.schemas.EntitySchema;
    a name of its own keeps the OpenAPI components apart: "PledgingEntityOut", "Entity")."""

    name = fields.String()
    sector = Choice(Sector, dump_only=True)
    country = fields.String()
    is_lead = fields.Boolean()


class SessionRefSchema(Out):
    id = fields.Integer()
    title = fields.String()
    url = fields.String()


class PersonRefSchema(Out):
    id = fields.Integer()
    name = fields.String()


class ReportSchema(Out):
    reported_on = fields.String(metadata={"format": "date"})
    status = Choice(ProgressStatus, dump_only=True)
    percent_complete = fields.Integer()
    amount_disbursed_usd = fields.String(allow_none=True, metadata={"description": "decimal string, USD"})
    narrative = fields.String()


class PledgeOutSchema(Out):
    id = fields.Integer()
    url = fields.String(metadata={"format": "uri"})
    title = fields.String()
    description = fields.String()
    type = Choice(PledgeType, dump_only=True)
    amount_usd = fields.String(allow_none=True, metadata={"description": "decimal string, USD"})
    focus_area = Choice(FocusArea, dump_only=True)
    pillar = fields.String()
    entities = fields.List(fields.Nested(PledgingEntityOutSchema))
    countries = fields.List(fields.String())
    regions = fields.List(fields.String())
    targets_ldc = fields.Boolean()
    beneficiaries = fields.List(fields.String())
    sdgs = fields.List(fields.Integer())
    target_year = fields.Integer(allow_none=True)
    indicator = fields.String()
    event = fields.String(allow_none=True, metadata={"description": "event slug"})
    session = fields.Nested(SessionRefSchema, allow_none=True)
    announced_by = fields.Nested(PersonRefSchema, allow_none=True)
    announced_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    published_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    state = Choice(PledgeState, dump_only=True)
    decline_reason = fields.String()
    progress_status = Choice(ProgressStatus, allow_none=True, dump_only=True)
    last_report_on = fields.String(allow_none=True, metadata={"format": "date"})
    activity = fields.String(metadata={"enum": ["active", "overdue", "inactive"]})
    is_sample = fields.Boolean()
    reports = fields.List(fields.Nested(ReportSchema),
                          metadata={"optional": True, "description": "one pledge's answers only"})


class PledgeListSchema(Out):
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    pledges = fields.List(fields.Nested(PledgeOutSchema))


class SummarySchema(Out):
    pledges = fields.Integer()
    entities = fields.Integer()
    amount_usd = fields.String(metadata={"description": "decimal string, USD"})


class ListArgsSchema(schemas.FilterSchema):
    limit = Count(min=1, max=MAX_LIMIT, load_default=100)
    offset = Count(min=0, max=MAX_OFFSET, load_default=0)


class SummaryArgsSchema(Schema):
    event = Line(max_length=200, metadata={"description": "event slug; without it: all events"})


class PledgeCreateSchema(schemas.PledgeSchema):
    """A pledge an organizer records; optionally published, or announced, at once."""

    publish = fields.Boolean(load_default=False,
                             metadata={"description": "publish at once"})
    announcement = fields.Nested(schemas.AnnouncementSchema,
                                 metadata={"description": "announce at once"})


class PledgePatchSchema(schemas.PledgeSchema, PatchSchema):
    """Any of a pledge's fields; the result is checked whole (e.g. the pillar against the
    focus area, stored or sent)."""


class AnnounceInSchema(schemas.AnnouncementSchema):
    event = Line(max_length=200, metadata={
        "description": "event slug, for a pledge not yet tied to one"})


# ---------------------------------------------------------------- helpers

def _iso(value):
    return value.isoformat() if value is not None else None


def pledge_json(p: Pledge, detail: bool = False) -> dict:
    raw = {
        "id": p.id, "url": url_for("pledges.pledge_page", pledge_id=p.id, _external=True),
        "title": p.title, "description": p.description, "type": p.type.value,
        "amount_usd": str(p.amount_usd) if p.amount_usd is not None else None,
        "focus_area": p.focus_area.value, "pillar": p.pillar,
        "entities": [{"name": pe.entity.name, "sector": pe.entity.sector.value,
                      "country": pe.entity.country, "is_lead": pe.is_lead} for pe in p.entities],
        "countries": [pl.name for pl in p.places if pl.name in vocab.COUNTRY_REGION],
        "regions": sorted({pl.region for pl in p.places}),
        "targets_ldc": p.targets_ldc,
        "beneficiaries": [b.group for b in p.beneficiaries],
        "sdgs": sorted(s.sdg for s in p.sdgs), "target_year": p.target_year,
        "indicator": p.indicator, "event": p.event.slug if p.event else None,
        "session": ({"id": p.session.id, "title": p.session.title,
                     "url": f"/events/{p.event.slug}/sessions/{p.session.id}"}
                    if p.session and p.event else None),
        "announced_by": ({"id": p.announced_by.id, "name": p.announced_by.name}
                         if p.announced_by else None),
        "announced_at": _iso(p.announced_at), "published_at": _iso(p.published_at),
        "state": p.state.value, "decline_reason": p.decline_reason,
        "progress_status": p.progress_status.value if p.progress_status else None,
        "last_report_on": _iso(p.last_report_on),
        "activity": activity_of(p), "is_sample": p.is_sample,
    }
    if detail:
        raw["reports"] = [{"reported_on": r.reported_on.isoformat(), "status": r.status.value,
                           "percent_complete": r.percent_complete,
                           "amount_disbursed_usd": (str(r.amount_disbursed_usd)
                                                    if r.amount_disbursed_usd is not None else None),
                           "narrative": r.narrative} for r in p.reports]
    return raw


def _signed_in() -> User:
    u = user()
    if u is None:
        raise Unauthorized(API_TOKEN_NEEDED)
    return u


def _fresh(pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id, populate_existing=True)
    if pledge is None:
        raise NotFound(_("No such pledge."))
    return pledge


def _event_manager(view: Callable) -> Callable:
    """401 / 403 / 404 before the body is read (the body's 422 comes after)."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        load_event(kwargs["slug"], Need.MANAGE, _signed_in())
        return view(*args, **kwargs)
    return wrapper


def _pledge_manager(view: Callable) -> Callable:
    """401, then 404 for a pledge the caller may not know exists, 403 for one they see
    but do not manage (README "Security"), before the body is read."""
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        services.managed_pledge(_signed_in(), kwargs["pledge_id"])
        return view(*args, **kwargs)
    return wrapper


# ---------------------------------------------------------------- routes

@blp.route("/events/<slug>/pledges")
class EventPledges(MethodView):
    @blp.arguments(ListArgsSchema, location="query")
    @blp.response(200, PledgeListSchema)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Unknown filter value")
    def get(self, args: dict, slug: str) -> dict:
        """The event's published pledges (filters: session, focus_area, type, sector...),
        ``limit`` at most 1000 a page from ``offset``."""
        event = load_event(slug, Need.VIEW, user())
        limit, offset = args.pop("limit"), args.pop("offset")
        f = queries.parse_filters(args, event)
        total = db.session.scalar(sa.select(sa.func.count()).where(*queries.conditions(f)))
        pledges = db.session.scalars(queries.pledge_list_query(f).options(*csv_io.export_options())
                                     .limit(limit).offset(offset))
        return {"total": total, "limit": limit, "offset": offset,
                "pledges": [pledge_json(p) for p in pledges]}

    @_event_manager
    @blp.arguments(PledgeCreateSchema)
    @blp.response(201, PledgeOutSchema)
    @blp.alt_response(401, schema=ApiErrorSchema, description="No token")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not an organizer of the event")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid values")
    @blp.doc(security=BEARER)
    def post(self, data: dict, slug: str) -> dict:
        """Record a pledge for the event (organizers); optionally publish or announce it."""
        actor = _signed_in()
        event = load_event(slug, Need.MANAGE, actor)
        announcement = data.pop("announcement", None)
        publish = data.pop("publish")
        pledge = services.create_pledge(actor, event, data, publish=publish,
                                        announcement=announcement)
        return pledge_json(_fresh(pledge.id), detail=True)


@blp.route("/pledges/summary")
class Summary(MethodView):
    @blp.arguments(SummaryArgsSchema, location="query")
    @blp.response(200, SummarySchema)
    @blp.alt_response(304, description="Not modified since the ETag sent in If-None-Match")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    def get(self, args: dict) -> Response:
        """The counter: published pledges, distinct entities and USD, for one event or all.

        Answers carry an ETag derived from the database; send it back in If-None-Match
        to poll cheaply (304 while nothing changed)."""
        slug = args.get("event")
        event = load_event(slug, Need.VIEW, user()) if slug else None
        body, etag = pledge_cache.cached(
            "summary", (event.id if event else None,),
            lambda: (queries.event_counter(event) if event else queries.counter()).as_json())
        resp = jsonify(body)
        if etag:
            resp.set_etag(etag)
            resp.headers["Cache-Control"] = "no-cache"
        resp.make_conditional(request)  # 304 when If-None-Match names this ETag
        return resp


@blp.route("/pledges/<int:pledge_id>")
class PledgeDetail(MethodView):
    @blp.response(200, PledgeOutSchema)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such (visible) pledge")
    def get(self, pledge_id: int) -> dict:
        """One pledge with its progress reports (unpublished: its submitter and organizers)."""
        return pledge_json(services.visible_pledge(user(), pledge_id), detail=True)

    @_pledge_manager
    @blp.arguments(PledgePatchSchema(partial=True))
    @blp.response(200, PledgeOutSchema)
    @blp.alt_response(401, schema=ApiErrorSchema, description="No token")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not an organizer")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such (visible) pledge")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid values")
    @blp.doc(security=BEARER)
    def patch(self, data: dict, pledge_id: int) -> dict:
        """Change some fields of a pledge (organizers of its event)."""
        services.update_pledge(_signed_in(), pledge_id, data, partial=True)
        return pledge_json(_fresh(pledge_id), detail=True)


@blp.route("/pledges/<int:pledge_id>/announce")
class Announce(MethodView):
    @_pledge_manager
    @blp.arguments(AnnounceInSchema)
    @blp.response(200, PledgeOutSchema)
    @blp.alt_response(401, schema=ApiErrorSchema, description="No token")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not an organizer")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such (visible) pledge")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The pledge was declined")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Session or announcer not valid")
    @blp.doc(security=BEARER)
    def post(self, data: dict, pledge_id: int) -> dict:
        """Announce: publish the pledge and link it to the session and person."""
        actor = _signed_in()
        pledge = services.managed_pledge(actor, pledge_id)
        if pledge.event is not None:
            event = pledge.event
        elif data.get("event"):
            event = load_event(data["event"], Need.MANAGE, actor)
        else:
            raise ValidationFailed(_("Some fields are not valid."),
                                   fields={"event": [_("Name the event where it was announced.")]})
        services.announce_pledge(actor, pledge_id, event, data["session_id"],
                                 data["announced_by_id"], data["announced_at"])
        return pledge_json(_fresh(pledge_id), detail=True)


@blp.route("/pledges/<int:pledge_id>/moderate")
class Moderate(MethodView):
    @_pledge_manager
    @blp.arguments(schemas.ModerationSchema)
    @blp.response(200, PledgeOutSchema)
    @blp.alt_response(401, schema=ApiErrorSchema, description="No token")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not an organizer")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such (visible) pledge")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Unknown action or no reason")
    @blp.doc(security=BEARER)
    def post(self, data: dict, pledge_id: int) -> dict:
        """Publish, or decline with a reason (the submitter is told by mail)."""
        services.moderate(_signed_in(), pledge_id, data["action"], data["reason"])
        return pledge_json(_fresh(pledge_id), detail=True)


__all__ = ["PledgeState", "blp", "can_manage_pledge"]
