"""Organizations of an event, their focal points and delegations over the API.

- ``/events/<slug>/organizations`` (and below ``/<org_id>``, ``/focal-points``): the
  event's organizers (token) list, create, change and delete organizations and
  designate focal points (by the address of an existing account);
- ``/events/<slug>/organizations/<org_id>/registrations`` (and ``/<id>/approve``,
  ``/<id>/decline``): the organization's focal points, and the event's organizers, see
  and decide its registrations within its quotas. Anyone else, a focal point of another
  organization included, gets 404 for the organization. Focal points act on published
  events only (``permissions.can_act_for``);
- ``/events/<slug>/registrations/<id>/documents/<question_id>``: a registration's
  document (a note verbale ...) for those ``documents.can_read_document`` allows (its
  organization's focal points, the organizers, the registrant's account); 404 for
  anyone else, whether it exists or not.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields

from ..errors import NotFound
from ..extensions import db
from ..inputs import Choice
from ..models import (
    Event,
    Modality,
    Organization,
    Registration,
    RegistrationAnswer,
    RegistrationStatus,
    StakeholderType,
)
from ..permissions import Need, can, event_required, load_organization_for, require_user
from ..registration import delegations, documents
from ..registration import organizations as orgs
from ..registration.organization_schemas import (
    ApproveDelegateSchema,
    FocalPointSchema,
    OrganizationPatch,
    OrganizationSchema,
)
from .common import BEARER, ApiErrorSchema, Out

blp = Blueprint("api_organizations", __name__, url_prefix="/api/v1/events",
                description="Organizations, their focal points and their delegations.")


# ------------------------------------------------------------------ schemas

class FocalPointOut(Out):
    id = fields.Integer()
    name = fields.String(attribute="user.name")
    email = fields.String(attribute="user.email")


class CountsOut(Out):
    approved = fields.Integer(metadata={"description": "Confirmed or waitlisted."})
    in_room = fields.Integer(metadata={"description": "Of them, in person."})
    pending = fields.Integer()


class OrganizationOut(Out):
    id = fields.Integer()
    name = fields.String()
    kind = Choice(StakeholderType, dump_only=True)
    country = fields.String()
    max_registrations = fields.Integer(allow_none=True)
    max_in_room = fields.Integer(allow_none=True)
    focal_points = fields.List(fields.Nested(FocalPointOut))
    counts = fields.Nested(CountsOut)


class DelegateOut(Out):
    id = fields.Integer()
    name = fields.String()
    email = fields.String()
    position = fields.String()
    country = fields.String()
    modality = Choice(Modality, dump_only=True)
    status = Choice(RegistrationStatus, dump_only=True)
    created_at = fields.DateTime()


class OrganizationIn(OrganizationSchema):
    """A new organization."""


class OrganizationPatchIn(OrganizationPatch):
    """Any subset of OrganizationIn's fields."""


class FocalPointIn(FocalPointSchema):
    """A focal point: the address of an existing account."""


class ApproveIn(ApproveDelegateSchema):
    """How to approve (by default as registered)."""


def _out(org: Organization) -> dict[str, Any]:
    counts = delegations.quota_counts([org.id])[org.id]
    return {"id": org.id, "name": org.name, "kind": org.kind, "country": org.country,
            "max_registrations": org.max_registrations, "max_in_room": org.max_in_room,
            "focal_points": list(org.focal_points),
            "counts": {"approved": counts.approved, "in_room": counts.in_room,
                       "pending": counts.pending}}


def _event_of(slug: str) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        raise NotFound(_("No such organization."))
    return event


def _acting_for(slug: str, org_id: int) -> Organization:
    """The organization, if the caller is its focal point or an organizer of its event
    (the event named by ``slug``); else 404, whatever exists."""
    return load_organization_for(require_user(), org_id, _event_of(slug))


# ------------------------------------------------------------------ organizers

@blp.route("/<slug>/organizations")
class Organizations(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, OrganizationOut(many=True))
    @blp.alt_response(403, schema=ApiErrorSchema, description="Not an organizer of the event")
    @blp.doc(security=BEARER)
    def get(self, event):
        """The event's organizations with their focal points and counts (organizers)."""
        found = orgs.event_delegations(event)
        return [_out(d.organization) for d in found]

    @event_required(Need.MANAGE)
    @blp.arguments(OrganizationIn)
    @blp.response(201, OrganizationOut)
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="The event has an organization of this name")
    @blp.alt_response(422, schema=ApiErrorSchema, description="Invalid organization")
    @blp.doc(security=BEARER)
    def post(self, data, event):
        """Add an organization (organizers)."""
        return _out(orgs.create_organization(event, data))


@blp.route("/<slug>/organizations/<int:org_id>")
class OrganizationDetail(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, OrganizationOut)
    @blp.doc(security=BEARER)
    def get(self, event, org_id):
        """One organization (organizers)."""
        return _out(orgs.organization_in(event, org_id))

    @event_required(Need.MANAGE)
    @blp.arguments(OrganizationPatchIn(partial=True))
    @blp.response(200, OrganizationOut)
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="The event has an organization of this name")
    @blp.doc(security=BEARER)
    def patch(self, data, event, org_id):
        """Change an organization, its quotas included (organizers); null: no quota."""
        return _out(orgs.update_organization(event, org_id, data))

    @event_required(Need.MANAGE)
    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, event, org_id):
        """Delete an organization and its focal points; its registrations stay, on
        behalf of no organization."""
        orgs.delete_organization(event, org_id)


