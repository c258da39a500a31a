"""POST /api/v1/events/<slug>/checkins: check a badge in at the door (check-in staff
and organizers' tokens)."""
from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_limiter import RequestLimit
from flask_smorest import Blueprint

from ..badges.limits import failed_scan_limit, limited_check_in, rate_limited, retry_after
from ..badges.schemas import CheckinIn, CheckinResult
from ..badges.services import ScanResult
from ..errors import API_TOKEN_NEEDED, Unauthorized, respond
from ..permissions import Need, load_event
from .common import BEARER, ApiErrorSchema, user

blp = Blueprint("api_checkins", __name__, url_prefix="/api/v1/events",
                description="Check-in at the door: scan a badge's QR code.")


def _refused(limit: RequestLimit) -> Response:
    """429 after too many failed scans, in the API's error format."""
    return respond(429, "rate_limited", rate_limited().message,
                   headers={"Retry-After": retry_after(limit)})


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
    @failed_scan_limit(_refused)
    def post(self, data: dict[str, Any], slug: str) -> ScanResult:
        """Check a badge in. Idempotent per event-local day: a repeated scan answers
        already_checked_in with when and by whom. Failed scans are rate limited."""
        caller = user()
        if caller is None:
            raise Unauthorized(API_TOKEN_NEEDED)
        event = load_event(slug, Need.CHECKIN, caller)
        result = limited_check_in(event, data["code"], caller)
        return result  # dumped by CheckinResult (blp.response)
