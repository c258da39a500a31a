"""Inputs of organizations, focal points and delegates' decisions, declared once: the
organizer's forms, the API and the CSV import load through these schemas (with the
shared field types of ``eventsapp.inputs``)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, pre_load, validate

from .. import inputs
from ..errors import ValidationFailed
from ..i18n import N_
from ..models import Modality, StakeholderType

ORG_NAME_MAX = 200
QUOTA_MAX = 100_000


UNKNOWN_KIND = N_("Unknown kind of organization. Use one of: %(allowed)s.")
UNKNOWN_MODALITY = N_("Unknown way to take part. Use one of: %(allowed)s.")


class _FormBlanks(Schema):
    """A form sends "" for an empty quota box: that is "no limit" (null); and for an
    untouched select: that is "not given"."""

    QUOTAS = ("max_registrations", "max_in_room")
    SELECTS = ("kind",)

    @pre_load
    def _blanks(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        out = dict(data)
        for key in self.QUOTAS:
            if isinstance(out.get(key), str) and not out[key].strip():
                out[key] = None
        for key in self.SELECTS:
            if out.get(key) == "":
                del out[key]
        return out


def _quota(description: str) -> inputs.Count:
    return inputs.Count(min=0, max=QUOTA_MAX, allow_none=True, load_default=None,
                        metadata={"description": description})


class OrganizationSchema(_FormBlanks):
    """An organization of an event (a member state, a company, an NGO ...)."""

    name = inputs.Line(max_length=ORG_NAME_MAX, required=True,
                       required_message=_l("Enter the organization's name."),
                       validate=[validate.Length(min=1, error=_l("Enter the organization's name."))],
                       metadata={"description": "As the organization writes it, in its own script."})
    kind = inputs.Choice(StakeholderType, unknown=UNKNOWN_KIND, required=True,
                         error_messages={"required": _l("Choose the kind of organization.")})
    country = inputs.Country(load_default="", metadata={
        "description": "ISO 3166-1 alpha-2 code; required for a member state (government)."})
    max_registrations = _quota("Approved registrations (confirmed or waitlisted) at most; "
                               "null: no limit.")
    max_in_room = _quota("In-person approved registrations (confirmed, or waiting for a "
                         "seat) at most; others follow online. Null: no limit.")


class OrganizationPatch(OrganizationSchema, inputs.PatchSchema):
    """Any subset of OrganizationSchema's fields."""


def check_organization(values: Mapping[str, Any]) -> None:
    """Rules across fields, on a new organization or one merged with its changes: a
    member state (government) names its country."""
    if values.get("kind") is StakeholderType.GOVERNMENT and not values.get("country"):
        message = _("Choose the member state's country.")
        raise ValidationFailed(message, fields={"country": [message]})


class FocalPointSchema(Schema):
    """A focal point, designated by the e-mail address of an existing account."""

    email = inputs.Email(required=True,
                         error_messages={"required": _l("Enter the account's email address.")},
                         metadata={"description": "The address of an existing account."})


class ApproveDelegateSchema(Schema):
    """A focal point's (or an organizer's) approval of a delegate."""

    modality = inputs.Choice(Modality, unknown=UNKNOWN_MODALITY, load_default=None,
                             allow_none=True, metadata={
                                 "description": "Approve to take part this way (e.g. online "
                                                "when the in-person seats are taken); "
                                                "default: as registered."})
