"""Organizer forms of the online feature: rendering and the CSRF token. ``schemas.py``
decides what is valid (the views load the posted form through it)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.widgets import NumberInput


class OnlineSettingsForm(FlaskForm):
    stream_url = StringField(_l("Default stream or meeting link"))
    stream_passcode = StringField(_l("Passcode (optional)"))
    # A number input, but a StringField: the schema reads the number (one message).
    join_opens_minutes_before = StringField(
        _l("Join links open this many minutes before a session"), default="15",
        widget=NumberInput(min=0))
    recordings_public = BooleanField(_l("Recordings are public (otherwise for registrants only)"))


class SessionLinksForm(FlaskForm):
    stream_url = StringField(_l("Stream or meeting link of this session"))
    stream_passcode = StringField(_l("Passcode (optional)"))
    recording_url = StringField(_l("Recording link (shown after the session)"))
