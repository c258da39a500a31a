"""POST /api/v1/events/<slug>/registrations (public, rate limited) and
GET /api/v1/events/<slug>/registrations (the event's organizers)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..extensions import db
from ..inputs import Choice, Count
from ..models import Category, Modality, RegistrationStatus, StakeholderType
from ..permissions import Need, load_event, require
from ..registration import mails, services
from ..registration.routes import registration_limit
from ..registration.services import Filters, IfFull, Outcome
from .common import BEARER, ApiErrorSchema, Out, user

MAX_PAGE = 100_000  # paging is bounded, so the database never sees an absurd OFFSET

blp = Blueprint("api_registration", __name__, url_prefix="/api/v1/events",
                description="Registration: register (public), list registrants (organizers).")


class RegistrationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254),
                          metadata={"description": "One registration per address and event."})
    modality = fields.String(required=True, validate=validate.OneOf([m.value for m in Modality]))
    organization = fields.String(load_default="", validate=validate.Length(max=200))
    position = fields.String(load_default="", validate=validate.Length(max=200))
    country = fields.String(load_default="", validate=validate.Length(max=100))
    stakeholder_type = fields.String(load_default=None, allow_none=True,
                                     validate=validate.OneOf([s.value for s in StakeholderType]))
    needs = fields.String(load_default="", validate=validate.Length(max=2000),
                          metadata={"description": "Accessibility or dietary needs."})
    consent_listed = fields.Boolean(load_default=False,
                                    metadata={"description": "Appear in the participant list."})
    if_full = fields.String(
        load_default="waitlist", validate=validate.OneOf(["waitlist", "switch", "reject"]),
        metadata={"description": "When the modality is full: join its waiting list (default), "
                                 "switch to the other modality, or reject (409)."})


class RegistrationCreated(Out):
    status = fields.String(metadata={"enum": [RegistrationStatus.CONFIRMED.value,
                                              RegistrationStatus.WAITLISTED.value,
                                              RegistrationStatus.PENDING.value]})
    modality = Choice(Modality, dump_only=True)
    manage_url = fields.String(metadata={"description": "Your private link to manage the "
                                                        "registration. Keep it secret."})


class RegistrationAccepted(Out):
    message = fields.String()


class RegistrantSchema(Out):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    organization = fields.String()
    position = fields.String()
    country = fields.String()
    stakeholder_type = Choice(StakeholderType, allow_none=True, dump_only=True)
    modality = Choice(Modality, dump_only=True)
    category = Choice(Category, dump_only=True)
    status = Choice(RegistrationStatus, dump_only=True)
    needs = fields.String()
    consent_listed = fields.Boolean()
    over_capacity = fields.Boolean()
    source = fields.String()
    checked_in = fields.Boolean()
    created_at = fields.DateTime()
    erased = fields.Boolean()


def _registrant(reg, checked_in: bool) -> dict:
    """A registrant as the API shows it to organizers: no secrets (badge, links)."""
    return {
        "id": reg.id, "name": reg.name, "email": reg.email, "organization": reg.organization,
        "position": reg.position, "country": reg.country,
        "stakeholder_type": reg.stakeholder_type.value if reg.stakeholder_type else None,
        "modality": reg.modality.value, "category": reg.category.value,
        "status": reg.status.value, "needs": reg.needs, "consent_listed": reg.consent_listed,
        "over_capacity": reg.over_capacity, "source": reg.source, "checked_in": bool(checked_in),
        "created_at": reg.created_at, "erased": reg.erased_at is not None,
    }


class RegistrantListSchema(Out):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    registrations = fields.List(fields.Nested(RegistrantSchema))


class RegistrantQuery(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    modality = fields.String(load_default=None, validate=validate.OneOf([m.value for m in Modality]))
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in RegistrationStatus]))
    category = fields.String(load_default=None, validate=validate.OneOf([c.value for c in Category]))
    checked_in = fields.String(load_default=None, validate=validate.OneOf(["yes", "no"]))
    page = Count(min=1, max=MAX_PAGE, load_default=1)
    per_page = Count(min=1, max=500, load_default=100)


@blp.route("/<slug>/registrations")
class Registrations(MethodView):
    decorators = (registration_limit,)  # POST only: the shared per-address budget

    @blp.arguments(RegistrationIn)
    @blp.response(201, RegistrationCreated)
    @blp.alt_response(202, schema=RegistrationAccepted,
                      description="The address is already registered (or the request repeats "
                                  "one): a fresh manage link was sent to it, none is returned.")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="Registration closed, or full with if_full=reject")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid fields")
    @blp.alt_response(429, schema=ApiErrorSchema, description="Too many registrations")
    def post(self, data, slug):
        """Register for an event (no token needed). Rate limited per address."""
        event = load_event(slug, Need.VIEW, user())
        if_full = data.pop("if_full")
        result = services.register(event.id, data, user=user(), source="api",
                                   if_full=None if if_full == "reject" else IfFull(if_full))
        if result.outcome is not Outcome.CREATED:
            resp = jsonify(RegistrationAccepted().dump({"message": services.NEUTRAL_MESSAGE}))
            resp.status_code = 202
            return resp
        reg = result.registration
        return {"status": reg.status.value, "modality": reg.modality.value,
                "manage_url": mails.manage_url(result.manage_token)}, 201  # BASE_URL, as in mail

    @blp.arguments(RegistrantQuery, location="query")
    @blp.response(200, RegistrantListSchema)
    @blp.alt_response(401, schema=ApiErrorSchema, description="No or bad token")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not an organizer of the event")
    @blp.doc(security=BEARER)
    def get(self, args, slug):
        """The event's registrants (organizers), with the list page's filters."""
        caller = user()
        event = load_event(slug, Need.VIEW, caller)
        require(caller, Need.MANAGE, event)
        filters = Filters.from_args({k: args.get(k) for k in
                                     ("q", "modality", "status", "category", "checked_in")})
        q = services.registrant_query(event, filters)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(q.order_by(None).subquery()))
        page, per_page = args["page"], args["per_page"]
        rows = db.session.execute(q.limit(per_page).offset((page - 1) * per_page)).all()
        regs = [_registrant(reg, checked) for reg, checked in rows]
        return {"total": total, "page": page, "per_page": per_page, "registrations": regs}
