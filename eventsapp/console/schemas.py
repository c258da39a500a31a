"""The console's inputs: who joins the event's team, in which role."""
from __future__ import annotations

from marshmallow import Schema

from ..i18n import N_
from ..inputs import Choice, Email
from ..models import EventRoleKind

# What a Choice field answers to a value it does not know: one whole sentence each.
UNKNOWN_ROLE = N_("Unknown role. Use one of: %(allowed)s.")


class TeamGrantSchema(Schema):
    email = Email(required=True)
    role = Choice(EventRoleKind, unknown=UNKNOWN_ROLE, required=True)
