"""The programme's inputs, each declared once: events, rooms, sessions (with their
people) and people. The API documents and loads these schemas, the services load every
value they are given through them (forms, API, direct callers), and the CSV and frab
importers check each row's values with the same fields, so a rule and its message live
here and nowhere else.

Blank text is "no value": optional fields store "" (or NULL where the column allows it),
required ones answer "This field is required.". Instants without an offset are local to
the event's zone (``load_*`` turn them into UTC with ``inputs.to_utc``).
"""
from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from ..errors import ValidationFailed
from ..i18n import DEFAULT_LANGUAGE, N_
from ..inputs import (
    Choice,
    Count,
    Country,
    Email,
    Id,
    Instant,
    Language,
    LanguageSet,
    Line,
    PatchSchema,
    Text,
    load,
    to_utc,
)
from ..models import EventFormat, EventKind, RoleKind, SessionType
from ..timefmt import valid_zone

# What a Choice field answers to a value it does not know: one whole sentence each.
UNKNOWN_KIND = N_("Unknown kind of event. Use one of: %(allowed)s.")
UNKNOWN_FORMAT = N_("Unknown event format. Use one of: %(allowed)s.")
UNKNOWN_ROLE = N_("Unknown role. Use one of: %(allowed)s.")
UNKNOWN_SESSION_TYPE = N_("Unknown session type. Use one of: %(allowed)s.")

REQUIRED = _l("This field is required.")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


# ------------------------------------------------------------------ field types of the programme

def required_line(max_length: int) -> Line:
    """A line of text that must not be blank."""
    return Line(max_length=max_length, required=True, required_message=REQUIRED,
                error_messages={"null": REQUIRED})


class When(Instant):
    """``inputs.Instant`` that also takes a ``datetime`` (callers inside the app, and the
    API's already loaded body, pass them): the same checks either way."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, datetime):
            value = value.isoformat()
        return super()._deserialize(value, attr, data, **kwargs)


class Url(fields.String):
    """A web link: http(s) only, at most ``max_length`` characters."""

    def __init__(self, *, max_length: int = 1000, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"format": "uri", "maxLength": max_length})
        kwargs.setdefault("allow_none", True)
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = Line(max_length=self.max_length).deserialize(value)
        if len(text) > self.max_length or not URL_RE.match(text):
            raise ValidationError(_("Enter a web address starting with https://."))
        return text


class Zone(fields.String):
    """An IANA time zone name, e.g. Europe/Zurich."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update({"description": "IANA zone, e.g. Europe/Zurich"})
        super().__init__(**kwargs)
        self.error_messages["null"] = REQUIRED

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        zone = valid_zone(Line(max_length=64).deserialize(value))
        if not zone:
            raise ValidationError(_("Unknown time zone: use an IANA name such as Europe/Zurich."))
        return zone


class Whole(fields.Nested):
    """A nested object loaded in full even in a PATCH: a list of them replaces the old
    one, so each item has all its fields (and their defaults)."""

    def _load(self, value: Any, partial: Any = None) -> Any:
        return super()._load(value, partial=False)


