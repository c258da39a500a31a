"""The console's inputs: who joins the event's team, in which role."""
from __future__ import annotations

from marshmallow import Schema

from ..inputs import Choice, Email
from ..models import EventRoleKind


class TeamGrantSchema(Schema):
    email = Email(required=True)
    role = Choice(EventRoleKind, what="role", required=True)
