"""Use cases of events: create, change, delete, publish the programme."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..db_tx import lock_event, rowcount, use_case
from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from ..inputs import flatten
from ..models import Event, EventRole, EventRoleKind, EventTranslation, ProgrammeSession, User, utcnow
from ..permissions import can_create_events
from .changes import bump
from .schemas import SLUG_RE, event_values, language_problems

__all__ = ["SLUG_RE", "create_event", "delete_event", "publish_programme", "slugify",
           "update_event"]


# Changes after which the waiting lists may have places to take.
FREEING = frozenset({"capacity_in_person", "capacity_online", "format"})


def check_order(start: datetime | None, end: datetime | None, field: str,
                message: str, field_message: str) -> None:
    """Refuse an end that is not after its start (both known)."""
    if start is not None and end is not None and end <= start:
        raise ValidationFailed(message, fields={field: [field_message]})


def _check_event(attrs: dict, current: Event | None) -> None:
    def value(key: str) -> Any:
        return attrs[key] if key in attrs else getattr(current, key, None)

    check_order(value("starts_at"), value("ends_at"), "ends_at",
                _("The event ends before it starts."), _("The end must be after the start."))
    check_order(value("registration_opens_at"), value("registration_closes_at"),
                "registration_closes_at", _("Registration closes before it opens."),
                _("Must be after the opening."))
    # The schema checked what one request gave; here the rule meets the stored values
    # (a change of the languages alone, or of the default alone).
    default = value("default_language")
    problems = language_problems(default, value("languages") or [default],
                                 attrs.get("translations"))
    if problems:
        raise ValidationFailed(_("Some fields are not valid."), fields=flatten(problems))


def _set_translations(event: Event, given: Mapping[str, Mapping[str, str]] | None,
                      before: tuple[str, str, str] | None = None) -> None:
    """Replace the translations by ``given`` (None: keep them), then drop those of
    languages the event no longer offers or now writes in.

    ``before`` (default language, title, description before this change): when the
    default language changes to one the event has a translation in, and no new title was
    typed, that translation becomes the text as written and the previous text becomes
    the old default's translation (unless one was given for it). Switching the language
    an event is written in loses nothing an organizer wrote."""
    stored = event.translations.get(event.default_language)
    promoted = (stored.title, stored.description) if stored is not None else None
    if given is not None:
        for code in [c for c in event.translations if c not in given]:
            del event.translations[code]
        for code, text in given.items():
            row = event.translations.get(code)
            if row is None:
                event.translations[code] = EventTranslation(language=code, **text)
            else:
                row.title, row.description = text["title"], text["description"]
    if before is not None and promoted is not None:
        _swap_written_language(event, promoted, *before)
    others = set(event.offered_languages) - {event.default_language}
    for code in [c for c in event.translations if c not in others]:
        del event.translations[code]


def _swap_written_language(event: Event, promoted: tuple[str, str], old_default: str,
                           old_title: str, old_description: str) -> None:
    title, description = promoted
    if event.default_language == old_default or not title or event.title != old_title:
        return  # same language, nothing to promote, or a title typed in the new one
    event.title, event.description = title, description or ""
    if old_default in event.offered_languages and old_default not in event.translations:
        event.translations[old_default] = EventTranslation(
            language=old_default, title=old_title, description=old_description or "")


def slugify(text: str) -> str:
    """An ASCII short name for a URL: accents folded ("Genève" gives "geneve"), other
    scripts transliterated (python-slugify through text-unidecode), cut at a word
    boundary within 60 characters; "event" when nothing usable is left."""
    # Imported here, not at the top: this function's name shadows the module's.
    from slugify import slugify as ascii_slug

    return ascii_slug(text or "", max_length=60, word_boundary=True) or "event"


def _free_slug(slug: str | None, title: str) -> str:
    if slug:
        slug = slug.lower()
        if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
            raise ValidationFailed(_("That short name is taken."),
                                   fields={"slug": [_("Another event uses it.")]})
        return slug
    base = slugify(title)
    taken = set(db.session.scalars(sa.select(Event.slug).where(Event.slug.like(base + "%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@use_case
def create_event(user: User, values: Mapping[str, Any]) -> Event:
    """A new event (values in EventSchema's shape); its creator becomes its organizer."""
    if not can_create_events(user):
        raise Forbidden(_("Only administrators and organizers of an event create events."))
    attrs = event_values(values)
    _check_event(attrs, None)
    slug = _free_slug(attrs.pop("slug", None), attrs["title"])
    attrs.setdefault("published", False)
    translations = attrs.pop("translations", None)
    attrs["languages"] = tuple(attrs.get("languages") or [attrs["default_language"]])
    event = Event(slug=slug, **attrs)
    _set_translations(event, translations)
    db.session.add(event)
    db.session.add(EventRole(user_id=user.id, event=event, role=EventRoleKind.ORGANIZER))
    try:
        db.session.flush()  # a slug taken in parallel fails here, inside the use case
    except IntegrityError as exc:
        raise Conflict(_("That short name was just taken; try again."),
                       fields={"slug": [_("Another event uses it.")]}) from exc
    return event


@use_case
def update_event(event: Event, values: Mapping[str, Any]) -> Event:
    """Change the fields given (the short name never changes)."""
    event = lock_event(event.id)
    attrs = event_values({k: v for k, v in values.items() if k != "slug"},
                       current_zone=event.timezone)
    _check_event(attrs, event)
    translations = attrs.pop("translations", None)
    if "languages" in attrs:
        attrs["languages"] = tuple(attrs["languages"])
    before = (event.default_language, event.title, event.description)
    for key, value in attrs.items():
        setattr(event, key, value)
    _set_translations(event, translations, before)
    if FREEING.intersection(attrs):
        # A capacity raised (or removed): the waiting list takes the places at once.
        from ..registration.placing import give_freed_places

        give_freed_places(event, utcnow())
    bump(event)
    return event


@use_case
def delete_event(event: Event) -> None:
    event = lock_event(event.id)
    db.session.delete(event)


@use_case
def publish_programme(event: Event) -> int:
    """Publish the event and all its draft sessions; returns how many sessions."""
    event = lock_event(event.id)
    n = rowcount(db.session.execute(
        sa.update(ProgrammeSession)
        .where(ProgrammeSession.event_id == event.id, ProgrammeSession.published.is_(False))
        .values(published=True).execution_options(synchronize_session=False)))
    event.published = True
    bump(event)
    return n or 0