class _Input(Schema):
    """Blank strings in are "no value" (None); optional text stored as "" comes out as "".
    ``NULLABLE``: text fields whose column holds NULL for "none"."""

    NULLABLE: tuple[str, ...] = ()

    @pre_load
    def _blank_is_none(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        return {k: (None if isinstance(v, str) and not v.strip() else v)
                for k, v in data.items()}

    @post_load
    def _none_is_empty_text(self, data: dict, **kwargs: Any) -> dict:
        for key, value in data.items():
            if value is None and key not in self.NULLABLE and isinstance(
                    self.fields.get(key), (Line, Text, Country)):
                data[key] = ""
        return data


def _optional(field: fields.Field) -> fields.Field:
    field.allow_none = True
    return field


# ------------------------------------------------------------------ schemas

EVENT_TITLE_MAX = 200
EVENT_DESCRIPTION_MAX = 20000


class EventTranslationSchema(_Input):
    """The title and description in one of the event's other languages; either may be
    blank (that part is then shown as written)."""

    title = _optional(Line(max_length=EVENT_TITLE_MAX))
    description = _optional(Text(max_length=EVENT_DESCRIPTION_MAX))


class Translations(fields.Dict):
    """Language code -> translation. An entry with nothing in it is no translation."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=Language(), values=Whole(EventTranslationSchema), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict:
        try:
            loaded = super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as exc:
            raise ValidationError(self._by_language(exc.messages)) from exc
        return {code: {"title": t.get("title") or "", "description": t.get("description") or ""}
                for code, t in loaded.items() if t.get("title") or t.get("description")}

    @staticmethod
    def _by_language(messages: Any) -> Any:
        """marshmallow's ``{"fr": {"key": [...], "value": {...}}}`` as ``{"fr": ...}``: the
        fields are then named ``translations.fr`` and ``translations.fr.title``."""
        if not isinstance(messages, dict):
            return messages
        out: dict[str, Any] = {}
        for code, parts in messages.items():
            if isinstance(parts, dict) and set(parts) <= {"key", "value"}:
                key, value = parts.get("key"), parts.get("value")
                out[str(code)] = key if key is not None else value
            else:
                out[str(code)] = parts
        return out


def language_problems(default: str | None, languages: Sequence[str] | None,
                      translations: Mapping[str, Any] | None) -> dict[str, Any]:
    """The rules between an event's languages, as field messages (none: all good): the
    default language is one of those offered, and translations are for the other
    offered languages only. What is None is not known here and not checked."""
    problems: dict[str, Any] = {}
    if default and languages is not None and default not in languages:
        problems["default_language"] = [
            _("The default language must be one of the languages the event offers.")]
    if translations and languages is not None:
        wrong: dict[str, list[str]] = {}
        for code in translations:
            if code == default:
                wrong[code] = [_("The title and description are written in this language: "
                                 "there is nothing to translate.")]
            elif code not in languages:
                wrong[code] = [_("The event does not offer this language.")]
        if wrong:
            problems["translations"] = wrong
    return problems


class EventSchema(_Input):
    slug = _optional(Line(max_length=80, validate=[validate.Regexp(
        SLUG_RE, error=_l("Lower-case letters, digits and dashes."))],
        metadata={"description": "short name in the address; made from the title if left out"}))
    title = required_line(EVENT_TITLE_MAX)
    kind = Choice(EventKind, unknown=UNKNOWN_KIND, load_default=EventKind.OTHER,
                  error_messages={"null": REQUIRED})
    format = Choice(EventFormat, unknown=UNKNOWN_FORMAT, load_default=EventFormat.IN_PERSON,
                    error_messages={"null": REQUIRED})
    description = _optional(Text(max_length=EVENT_DESCRIPTION_MAX))
    venue_name = _optional(Line(max_length=200))
    venue_address = _optional(Line(max_length=400))
    city = _optional(Line(max_length=100))
    country = _optional(Country())
    timezone = Zone(required=True)
    starts_at = When(required=True)
    ends_at = When(required=True)
    published = fields.Boolean()
    website_url = Url(max_length=500)
    capacity_in_person = Count(max=10_000_000, allow_none=True)
    capacity_online = Count(max=10_000_000, allow_none=True)
    registration_opens_at = When(allow_none=True)
    registration_closes_at = When(allow_none=True)
    default_language = Language(load_default=DEFAULT_LANGUAGE, error_messages={"null": REQUIRED},
                                metadata={"description": "the language the title and "
                                          "description are written in; default en"})
    languages = LanguageSet(error_messages={"null": REQUIRED}, metadata={
        "description": "the languages the event offers, default_language among them; "
                       "default: default_language only"})
    translations = Translations(metadata={
        "description": "title and description per offered language other than the default, "
                       "e.g. {\"fr\": {\"title\": \"...\", \"description\": \"...\"}}; "
                       "replaces every translation; those of languages no longer offered "
                       "are deleted"})

    @validates_schema
    def _languages_agree(self, data: dict, **kwargs: Any) -> None:
        languages = data.get("languages")
        if languages is None and "default_language" in data and not kwargs.get("partial"):
            languages = [data["default_language"]]  # a new event offers its default only
        problems = language_problems(data.get("default_language"), languages,
                                     data.get("translations"))
        if problems:
            raise ValidationError(problems)


EVENT_INSTANTS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


class RoomSchema(_Input):
    name = required_line(120)
    capacity = Count(max=1_000_000, allow_none=True)
    description = _optional(Line(max_length=400))


class PersonRoleSchema(_Input):
    person_id = Id(required=True)
    role = Choice(RoleKind, unknown=UNKNOWN_ROLE, load_default=RoleKind.SPEAKER,
                  error_messages={"null": REQUIRED})


class SessionSchema(_Input):
    NULLABLE = ("stream_passcode",)

    type = Choice(SessionType, unknown=UNKNOWN_SESSION_TYPE, required=True,
                  error_messages={"required": REQUIRED, "null": REQUIRED})
    number = Count(min=1, max=999, allow_none=True)
    title = required_line(300)
    description = _optional(Text(max_length=20000))
    room_id = Id(allow_none=True)
    starts_at = When(required=True)
    ends_at = When(required=True)
    published = fields.Boolean(metadata={"description": "default false (a draft)"})
    stream_url = Url(metadata={"description": "write-only"})
    stream_passcode = _optional(Line(max_length=100, metadata={"description": "write-only"}))
    recording_url = Url(metadata={"description": "write-only"})
    people = fields.List(Whole(PersonRoleSchema),
                         metadata={"description": "in display order; replaces the list"})


SESSION_INSTANTS = ("starts_at", "ends_at")


class PersonSchema(_Input):
    name = required_line(200)
    position = _optional(Line(max_length=300))
    organization = _optional(Line(max_length=300))
    country = _optional(Country())
    bio = _optional(Text(max_length=5000))
    account_email = Email(allow_none=True,
                          metadata={"description": "link the profile to this account"})


def same_field(schema: type[Schema], name: str, **attrs: Any) -> fields.Field:
    """A copy of ``schema``'s field ``name`` (its rules and messages), with ``attrs``
    changed (e.g. ``required=False`` where a file may leave it out)."""
    field = copy.deepcopy(schema._declared_fields[name])
    for key, value in attrs.items():
        setattr(field, key, value)
    return field


class SessionRowSchema(_Input):
    """One session of an imported file: the session's own rules, and a room by name
    (the room's name rule). Times are read by the file's reader (``instants``)."""

    type = same_field(SessionSchema, "type")
    number = same_field(SessionSchema, "number")
    title = same_field(SessionSchema, "title")
    description = same_field(SessionSchema, "description")
    room = same_field(RoomSchema, "name", required=False, allow_none=True)


class PersonRowSchema(_Input):
    """One person of an imported session: a person's name and organization rules, and
    the role of a person on a session."""

    name = same_field(PersonSchema, "name")
    organization = same_field(PersonSchema, "organization")
    role = same_field(PersonRoleSchema, "role")


class EventPatch(EventSchema, PatchSchema):
    """Any subset of EventSchema's fields."""


class RoomPatch(RoomSchema, PatchSchema):
    """Any subset of RoomSchema's fields."""


class SessionPatch(SessionSchema, PatchSchema):
    """Any subset of SessionSchema's fields."""


class PersonPatch(PersonSchema, PatchSchema):
    """Any subset of PersonSchema's fields."""


# ------------------------------------------------------------------ loading

def event_values(values: Mapping[str, Any], *, current_zone: str | None = None) -> dict:
    """Event attributes from ``values`` (all of them when ``current_zone`` is None, i.e.
    a new event; else only those given), instants in UTC."""
    partial = current_zone is not None
    data = load(EventSchema(), values, partial=partial)
    zone = data.get("timezone") or current_zone or "UTC"
    return to_utc(data, zone, EVENT_INSTANTS)


def room_values(values: Mapping[str, Any], *, partial: bool = False) -> dict:
    return load(RoomSchema(), values, partial=partial)


def session_values(values: Mapping[str, Any], zone: str, *, partial: bool = False) -> dict:
    """Session attributes (and ``people``) from ``values``, instants in UTC."""
    return to_utc(load(SessionSchema(), values, partial=partial), zone, SESSION_INSTANTS)


def person_values(values: Mapping[str, Any], *, partial: bool = False) -> dict:
    return load(PersonSchema(), values, partial=partial)


def role_value(role: Any) -> RoleKind:
    """A role on a session, by value or label."""
    data = load(PersonRoleSchema(only=("role",)), {"role": role})
    return data["role"]


def check_row(schema: Schema, values: Mapping[str, Any]) -> tuple[dict, list[str]]:
    """An imported row's values through ``schema``: (loaded values, ["field: message"])."""
    try:
        return load(schema, values), []
    except ValidationFailed as exc:
        return {}, [f"{key}: {' '.join(msgs)}" for key, msgs in exc.fields.items()]
