"""An event's invitations over the API (the event's organizers): list, create (the code
is in the answer to the creation only), read one with who used it, revoke."""
from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..inputs import Choice
from ..models import Category, Event, RegistrationStatus
from ..permissions import Need, event_required, require_user
from ..registration import invitations
from ..registration.invitation_routes import invitation_link
from .common import BEARER, ApiErrorSchema, Out

blp = Blueprint("api_invitations", __name__, url_prefix="/api/v1/events",
                description="Invitations to register (organizers): a code that opens a "
                            "category or skips approval, for some uses, until a date.")


class InvitationOut(Out):
    id = fields.Integer()
    label = fields.String()
    category = Choice(Category, dump_only=True, allow_none=True)
    skips_approval = fields.Boolean()
    max_uses = fields.Integer(allow_none=True, metadata={"description": "null: unlimited"})
    uses = fields.Integer(metadata={"description": "Active registrations made with it "
                                                   "(what counts against max_uses)"})
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    state = fields.String(metadata={"enum": list(invitations.STATES)})


class InvitationUseOut(Out):
    registration_id = fields.Integer()
    name = fields.String()
    status = Choice(RegistrationStatus, dump_only=True)
    used_at = fields.DateTime()


class InvitationDetailOut(InvitationOut):
    used_by = fields.List(fields.Nested(InvitationUseOut))


class InvitationCreatedOut(InvitationOut):
    code = fields.String(metadata={"description": "The code, shown this once only"})
    link = fields.String(metadata={"description": "The registration link carrying the "
                                                  "code, shown this once only"})


class InvitationListOut(Out):
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    invitations = fields.List(fields.Nested(InvitationOut))


class InvitationQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class InvitationIn(invitations.InvitationSchema):
    """A new invitation."""


def _out(row: invitations.Row) -> dict[str, Any]:
    inv = row.invitation
    return {"id": inv.id, "label": inv.label,
            "category": inv.category.value if inv.category else None,
            "skips_approval": inv.skips_approval, "max_uses": inv.max_uses, "uses": row.used,
            "expires_at": inv.expires_at, "revoked_at": inv.revoked_at,
            "created_at": inv.created_at, "state": row.state}


def _detail(event: Event, invitation_id: int) -> dict[str, Any]:
    inv = invitations.invitation_of(event, invitation_id)
    return {**_out(invitations.row_of(inv)), "used_by": [
        {"registration_id": reg.id, "name": reg.name, "status": reg.status.value,
         "used_at": use.used_at} for use, reg in invitations.uses_of(inv)]}


@blp.route("/<slug>/invitations")
class EventInvitations(MethodView):
    @event_required(Need.MANAGE)
    @blp.arguments(InvitationQuery, location="query")
    @blp.response(200, InvitationListOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(422, schema=ApiErrorSchema, description="A page out of bounds")
    @blp.doc(security=BEARER)
    def get(self, args: dict[str, Any], event: Event) -> dict[str, Any]:
        """The event's invitations, newest first, with their uses (never their codes)."""
        found = invitations.invitation_page(event, page=args["page"], per_page=args["per_page"])
        return {"total": found.total, "page": found.page, "per_page": found.per_page,
                "invitations": [_out(r) for r in found.rows]}

    @event_required(Need.MANAGE)
    @blp.arguments(InvitationIn)
    @blp.response(201, InvitationCreatedOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event")
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="Invalid fields (no label, an unknown category, an expiry "
                                  "in the past, ...)")
    @blp.doc(security=BEARER)
    def post(self, _data: dict[str, Any], event: Event) -> dict[str, Any]:
        """Create an invitation; its code and link are in this answer only."""
        body = request.get_json(silent=True)
        created = invitations.create_invitation(event, body if isinstance(body, dict) else {},
                                                require_user())
        return {**_out(invitations.row_of(created.invitation, 0)), "code": created.code,
                "link": invitation_link(event, created.code)}


@blp.route("/<slug>/invitations/<int:invitation_id>")
class EventInvitation(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, InvitationDetailOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or invitation")
    @blp.doc(security=BEARER)
    def get(self, event: Event, invitation_id: int) -> dict[str, Any]:
        """One invitation, with every registration made with it."""
        return _detail(event, invitation_id)


@blp.route("/<slug>/invitations/<int:invitation_id>/revoke")
class RevokeInvitation(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, InvitationDetailOut)
    @blp.alt_response(404, schema=ApiErrorSchema, description="No such event or invitation")
    @blp.alt_response(409, schema=ApiErrorSchema, description="Already revoked")
    @blp.doc(security=BEARER)
    def post(self, event: Event, invitation_id: int) -> dict[str, Any]:
        """Revoke an invitation: its code is refused from now on; registrations made with
        it stay."""
        invitations.revoke_invitation(event, invitation_id)
        return _detail(event, invitation_id)
