"""The programme's HTML forms as the schemas' input: a form's separate date and time
fields joined into one local date-time, digits into ids, the event form's language
fieldsets into ``languages``/``translations``; and the schema's field names mapped back to
the form's, so an error lands on the field the organizer typed in."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

from ..i18n import LANGUAGES


def _whole(value: Any) -> Any:
    """A form's digits as an int (ids are strict about type); anything else as given,
    for the schema to refuse."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() \
            and len(value.strip()) <= 12:
        return int(value)
    return value


def _local(day: Any, at: Any) -> str | None:
    """A form's date and time fields as one ISO local date-time (None when both are
    blank: the schema says the field is required)."""
    day_text, at_text = str(day or "").strip(), str(at or "").strip()
    if not day_text and not at_text:
        return None
    return f"{day_text}T{at_text}"


def _checked(form: Mapping[str, Any], name: str) -> bool:
    return str(form.get(name, "")).strip().lower() in ("y", "yes", "on", "true", "1")


def event_from_form(form: Mapping[str, Any]) -> dict:
    """The event form's fields in EventSchema's shape."""
    keys = ("title", "kind", "format", "venue_name", "venue_address", "city", "country",
            "timezone", "description", "website_url", "capacity_in_person", "capacity_online")
    out: dict[str, Any] = {k: form.get(k, "") for k in keys}
    if "slug" in form:
        out["slug"] = form.get("slug", "")
    out["published"] = _checked(form, "published")
    out["starts_at"] = _local(form.get("start_date"), form.get("start_time"))
    out["ends_at"] = _local(form.get("end_date"), form.get("end_time"))
    out.update(_languages_from_form(form))
    return out


def _languages_from_form(form: Mapping[str, Any]) -> dict:
    """The languages part of the event form: the default, the boxes ticked, and the
    translations of the ticked languages other than the default (a language unticked in
    the same submission loses its translation, as the form says). A form without the
    default's select (posted by an older page) leaves the languages as they are."""
    if "default_language" not in form:
        return {}
    getlist = getattr(form, "getlist", None)
    ticked = getlist("languages") if getlist else form.get("languages") or []
    default = form.get("default_language", "")
    translated = [c for c in LANGUAGES if c in ticked and c != default]
    return {"default_language": default, "languages": ticked,
            "translations": {c: {"title": form.get(f"tr_{c}_title", ""),
                                 "description": form.get(f"tr_{c}_description", "")}
                             for c in translated}}


EVENT_FORM_FIELDS = {"starts_at": "start_date", "ends_at": "end_date"}


def event_form_fields(errors: Mapping[str, Any] | None) -> dict[str, str]:
    """EVENT_FORM_FIELDS, and the form's names of the schema's language fields among
    ``errors`` (``languages.2`` -> ``languages``, ``translations.fr.title`` ->
    ``tr_fr_title``; a translation's own error goes on its title)."""
    mapping = dict(EVENT_FORM_FIELDS)
    for key in errors or {}:
        head, _dot, rest = key.partition(".")
        if head == "languages":
            mapping[key] = "languages"
        elif head == "translations":
            code, _dot, part = rest.partition(".")
            mapping[key] = f"tr_{code}_{part if part == 'description' else 'title'}"
    return mapping


def room_from_form(form: Mapping[str, Any]) -> dict:
    return {k: form.get(k, "") for k in ("name", "capacity", "description")}


def session_from_form(form: Mapping[str, Any]) -> dict:
    """The session form's fields (a day, a start and an end time) in SessionSchema's
    shape; "0" is the form's "No room"."""
    out: dict[str, Any] = {k: form.get(k, "") for k in (
        "type", "number", "title", "description", "stream_url", "stream_passcode",
        "recording_url")}
    room = _whole(form.get("room_id", ""))
    out["room_id"] = None if room in (0, "") else room
    out["published"] = _checked(form, "published")
    out["starts_at"] = _local(form.get("day"), form.get("start"))
    out["ends_at"] = _local(form.get("day"), form.get("end"))
    return out


SESSION_FORM_FIELDS = {"starts_at": "start", "ends_at": "end"}


def person_from_form(form: Mapping[str, Any], prefix: str = "") -> dict:
    return {k: form.get(prefix + k, "") for k in (
        "name", "position", "organization", "country", "bio", "account_email")}


def local_parts(when: datetime) -> tuple[date, str]:
    """A local instant as the forms show it: its date and HH:MM."""
    return when.date(), time(when.hour, when.minute).strftime("%H:%M")
