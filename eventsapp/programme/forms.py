"""Organizer forms of the programme: labels, widgets and the CSRF token only. Every rule
about a value is its schema's (``schemas.py``): the views map these fields into the
schema's shape and the services load them; errors come back onto these fields. Times
are local to the event's zone."""
from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from marshmallow import Schema
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired

from .. import countries
from ..models import EventFormat, EventKind, RoleKind, SessionType
from .schemas import EventSchema, PersonSchema, RoomSchema, SessionSchema


def _typed(kind: str, **attrs: Any) -> dict[str, Any]:
    """The browser's widget for a value the schema reads (date, time, number, URL...)."""
    return {"type": kind, **attrs}


def limit(schema: type[Schema], name: str, **attrs: Any) -> dict[str, Any]:
    """The browser's ``maxlength`` for a text field, read from the schema's field."""
    return {"maxlength": schema._declared_fields[name].max_length, **attrs}  # type: ignore[attr-defined]


def choice(label: str, choices: list | None = None, **kwargs: Any) -> SelectField:
    """A select box; its choices are for display, the schema decides what is valid."""
    return SelectField(label, choices=choices or [], validate_choice=False, **kwargs)


def _with_countries(form: FlaskForm) -> None:
    country = getattr(form, "country", None)
    if country is not None:
        country.choices = [("", "—")] + countries.choices()


class EventForm(FlaskForm):
    title = StringField("Title", render_kw=limit(EventSchema, "title"))
    slug = StringField("Short name in the address (optional)")
    kind = choice("Kind", EventKind.choices())
    format = choice("Format", EventFormat.choices())
    venue_name = StringField("Venue", render_kw=limit(EventSchema, "venue_name"))
    venue_address = StringField("Address", render_kw=limit(EventSchema, "venue_address"))
    city = StringField("City", render_kw=limit(EventSchema, "city"))
    country = choice("Country")
    timezone = StringField("Time zone (IANA name)",
                           render_kw={"list": "tz-names", "autocomplete": "off"})
    start_date = StringField("First day", render_kw=_typed("date"))
    start_time = StringField("Starts at (local time)", render_kw=_typed("time"))
    end_date = StringField("Last day", render_kw=_typed("date"))
    end_time = StringField("Ends at (local time)", render_kw=_typed("time"))
    description = TextAreaField("Description")
    website_url = StringField("Website (optional)", render_kw=_typed("url"))
    capacity_in_person = StringField("In-person places (empty: no limit)",
                                     render_kw=_typed("number", min=0))
    capacity_online = StringField("Online places (empty: no limit)",
                                  render_kw=_typed("number", min=0))
    published = BooleanField("Published (visible to everyone)")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_countries(self)


class RoomForm(FlaskForm):
    name = StringField("Room name", render_kw=limit(RoomSchema, "name"))
    capacity = StringField("Capacity (optional)", render_kw=_typed("number", min=0))
    description = StringField("Notes (optional)", render_kw=limit(RoomSchema, "description"))


class SessionForm(FlaskForm):
    type = choice("Type", SessionType.choices())
    number = StringField("Number (e.g. 3 for “High-Level Panel 3”)",
                         render_kw=_typed("number", min=1))
    title = StringField("Title", render_kw=limit(SessionSchema, "title"))
    description = TextAreaField("Description")
    room_id = choice("Room", [("0", "No room")])
    day = StringField("Date", render_kw=_typed("date"))
    start = StringField("Starts at (event's local time)", render_kw=_typed("time"))
    end = StringField("Ends at (event's local time)", render_kw=_typed("time"))
    published = BooleanField("Published (visible to everyone once the event is)")
    stream_url = StringField("Stream link (private: online attendees only)",
                             render_kw=_typed("url"))
    stream_passcode = StringField("Stream passcode (private)")
    recording_url = StringField("Recording link (private)", render_kw=_typed("url"))


class PersonForm(FlaskForm):
    name = StringField("Name", render_kw=limit(PersonSchema, "name"))
    position = StringField("Position", render_kw=limit(PersonSchema, "position"))
    organization = StringField("Organization", render_kw=limit(PersonSchema, "organization"))
    country = choice("Country")
    bio = TextAreaField("Short bio")
    photo = FileField("Photo (optional; JPEG, PNG, GIF or WebP, at most 2 MB)")
    remove_photo = BooleanField("Remove the current photo")
    account_email = StringField("Speaker's account email (optional: links “My sessions”)",
                                render_kw=_typed("email"))
    allow_duplicate = BooleanField("This is a different person with the same name and "
                                   "organization")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_countries(self)


class NewPersonRoleForm(PersonForm):
    role = choice("Role", RoleKind.choices())


class AddPersonForm(FlaskForm):
    person_id = SelectField("Person", coerce=int, choices=[])
    role = choice("Role", RoleKind.choices())


class RoleChangeForm(FlaskForm):
    role = choice("Role", RoleKind.choices())


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
