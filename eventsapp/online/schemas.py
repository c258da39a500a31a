"""The organizer's online inputs: the event's default stream and join window, and each
session's own links. Every link is an ``inputs.Url`` (the app's one link rule)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from ..inputs import Count, Line, Url

MAX_JOIN_OPENS_MINUTES = 24 * 60
PASSCODE_MAX = 100


class OnlineSettingsSchema(Schema):
    stream_url = Url(load_default=None)
    stream_passcode = Line(max_length=PASSCODE_MAX, load_default=None)
    join_opens_minutes_before = Count(min=0, max=MAX_JOIN_OPENS_MINUTES, required=True,
                                      error_messages={"required": _l("Give a number of minutes.")})
    recordings_public = fields.Boolean(load_default=False)


class SessionLinksSchema(Schema):
    stream_url = Url(load_default=None)
    stream_passcode = Line(max_length=PASSCODE_MAX, load_default=None)
    recording_url = Url(load_default=None)