@blp.route("/<slug>/organizations/<int:org_id>/focal-points")
class FocalPoints(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(200, FocalPointOut(many=True))
    @blp.doc(security=BEARER)
    def get(self, event, org_id):
        """The organization's focal points (organizers)."""
        return list(orgs.organization_in(event, org_id).focal_points)

    @event_required(Need.MANAGE)
    @blp.arguments(FocalPointIn)
    @blp.response(201, FocalPointOut)
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="The account is a focal point of the organization already")
    @blp.alt_response(422, schema=ApiErrorSchema,
                      description="Invalid address, or no account uses it")
    @blp.doc(security=BEARER)
    def post(self, data, event, org_id):
        """Designate a focal point by the address of an existing account (organizers)."""
        return orgs.add_focal_point(event, org_id, data)


@blp.route("/<slug>/organizations/<int:org_id>/focal-points/<int:focal_point_id>")
class FocalPointDetail(MethodView):
    @event_required(Need.MANAGE)
    @blp.response(204)
    @blp.doc(security=BEARER)
    def delete(self, event, org_id, focal_point_id):
        """The account stops being a focal point of the organization (organizers)."""
        orgs.remove_focal_point(event, org_id, focal_point_id)


# ------------------------------------------------------------------ focal points

@blp.route("/<slug>/organizations/<int:org_id>/registrations")
class Delegates(MethodView):
    @blp.response(200, DelegateOut(many=True))
    @blp.alt_response(404, schema=ApiErrorSchema,
                      description="No such organization, or you are not its focal point")
    @blp.doc(security=BEARER)
    def get(self, slug, org_id):
        """The organization's registrations (its focal points, the event's organizers)."""
        org = _acting_for(slug, org_id)
        return orgs.delegations_of([org])[0].registrations


@blp.route("/<slug>/organizations/<int:org_id>/registrations/<int:registration_id>/approve")
class ApproveDelegate(MethodView):
    @blp.arguments(ApproveIn)
    @blp.response(200, DelegateOut)
    @blp.alt_response(404, schema=ApiErrorSchema,
                      description="No such organization or registration, or you are not "
                                  "the organization's focal point")
    @blp.alt_response(409, schema=ApiErrorSchema,
                      description="A quota is reached (code quota_reached), or the "
                                  "registration is not pending")
    @blp.doc(security=BEARER)
    def post(self, data, slug, org_id, registration_id):
        """Approve a pending registration of the organization, within its quotas:
        confirmed if a place is free, else on the waiting list; the person is told."""
        org = _acting_for(slug, org_id)
        return delegations.approve(org, registration_id, require_user(),
                                   modality=data.get("modality"))


@blp.route("/<slug>/organizations/<int:org_id>/registrations/<int:registration_id>/decline")
class DeclineDelegate(MethodView):
    @blp.response(200, DelegateOut)
    @blp.alt_response(404, schema=ApiErrorSchema,
                      description="No such organization or registration, or you are not "
                                  "the organization's focal point")
    @blp.alt_response(409, schema=ApiErrorSchema, description="The registration is not active")
    @blp.doc(security=BEARER)
    def post(self, slug, org_id, registration_id):
        """Decline a registration of the organization (pending, waitlisted or
        confirmed); the person is told."""
        org = _acting_for(slug, org_id)
        return delegations.decline(org, registration_id, require_user())


# ------------------------------------------------------------------ documents

@blp.route("/<slug>/registrations/<int:registration_id>/documents/<int:question_id>")
class RegistrationDocument(MethodView):
    @blp.response(200, description="The document (PDF, PNG or JPEG), as a download",
                  content_type="application/octet-stream")
    @blp.alt_response(404, schema=ApiErrorSchema,
                      description="No such registration or document, or you may not read it")
    @blp.doc(security=BEARER)
    def get(self, slug, registration_id, question_id):
        """The document a registration sent in answer to a question: for the focal
        points of its organization (published events), the event's organizers and the
        registrant's account."""
        user = require_user()
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        if event is None or not can(user, Need.VIEW, event):
            raise NotFound(_("No such document."))
        reg = db.session.scalar(sa.select(Registration).where(
            Registration.id == registration_id, Registration.event_id == event.id))
        if reg is None or not documents.can_read_document(user, reg):
            raise NotFound(_("No such document."))
        answer = db.session.scalar(sa.select(RegistrationAnswer).where(
            RegistrationAnswer.registration_id == reg.id,
            RegistrationAnswer.question_id == question_id,
            RegistrationAnswer.file_key.is_not(None)))
        resp = documents.send_document(answer) if answer is not None else None
        if resp is None:
            raise NotFound(_("No such document."))
        return resp
