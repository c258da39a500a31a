"""GET /api/v1/events/<slug>/visa-letters (the event's organizers; no passport fields),
GET /api/v1/events/<slug>/visa-letters/<id> (with them) and POST .../<id>/approve,
.../<id>/decline: letters of invitation for visas (``registration.visa``)."""
from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from ..inputs import Choice
from ..models import Event, VisaLetterRequest, VisaLetterStatus
from ..permissions import Need, event_required, require_user
from ..registration import visa
from .common import BEARER, ApiErrorSchema, Out

blp = Blueprint("api_visa", __name__, url_prefix="/api/v1/events",
                description="Letters of invitation for visas: requests of confirmed "
                            "in-person registrants, decided by the organizers.")


class VisaRequestRowOut(Out):
    id = fields.Integer()
    registration_id = fields.Integer()
    name = fields.String()
    email = fields.String()
    organization = fields.String()
    status = Choice(VisaLetterStatus, dump_only=True)
    requested_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    erased = fields.Boolean(metadata={"description": "The passport details were erased."})


class VisaRequestListOut(Out):
    requests = fields.List(fields.Nested(VisaRequestRowOut))


class VisaRequestOut(VisaRequestRowOut):
    nationality = fields.String(metadata={"description": "ISO 3166-1 alpha-2; empty once "
                                                         "erased"})
    passport_number = fields.String(metadata={"description": "Empty once erased"})
    date_of_birth = fields.Date(allow_none=True)
    passport_expires_on = fields.Date(allow_none=True)


def _detail(req: VisaLetterRequest) -> dict[str, Any]:
    reg = req.registration
    return {"id": req.id, "registration_id": req.registration_id, "name": reg.name,
            "email": reg.email, "organization": reg.organization, "status": req.status,
            "requested_at": req.requested_at, "decided_at": req.decided_at,
            "erased": req.erased_at is not None, "nationality": req.nationality,
            "passport_number": req.passport_number, "date_of_birth": req.date_of_birth,
            "passport_expires_on": req.passport_expires_on}


@blp.route("/<slug>/visa-letters")
class VisaLetters(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, VisaRequestListOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.doc(security=BEARER)
    def get(self, event: Event) -> ResponseReturnValue:
        """The event's requests for letters, undecided first (no passport details)."""
        return {"requests": [vars(row) for row in visa.event_requests(event)]}


@blp.route("/<slug>/visa-letters/<int:request_id>")
class VisaLetter(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, VisaRequestOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or request")
    @blp.doc(security=BEARER)
    def get(self, event: Event, request_id: int) -> ResponseReturnValue:
        """One request, with the passport details (until they are erased)."""
        return _detail(visa.request_in_event(event, request_id))


@blp.route("/<slug>/visa-letters/<int:request_id>/approve")
class ApproveVisaLetter(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, VisaRequestOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or request")
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="Decided already, erased, or the registration is no longer "
                                  "a confirmed in-person one")
    @blp.doc(security=BEARER)
    def post(self, event: Event, request_id: int) -> ResponseReturnValue:
        """Approve a request: the registrant is emailed that the letter is on their page."""
        return _detail(visa.approve(event, request_id, require_user()))


@blp.route("/<slug>/visa-letters/<int:request_id>/decline")
class DeclineVisaLetter(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, VisaRequestOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or request")
    @blp.alt_response(409, schema=ApiErrorSchema, description="Decided already, or erased")
    @blp.doc(security=BEARER)
    def post(self, event: Event, request_id: int) -> ResponseReturnValue:
        """Decline a request: the registrant is emailed."""
        return _detail(visa.decline(event, request_id, require_user()))
