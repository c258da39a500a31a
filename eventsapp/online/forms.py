"""Organizer forms of the online feature. The services validate again (and decide)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from .services import MAX_JOIN_OPENS_MINUTES


class OnlineSettingsForm(FlaskForm):
    stream_url = StringField("Default stream or meeting link",
                             validators=[Optional(), Length(max=1000)])
    stream_passcode = StringField("Passcode (optional)", validators=[Optional(), Length(max=100)])
    join_opens_minutes_before = IntegerField(
        "Join links open this many minutes before a session",
        validators=[InputRequired(message="Give a number of minutes."),
                    NumberRange(min=0, max=MAX_JOIN_OPENS_MINUTES)], default=15)
    recordings_public = BooleanField("Recordings are public (otherwise for registrants only)")


class SessionLinksForm(FlaskForm):
    stream_url = StringField("Stream or meeting link of this session",
                             validators=[Optional(), Length(max=1000)])
    stream_passcode = StringField("Passcode (optional)", validators=[Optional(), Length(max=100)])
    recording_url = StringField("Recording link (shown after the session)",
                                validators=[Optional(), Length(max=1000)])
