"""Use cases of people (speaker profiles, shared across events) and their photos."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..db_tx import transaction
from ..errors import Conflict, Forbidden, ValidationFailed
from ..extensions import db
from ..models import Person, User
from ..permissions import PersonNeed, can_create_events, load_person
from . import photos
from .changes import bump_events_of_person
from .queries import duplicates_of
from .schemas import person_values


def _link_account(person: Person, email: str | None) -> None:
    from ..auth.services import find_user_by_email

    if not email:
        person.user_id = None
        return
    user = find_user_by_email(email)
    if user is None:
        raise ValidationFailed(_("No account uses that email address."),
                               fields={"account_email": [_("No account uses this email. Ask the "
                                                            "speaker to sign up first.")]})
    other = db.session.scalar(sa.select(Person.id).where(Person.user_id == user.id,
                                                         Person.id != (person.id or -1)))
    if other is not None:
        # The other profile may be another event's speaker: not named here.
        raise ValidationFailed(_("That account is already linked to another speaker profile."),
                               fields={"account_email": [_("Already linked to another profile.")]})
    person.user_id = user.id


def _refuse_duplicate(user: User, attrs: dict) -> None:
    dups = duplicates_of(attrs["name"], attrs.get("organization", ""), user=user)
    if dups:
        raise Conflict(
            _("%(name)s (%(organization)s) already exists: add that person instead, or "
              "confirm that this is someone else.", name=dups[0].name,
              organization=dups[0].organization or _("no organization")),
            code="duplicate_person",
            fields={"name": [_("Same name and organization as person #%(id)s.", id=dups[0].id)]})


def create_person(user: User, values: Mapping[str, Any], *, photo: bytes | None = None,
                  allow_duplicate: bool = False) -> Person:
    """A new speaker profile (values in PersonSchema's shape). Same name and
    organization as someone else: Conflict (code ``duplicate_person``) unless
    ``allow_duplicate``."""
    if not can_create_events(user):
        raise Forbidden(_("Only organizers add people."))
    attrs = person_values(values)  # before the photo is stored: bad input stores nothing
    stored = photos.store(photos.clean_image(photo)) if photo is not None else None
    try:
        with transaction():
            email = attrs.pop("account_email", None)
            if not allow_duplicate:
                _refuse_duplicate(user, attrs)
            person = Person(created_by_id=user.id, photo_filename=stored, **attrs)
            if email:
                _link_account(person, email)
            db.session.add(person)
            _flush_person()
    except Exception:
        photos.remove(stored)  # the profile was not saved: neither is its photo
        raise
    return person


def _flush_person() -> None:
    """Write the profile now, inside the use case: an account linked in parallel to
    another profile fails here with a clear message."""
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_("That account was just linked to another speaker profile."),
                       fields={"account_email": [_("Already linked.")]}) from exc


def update_person(user: User, person_id: int, values: Mapping[str, Any], *,
                  photo: bytes | None = None, remove_photo: bool = False) -> Person:
    """Change the fields given, and the photo."""
    attrs = person_values(values, partial=True)
    stored = photos.store(photos.clean_image(photo)) if photo is not None else None
    try:
        with transaction():
            person = load_person_for(user, person_id)
            link = "account_email" in attrs
            email = attrs.pop("account_email", None)
            for key, value in attrs.items():
                setattr(person, key, value)
            if link:
                _link_account(person, email)
            old = person.photo_filename
            if stored is not None:
                person.photo_filename = stored
            elif remove_photo:
                person.photo_filename = None
            new = person.photo_filename
            bump_events_of_person(person.id)
            _flush_person()
    except Exception:
        photos.remove(stored)
        raise
    if old and old != new:
        photos.remove(old)  # only once the new state is committed
    return person


def load_person_for(user: User, person_id: int) -> Person:
    return load_person(user, person_id, PersonNeed.EDIT)


def delete_person(user: User, person_id: int) -> None:
    with transaction():
        person = load_person_for(user, person_id)
        bump_events_of_person(person.id)
        old = person.photo_filename
        db.session.delete(person)
    photos.remove(old)
