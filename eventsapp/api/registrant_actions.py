"""POST /api/v1/events/<slug>/registrations/bulk (a bulk action, per-id results) and
POST /api/v1/events/<slug>/messages (write to registrants, or preview it): the event's
organizers."""
from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields, validate

from ..errors import NotFound
from ..inputs import Id
from ..models import Event
from ..permissions import Need, event_required, require_user
from ..registration import bulk, messaging
from ..registration.mergefields import FIELDS
from ..registration.messaging import AT_MOST, MAX_SELECTION
from ..registration.queries import Filters
from ..registration.schemas import FilterSchema, MessageSchema
from .common import BEARER, ApiErrorSchema, Out

blp = Blueprint("api_registrant_actions", __name__, url_prefix="/api/v1/events",
                description="Act on many registrants at once, and write to them "
                            "(organizers).")


class BulkIn(bulk.BulkActionSchema):
    """``ids`` or ``filters``; ``action``; ``value`` for category and modality."""


class BulkResultOut(Out):
    id = fields.Integer()
    result = fields.String(metadata={"enum": ["done", "refused"]})
    status = fields.String(metadata={"description": "The registration's status after the "
                                                    "action (empty: not found)"})
    code = fields.String(metadata={"description": "done, or why it was refused (not_pending, "
                                                  "not_active, full, not_found...)"})
    reason = fields.String(metadata={"description": "Why it was refused, in words"})


class BulkOut(Out):
    done = fields.Integer()
    refused = fields.Integer()
    results = fields.List(fields.Nested(BulkResultOut))


@blp.route("/<slug>/registrations/bulk")
class BulkActions(MethodView):
    @event_required(Need.MANAGE)
    @blp.arguments(BulkIn)
    @blp.response(200, BulkOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="No ids nor filters, more than 1000 registrants, an unknown "
                                  "action or value")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], event: Event) -> ResponseReturnValue:
        """Approve, decline, change the category or move the modality of registrants,
        each in its own transaction, oldest first; one result per registration."""
        raw = {"action": data["action"], "value": getattr(data.get("value"), "value",
                                                           data.get("value")),
               "ids": data.get("ids"), "filters": _filters_raw(data.get("filters"))}
        results = bulk.run(event, require_user(), {k: v for k, v in raw.items()
                                                   if v is not None})
        return {"done": sum(r.done for r in results),
                "refused": sum(not r.done for r in results),
                "results": [{"id": r.registration_id, "result": "done" if r.done else "refused",
                             "status": r.status, "code": r.code, "reason": r.reason}
                            for r in results]}


def _filters_raw(loaded: dict[str, Any] | None) -> dict[str, Any] | None:
    """Loaded filters back in their input shape (the service loads them again)."""
    if loaded is None:
        return None
    return Filters.from_loaded(loaded).as_args()


class MessageIn(MessageSchema):
    """Subject and body with merge fields; ``ids`` or ``filters``; ``preview``."""

    ids = fields.List(Id(), load_default=None, validate=validate.Length(
        max=MAX_SELECTION, error=AT_MOST),
        metadata={"description": "Registration ids of the event (at most 1000), whatever "
                                 "their status"})
    filters = fields.Nested(FilterSchema, load_default=None, metadata={
        "description": "The registrant list's filters, used when no ids are given "
                       "(cancelled and declined people only when asked by status)"})
    preview = fields.Boolean(load_default=False, metadata={
        "description": "true: nothing is sent; the answer shows the mail one recipient "
                       "would receive"})
    preview_id = fields.Integer(load_default=None, metadata={
        "description": "The recipient to preview (default: the first)"})


class PreviewOut(Out):
    registration_id = fields.Integer()
    to = fields.String()
    subject = fields.String()
    text = fields.String()


class MessageOut(Out):
    recipients = fields.Integer(metadata={"description": "How many people it goes (or would "
                                                         "go) to"})
    sent = fields.Boolean()
    preview = fields.Nested(PreviewOut, allow_none=True)
    merge_fields = fields.List(fields.String())


@blp.route("/<slug>/messages")
class Messages(MethodView):
    @event_required(Need.MANAGE)
    @blp.arguments(MessageIn)
    @blp.response(200, MessageOut)
    @blp.alt_response(404, schema=ApiErrorSchema,
                      description="No such event, or preview_id is not a recipient")
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="An empty subject or body, an unknown merge field or an "
                                  "unbalanced brace (named), more than 1000 ids")
    @blp.doc(security=BEARER)
    def post(self, data: dict[str, Any], event: Event) -> ResponseReturnValue:
        """Write to the event's registrants (ids, else filters, else every active one),
        with merge fields; ``preview``: show one recipient's mail, send nothing."""
        filters = Filters.from_loaded(data["filters"]) if data.get("filters") else Filters()
        ids = data.get("ids")
        out: dict[str, Any] = {"merge_fields": [f"{{{f}}}" for f in FIELDS], "preview": None}
        if data["preview"]:
            messaging.draft(data["subject"], data["body"])  # field errors first
            regs = messaging.recipients(event, filters, ids)
            chosen = next((r for r in regs if data.get("preview_id") in (None, r.id)), None)
            if data.get("preview_id") is not None and chosen is None:
                raise NotFound(_("No such registration."))
            if chosen is not None:
                shown = messaging.preview(event, data["subject"], data["body"], chosen)
                out["preview"] = {"registration_id": chosen.id, "to": shown.to,
                                  "subject": shown.subject, "text": shown.text}
            return {**out, "recipients": len(regs), "sent": False}
        sent = messaging.write_to_group(event, filters, data["subject"], data["body"], ids)
        return {**out, "recipients": sent, "sent": True}
