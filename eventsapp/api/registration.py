"""POST /api/v1/events/<slug>/registrations (public, rate limited),
GET /api/v1/events/<slug>/registrations (the event's organizers) and
GET/PATCH /api/v1/events/<slug>/registration-settings (the event's organizers)."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from ..i18n import current_language
from ..inputs import Choice
from ..models import (
    Category,
    Event,
    Modality,
    PromotionMode,
    Registration,
    RegistrationStatus,
    StakeholderType,
)
from ..permissions import Need, event_required, load_event, require
from ..registration import mails, services
from ..registration.answers import answers_by_registration, api_answers
from ..registration.blueprint import invitation_limit, note_refused_invitation
from ..registration.invitations import InvitationRefused, invitations_of
from ..registration.questions import event_questions
from ..registration.routes import registration_limit
from ..registration.schemas import ANSWER_OUT, IfFull, RegistrantQuerySchema, RegistrationApiSchema
from ..registration.services import Filters, Outcome
from ..registration.settings import RegistrationSettingsPatch, settings_view, update_settings
from .common import BEARER, ApiErrorSchema, Out, user

blp = Blueprint("api_registration", __name__, url_prefix="/api/v1/events",
                description="Registration: register (public), list registrants and change "
                            "the registration settings (organizers).")


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
    organization_id = fields.Integer(allow_none=True, metadata={
        "description": "The event's organization registered for (its delegation), if any."})
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
    answers = fields.Dict(keys=fields.String(), values=fields.Raw(metadata=ANSWER_OUT),
                          metadata={"description": "Answers to the event's questions, by "
                                                   "question id"})
    invitation_id = fields.Integer(allow_none=True, metadata={
        "description": "The invitation it was made with (GET .../invitations/<id>), if any."})


def _registrant(reg: Registration, checked_in: bool,
                answers: dict[str, Any] | None = None,
                invitation_id: int | None = None) -> dict[str, Any]:
    """A registrant as the API shows it to organizers: no secrets (badge, links)."""
    return {
        "id": reg.id, "name": reg.name, "email": reg.email, "organization": reg.organization,
        "organization_id": reg.organization_id,
        "position": reg.position, "country": reg.country,
        "stakeholder_type": reg.stakeholder_type.value if reg.stakeholder_type else None,
        "modality": reg.modality.value, "category": reg.category.value,
        "status": reg.status.value, "needs": reg.needs, "consent_listed": reg.consent_listed,
        "over_capacity": reg.over_capacity, "source": reg.source, "checked_in": bool(checked_in),
        "created_at": reg.created_at, "erased": reg.erased_at is not None,
        "answers": answers or {}, "invitation_id": invitation_id,
    }


class RegistrantListSchema(Out):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    registrations = fields.List(fields.Nested(RegistrantSchema))


@blp.route("/<slug>/registrations")
class Registrations(MethodView):
    # POST only: the shared per-address budget, and refused invitation codes.
    decorators = [registration_limit, invitation_limit]

    @blp.arguments(RegistrationApiSchema)
    @blp.response(201, RegistrationCreated)
    @blp.alt_response(202, schema=RegistrationAccepted,
                      description="The address is already registered (or the request repeats "
                                  "one): a fresh manage link was sent to it, none is returned.")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="Registration closed, or full with if_full=reject")
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="Invalid fields, a category the event does not offer to "
                                  "the public, or a missing or invalid answer or document "
                                  "(answers.<question id>)")
    @blp.alt_response(429, schema=ApiErrorSchema, description="Too many registrations")
    def post(self, data: dict[str, Any], slug: str) -> ResponseReturnValue:
        """Register for an event (no token needed). Rate limited per address."""
        event = load_event(slug, Need.VIEW, user())
        # Loaded by the schema already; the service loads its input again (it is the one
        # entry point of every caller), so pass the values back in their input shape.
        raw = {k: getattr(v, "value", v) for k, v in data.items()}
        try:
            result = services.register(event.id, raw, user=user(), source="api",
                                       if_full=data.get("if_full", IfFull.WAITLIST),
                                       language=current_language())
        except InvitationRefused as exc:
            note_refused_invitation(exc)
            raise
        if result.outcome is not Outcome.CREATED or result.registration is None:
            resp = jsonify(RegistrationAccepted().dump({"message": services.NEUTRAL_MESSAGE}))
            resp.status_code = 202
            return resp
        reg = result.registration
        return {"status": reg.status.value, "modality": reg.modality.value,
                "manage_url": mails.manage_url(result.manage_token or "")}, 201  # BASE_URL

    @blp.arguments(RegistrantQuerySchema, location="query")
    @blp.response(200, RegistrantListSchema)
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="An unknown filter value, or a page out of bounds")
    @blp.alt_response(401, schema=ApiErrorSchema, description="No or bad token")
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not an organizer of the event")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """The event's registrants (organizers), with the list page's filters."""
        caller = user()
        event = load_event(slug, Need.VIEW, caller)
        require(caller, Need.MANAGE, event)
        found = services.registrant_page(event, Filters.from_loaded(args), page=args["page"],
                                         per_page=args["per_page"])
        questions = event_questions(event.id)
        given = answers_by_registration([reg.id for reg, _c in found.rows]) if questions else {}
        invited = invitations_of([reg.id for reg, _c in found.rows])
        regs = [_registrant(reg, checked, api_answers(questions, given.get(reg.id, {})),
                            invited[reg.id].id if reg.id in invited else None)
                for reg, checked in found.rows]
        return {"total": found.total, "page": args["page"], "per_page": found.per_page,
                "registrations": regs}


class RegistrationSettingsOut(Out):
    timezone = fields.String(metadata={"description": "IANA zone the instants are given in"})
    registration_opens_at = fields.String(allow_none=True, metadata={
        "format": "date-time", "description": "null: open as soon as the event is published"})
    registration_closes_at = fields.String(allow_none=True, metadata={
        "format": "date-time", "description": "null: open until the event ends"})
    approval_categories = fields.List(Choice(Category, dump_only=True))
    public_categories = fields.List(Choice(Category, dump_only=True))
    capacity_in_person = fields.Integer(allow_none=True, metadata={"description": "null: no limit"})
    capacity_online = fields.Integer(allow_none=True, metadata={"description": "null: no limit"})
    waitlist_promotion = Choice(PromotionMode, dump_only=True)
    offer_hours = fields.Integer()
    online_roles = fields.Boolean()
    privacy_notice = fields.String()
    visa_letters = fields.Boolean()
    visa_organizer = fields.String()
    visa_signatory_name = fields.String()
    visa_signatory_title = fields.String()


@blp.route("/<slug>/registration-settings")
class RegistrationSettings(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, RegistrationSettingsOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.doc(security=BEARER)
    def get(self, event: Event) -> ResponseReturnValue:
        """The event's registration settings (organizers)."""
        return settings_view(event)

    @event_required(Need.MANAGE)
    @blp.arguments(RegistrationSettingsPatch)
    @blp.response(200, RegistrationSettingsOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="Invalid settings (e.g. closing before opening, no public "
                                  "category, an unknown category)")
    @blp.doc(security=BEARER)
    def patch(self, _data: dict[str, Any], event: Event) -> ResponseReturnValue:
        """Change any of the event's registration settings (organizers). Raising a
        capacity gives the new places to the waiting list at once, in order."""
        # Validated by the schema already; the service loads the body again (it is the
        # one entry point of the page and the API), so it gets the body as sent.
        event, _promoted = update_settings(event, request.get_json(silent=True) or {},
                                           partial=True)
        return settings_view(event)
