"""Organizer forms of the programme: labels, widgets and the CSRF token only. Every rule
about a value is its schema's (``schemas.py``): the views map these fields into the
schema's shape and the services load them; errors come back onto these fields. Times
are local to the event's zone."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from marshmallow import Schema
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from .. import countries
from ..i18n import LANGUAGES, RTL
from ..models import EventFormat, EventKind, RoleKind, SessionType
from .schemas import EventSchema, PersonSchema, RoomSchema, SessionSchema


def _typed(kind: str, **attrs: Any) -> dict[str, Any]:
    """The browser's widget for a value the schema reads (date, time, number, URL...)."""
    return {"type": kind, **attrs}


def limit(schema: type[Schema], name: str, **attrs: Any) -> dict[str, Any]:
    """The browser's ``maxlength`` for a text field, read from the schema's field."""
    return {"maxlength": schema._declared_fields[name].max_length, **attrs}  # type: ignore[attr-defined]


def choice(label: Any, choices: list | None = None, **kwargs: Any) -> SelectField:
    """A select box; its choices are for display, the schema decides what is valid."""
    return SelectField(label, choices=choices or [], validate_choice=False, **kwargs)


def _with_countries(form: FlaskForm) -> None:
    country = getattr(form, "country", None)
    if country is not None:
        country.choices = [("", "—")] + countries.choices()


class LanguageChecks(SelectMultipleField):
    """The six languages as checkboxes, each named in its own language; the schema
    decides what is valid."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:  # the schema's rule, with its message
        pass


def _language_choices() -> list[tuple[str, str]]:
    return list(LANGUAGES.items())


class EventForm(FlaskForm):
    title = StringField(_l("Title"), render_kw=limit(EventSchema, "title"))
    slug = StringField(_l("Short name in the address (optional)"))
    kind = choice(_l("Kind"), EventKind.choices())
    format = choice(_l("Format"), EventFormat.choices())
    venue_name = StringField(_l("Venue"), render_kw=limit(EventSchema, "venue_name"))
    venue_address = StringField(_l("Address"), render_kw=limit(EventSchema, "venue_address"))
    city = StringField(_l("City"), render_kw=limit(EventSchema, "city"))
    country = choice(_l("Country"))
    timezone = StringField(_l("Time zone (IANA name)"),
                           render_kw={"list": "tz-names", "autocomplete": "off"})
    start_date = StringField(_l("First day"), render_kw=_typed("date"))
    start_time = StringField(_l("Starts at (local time)"), render_kw=_typed("time"))
    end_date = StringField(_l("Last day"), render_kw=_typed("date"))
    end_time = StringField(_l("Ends at (local time)"), render_kw=_typed("time"))
    description = TextAreaField(_l("Description"))
    website_url = StringField(_l("Website (optional)"), render_kw=_typed("url"))
    capacity_in_person = StringField(_l("In-person places (empty: no limit)"),
                                     render_kw=_typed("number", min=0))
    capacity_online = StringField(_l("Online places (empty: no limit)"),
                                  render_kw=_typed("number", min=0))
    published = BooleanField(_l("Published (visible to everyone)"))
    default_language = choice(_l("Language the title and description are written in"),
                              [(code, name, {"lang": code}) for code, name in LANGUAGES.items()])
    languages = LanguageChecks(_l("Languages the event offers"), choices=_language_choices())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_countries(self)

    def translation_fields(self, code: str) -> tuple[Any, Any]:
        """The (title, description) fields of the translation into ``code``."""
        return getattr(self, f"tr_{code}_title"), getattr(self, f"tr_{code}_description")


# One optional title and description per language (the page shows those of the languages
# the event offers, other than its default): tr_fr_title, tr_fr_description...
for _code in LANGUAGES:
    _written_in = {"lang": _code, "dir": "rtl" if _code in RTL else "ltr"}
    setattr(EventForm, f"tr_{_code}_title", StringField(
        _l("Title (optional)"), render_kw=limit(EventSchema, "title", **_written_in)))
    setattr(EventForm, f"tr_{_code}_description", TextAreaField(
        _l("Description (optional)"), render_kw=_written_in))


class RoomForm(FlaskForm):
    name = StringField(_l("Room name"), render_kw=limit(RoomSchema, "name"))
    capacity = StringField(_l("Capacity (optional)"), render_kw=_typed("number", min=0))
    description = StringField(_l("Notes (optional)"), render_kw=limit(RoomSchema, "description"))


class SessionForm(FlaskForm):
    type = choice(_l("Type"), SessionType.choices())
    number = StringField(_l("Number (e.g. 3 for “High-Level Panel 3”)"),
                         render_kw=_typed("number", min=1))
    title = StringField(_l("Title"), render_kw=limit(SessionSchema, "title"))
    description = TextAreaField(_l("Description"))
    room_id = choice(_l("Room"), [("0", _l("No room"))])
    day = StringField(_l("Date"), render_kw=_typed("date"))
    start = StringField(_l("Starts at (event's local time)"), render_kw=_typed("time"))
    end = StringField(_l("Ends at (event's local time)"), render_kw=_typed("time"))
    published = BooleanField(_l("Published (visible to everyone once the event is)"))
    stream_url = StringField(_l("Stream link (private: online attendees only)"),
                             render_kw=_typed("url"))
    stream_passcode = StringField(_l("Stream passcode (private)"))
    recording_url = StringField(_l("Recording link (private)"), render_kw=_typed("url"))


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), render_kw=limit(PersonSchema, "name"))
    position = StringField(_l("Position"), render_kw=limit(PersonSchema, "position"))
    organization = StringField(_l("Organization"), render_kw=limit(PersonSchema, "organization"))
    country = choice(_l("Country"))
    bio = TextAreaField(_l("Short bio"))
    photo = FileField(_l("Photo (optional; JPEG, PNG, GIF or WebP, at most 2 MB)"))
    remove_photo = BooleanField(_l("Remove the current photo"))
    account_email = StringField(_l("Speaker's account email (optional: links “My sessions”)"),
                                render_kw=_typed("email"))
    allow_duplicate = BooleanField(_l("This is a different person with the same name and "
                                   "organization"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _with_countries(self)


class NewPersonRoleForm(PersonForm):
    role = choice(_l("Role"), RoleKind.choices())


class AddPersonForm(FlaskForm):
    person_id = SelectField(_l("Person"), coerce=int, choices=[])
    role = choice(_l("Role"), RoleKind.choices())


class RoleChangeForm(FlaskForm):
    role = choice(_l("Role"), RoleKind.choices())


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired()])


class ImportForm(FlaskForm):
    file = FileField(_l("File (CSV or frab schedule.xml)"))
    content = HiddenField()
    filename = HiddenField()
    kind = RadioField(_l("Format"), choices=[("auto", _l("Guess from the file")), ("csv", "CSV"),
                                         ("frab", "frab schedule.xml")], default="auto")
    create_rooms = BooleanField(_l("Create rooms that this event does not have yet"))
    replace = BooleanField(_l("Replace the current programme (delete its sessions first)"))
    publish = BooleanField(_l("Publish the imported sessions at once"))
