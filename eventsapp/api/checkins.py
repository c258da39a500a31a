"""POST /api/v1/events/<slug>/checkins: check a badge in at the door (check-in staff
and organizers' tokens)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..badges.limits import limited_check_in
from ..badges.services import ALREADY, CHECKED_IN, INVALID, REASONS
from ..errors import Unauthorized, respond
from ..inputs import Choice
from ..models import Category, Modality, RegistrationStatus
from ..permissions import Need, load_event
from .common import BEARER, ApiErrorSchema, Out, user

blp = Blueprint("api_checkins", __name__, url_prefix="/api/v1/events",
                description="Check-in at the door: scan a badge's QR code.")


class CheckinIn(Schema):
    code = fields.String(
        required=True, validate=validate.Length(max=2000),
        metadata={"description": "What the badge's QR code holds: the bare badge code, or "
                                 "a URL carrying it as ?code=..."})


class CheckinRegistration(Out):
    id = fields.Integer()
    name = fields.String()
    organization = fields.String()
    category = Choice(Category, dump_only=True)
    category_label = fields.String()
    modality = Choice(Modality, dump_only=True)
    status = Choice(RegistrationStatus, dump_only=True)


class CheckinDetail(Out):
    day = fields.String(metadata={"description": "The event-local day (YYYY-MM-DD); a badge "
                                                 "is checked in once per day."})
    checked_in_at = fields.String(metadata={"description": "ISO 8601, in the event's zone"})
    time = fields.String(metadata={"description": "HH:MM in the event's zone"})
    checked_in_by = fields.String(allow_none=True)


class CheckinResult(Out):
    result = fields.String(metadata={"enum": [CHECKED_IN, ALREADY, INVALID]})
    reason = fields.String(
        allow_none=True,
        metadata={"enum": [*REASONS, None],
                  "description": "Why a scan is invalid (rate_limited is answered 429). "
                                 "null otherwise."})
    message = fields.String(metadata={"description": "The answer in words, for the screen"})
    registration = fields.Nested(CheckinRegistration, allow_none=True,
                                 metadata={"description": "null when invalid"})
    checkin = fields.Nested(CheckinDetail, allow_none=True,
                            metadata={"description": "This day's admission: when, by whom"})


@blp.route("/<slug>/checkins")
class Checkins(MethodView):
    @blp.arguments(CheckinIn)
    @blp.response(200, CheckinResult)
    @blp.alt_response(401, schema=ApiErrorSchema, description="No or bad token")
    @blp.alt_response(403, schema=ApiErrorSchema,
                      description="Not check-in staff or an organizer of the event")
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(422, schema=ApiErrorSchema, description="No code field")
    @blp.alt_response(429, schema=ApiErrorSchema, description="Too many failed scans")
    @blp.doc(security=BEARER)
    def post(self, data, slug):
        """Check a badge in. Idempotent per event-local day: a repeated scan answers
        already_checked_in with when and by whom. Failed scans are rate limited."""
        caller = user()
        if caller is None:
            raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
        event = load_event(slug, Need.CHECKIN, caller)
        result = limited_check_in(event, data["code"], caller)
        if result.reason == "rate_limited":
            return respond(429, "rate_limited", result.message, headers={"Retry-After": "60"})
        return result.as_dict()
