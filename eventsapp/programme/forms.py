"""Organizer forms of the programme. Times are local to the event's zone."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models import EventFormat, EventKind, RoleKind, SessionType


class EventForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    slug = StringField("Short name in the address (optional)", validators=[Optional(),
                                                                           Length(max=80)])
    kind = SelectField("Kind", choices=EventKind.choices())
    format = SelectField("Format", choices=EventFormat.choices())
    venue_name = StringField("Venue", validators=[Length(max=200)])
    venue_address = StringField("Address", validators=[Length(max=400)])
    city = StringField("City", validators=[Length(max=100)])
    country = StringField("Country", validators=[Length(max=100)])
    timezone = StringField("Time zone (IANA name)", validators=[DataRequired(), Length(max=64)],
                           render_kw={"list": "tz-names", "autocomplete": "off"})
    start_date = DateField("First day", validators=[DataRequired()])
    start_time = TimeField("Starts at (local time)", validators=[DataRequired()])
    end_date = DateField("Last day", validators=[DataRequired()])
    end_time = TimeField("Ends at (local time)", validators=[DataRequired()])
    description = TextAreaField("Description", validators=[Length(max=20000)])
    website_url = URLField("Website (optional)", validators=[Optional(), Length(max=500)])
    capacity_in_person = IntegerField("In-person places (empty: no limit)",
                                      validators=[Optional(), NumberRange(min=0)])
    capacity_online = IntegerField("Online places (empty: no limit)",
                                   validators=[Optional(), NumberRange(min=0)])
    published = BooleanField("Published (visible to everyone)")


class RoomForm(FlaskForm):
    name = StringField("Room name", validators=[DataRequired(), Length(max=120)])
    capacity = IntegerField("Capacity (optional)", validators=[Optional(), NumberRange(min=0)])
    description = StringField("Notes (optional)", validators=[Length(max=400)])


class SessionForm(FlaskForm):
    type = SelectField("Type", choices=SessionType.choices())
    number = IntegerField("Number (e.g. 3 for “High-Level Panel 3”)",
                          validators=[Optional(), NumberRange(min=1, max=999)])
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    description = TextAreaField("Description", validators=[Length(max=20000)])
    room_id = SelectField("Room", coerce=int, choices=[(0, "No room")])
    day = DateField("Date", validators=[DataRequired()])
    start = TimeField("Starts at (event's local time)", validators=[DataRequired()])
    end = TimeField("Ends at (event's local time)", validators=[DataRequired()])
    published = BooleanField("Published (visible to everyone once the event is)")
    stream_url = URLField("Stream link (private: online attendees only)",
                          validators=[Optional(), Length(max=1000)])
    stream_passcode = StringField("Stream passcode (private)", validators=[Length(max=100)])
    recording_url = URLField("Recording link (private)", validators=[Optional(),
                                                                       Length(max=1000)])


class PersonForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    position = StringField("Position", validators=[Length(max=300)])
    organization = StringField("Organization", validators=[Length(max=300)])
    country = StringField("Country", validators=[Length(max=100)])
    bio = TextAreaField("Short bio", validators=[Length(max=5000)])
    photo = FileField("Photo (optional; JPEG, PNG, GIF or WebP, at most 2 MB)")
    remove_photo = BooleanField("Remove the current photo")
    account_email = EmailField("Speaker's account email (optional: links “My sessions”)",
                               validators=[Optional(), Length(max=254)])
    allow_duplicate = BooleanField("This is a different person with the same name and "
                                   "organization")


class NewPersonRoleForm(PersonForm):
    role = SelectField("Role", choices=RoleKind.choices())


class AddPersonForm(FlaskForm):
    person_id = SelectField("Person", coerce=int, choices=[])
    role = SelectField("Role", choices=RoleKind.choices())


class RoleChangeForm(FlaskForm):
    role = SelectField("Role", choices=RoleKind.choices())


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField("File (CSV or frab schedule.xml)")
    content = HiddenField()
    filename = HiddenField()
    kind = RadioField("Format", choices=[("auto", "Guess from the file"), ("csv", "CSV"),
                                         ("frab", "frab schedule.xml")], default="auto")
    create_rooms = BooleanField("Create rooms that this event does not have yet")
    replace = BooleanField("Replace the current programme (delete its sessions first)")
    publish = BooleanField("Publish the imported sessions at once")
