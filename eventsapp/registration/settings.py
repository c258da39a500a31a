"""An event's registration settings: the window, approval and public categories,
capacities, the waiting list's promotion (at once, or as an offer to accept in time),
online roles, the privacy notice and letters of invitation for visas. One schema for the
organizers' page and the API (GET/PATCH /api/v1/events/<slug>/registration-settings),
one use case to change them.

Raising a capacity (here, on the event form or through the event API) gives the freed
places to the waiting list in the same transaction (``placing.give_freed_places``).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_load, validate

from .. import inputs
from ..db_tx import lock_event, use_case
from ..errors import ValidationFailed
from ..i18n import N_
from ..models import Category, Event, Modality, PromotionMode, Registration, utcnow
from .placing import give_freed_places
from .schemas import load

PRIVACY_MAX = 5000
VISA_LINE_MAX = 200
VISA_LINES = ("visa_organizer", "visa_signatory_name", "visa_signatory_title")
OFFER_HOURS_MAX = 720  # 30 days
CAPACITY_MAX = 10_000_000  # as the event form's
WINDOW = ("registration_opens_at", "registration_closes_at")
NULLABLE = (*WINDOW, "capacity_in_person", "capacity_online")
CATEGORY_SETS = ("approval_categories", "public_categories")
# Changes after which the waiting list may have places to take.
FREEING = ("capacity_in_person", "capacity_online")


UNKNOWN_CATEGORY = N_("Unknown category. Use one of: %(allowed)s.")
UNKNOWN_PROMOTION = N_("Unknown way to give places from the waiting list. Use one of: %(allowed)s.")


def _categories(**kwargs: Any) -> fields.List:
    return fields.List(inputs.Choice(Category, unknown=UNKNOWN_CATEGORY), **kwargs)


class RegistrationSettingsSchema(Schema):
    """The registration settings of an event (instants without an offset are local to
    the event's zone)."""

    registration_opens_at = inputs.Instant(allow_none=True, metadata={
        "description": "When registration opens (event-local without an offset); null: "
                       "as soon as the event is published."})
    registration_closes_at = inputs.Instant(allow_none=True, metadata={
        "description": "When registration closes (after it opens); null: when the event ends."})
    approval_categories = _categories(metadata={
        "description": "Categories whose registrations wait for an organizer's approval."})
    public_categories = _categories(
        validate=validate.Length(min=1, error=_l("Offer at least one category to the public.")),
        metadata={"description": "Categories a member of the public may choose when "
                                 "registering; organizers register the others."})
    capacity_in_person = inputs.Count(max=CAPACITY_MAX, allow_none=True,
                                      metadata={"description": "null: no limit"})
    capacity_online = inputs.Count(max=CAPACITY_MAX, allow_none=True,
                                   metadata={"description": "null: no limit"})
    waitlist_promotion = inputs.Choice(PromotionMode, unknown=UNKNOWN_PROMOTION,
                                       metadata={"description": "immediate: a freed place is "
                                                 "given at once; offer: offered, to accept "
                                                 "within offer_hours."})
    offer_hours = inputs.Count(min=1, max=OFFER_HOURS_MAX, metadata={
        "description": "Hours a person has to accept an offered place (at most until the "
                       "event starts)."})
    online_roles = fields.Boolean(metadata={
        "description": "Online registrants are online speakers (category speaker) or viewers."})
    privacy_notice = inputs.Text(max_length=PRIVACY_MAX, metadata={
        "description": "Shown next to the consent on the registration form, as written."})
    visa_letters = fields.Boolean(metadata={
        "description": "Confirmed in-person registrants may ask for a letter of invitation "
                       "for a visa."})
    visa_organizer = inputs.Line(max_length=VISA_LINE_MAX, metadata={
        "description": "The organization whose letterhead the letters are on."})
    visa_signatory_name = inputs.Line(max_length=VISA_LINE_MAX, metadata={
        "description": "Who signs the letters."})
    visa_signatory_title = inputs.Line(max_length=VISA_LINE_MAX, metadata={
        "description": "The signatory's title."})

    @pre_load
    def _blank_is_none(self, data: Any, **kwargs: Any) -> Any:
        """A blank date or capacity is "none" (open now, no limit)."""
        if not isinstance(data, Mapping):
            return data
        return {k: (None if k in NULLABLE and isinstance(v, str) and not v.strip() else v)
                for k, v in data.items()}


class RegistrationSettingsPatch(RegistrationSettingsSchema, inputs.PatchSchema):
    """Any subset of the registration settings, at least one."""


def ordered(categories: Iterable[Category]) -> list[Category]:
    """Categories in the vocabulary's order (sets have none)."""
    chosen = set(categories)
    return [c for c in Category if c in chosen]


def settings_values(event: Event, values: Mapping[str, Any], *,
                    partial: bool) -> dict[str, Any]:
    """Validated settings (only those given; ``partial``: at least one), instants in
    UTC, category lists as sets; every problem at once as ValidationFailed."""
    schema = RegistrationSettingsPatch() if partial else RegistrationSettingsSchema()
    try:
        loaded = load(schema, values)
    except ValidationFailed as exc:
        # A bad item of a list ("public_categories.1") is the list's error: the page
        # shows it next to its checkboxes.
        merged: dict[str, list[str]] = {}
        for key, messages in exc.fields.items():
            merged.setdefault(key.split(".")[0], []).extend(messages)
        raise ValidationFailed(exc.message, fields=merged) from None
    data = inputs.to_utc(loaded, event.timezone, WINDOW)
    for key in CATEGORY_SETS:
        if key in data:
            data[key] = frozenset(data[key])
    opens = data["registration_opens_at"] if "registration_opens_at" in data \
        else event.registration_opens_at
    closes = data["registration_closes_at"] if "registration_closes_at" in data \
        else event.registration_closes_at
    if opens is not None and closes is not None and closes <= opens:
        raise ValidationFailed(_("Registration closes before it opens."),
                               fields={"registration_closes_at": [_("Must be after the opening.")]})
    return data


@use_case
def update_settings(event: Event, values: Mapping[str, Any], *, partial: bool = False,
                    now: datetime | None = None) -> tuple[Event, list[Registration]]:
    """Change an event's registration settings (the organizers' page sends them all,
    the API any of them). Returns the event and the people promoted from the waiting
    list because a capacity went up (they are mailed in the same transaction)."""
    event = lock_event(event.id)
    data = settings_values(event, values, partial=partial)
    for key, value in data.items():
        setattr(event, key, value)
    promoted: list[Registration] = []
    if any(key in data for key in FREEING):
        promoted = give_freed_places(event, now or utcnow())
    return event, promoted


def settings_view(event: Event) -> dict[str, Any]:
    """The settings as the API shows them (instants in the event's zone)."""
    def local(when: datetime | None) -> str | None:
        return None if when is None else event.local(when).isoformat()

    return {
        "timezone": event.timezone,
        "registration_opens_at": local(event.registration_opens_at),
        "registration_closes_at": local(event.registration_closes_at),
        "approval_categories": [c.value for c in ordered(event.approval_categories)],
        "public_categories": [c.value for c in ordered(event.public_categories)],
        "capacity_in_person": event.capacity_in_person,
        "capacity_online": event.capacity_online,
        "waitlist_promotion": event.waitlist_promotion.value,
        "offer_hours": event.offer_hours,
        "online_roles": event.online_roles,
        "privacy_notice": event.privacy_notice,
        "visa_letters": event.visa_letters,
        "visa_organizer": event.visa_organizer,
        "visa_signatory_name": event.visa_signatory_name,
        "visa_signatory_title": event.visa_signatory_title,
    }


def settings_from_form(form: Any) -> dict[str, Any]:
    """The settings page's fields (a ``request.form``) in the schema's shape: ticked
    checkboxes as lists (none ticked: an empty list), the switch as a boolean."""
    out: dict[str, Any] = {k: form.get(k) for k in (
        *WINDOW, "capacity_in_person", "capacity_online", "waitlist_promotion", "offer_hours",
        "privacy_notice", *VISA_LINES) if k in form}
    for key in CATEGORY_SETS:
        out[key] = form.getlist(key)
    out["online_roles"] = form.get("online_roles") in ("y", "on", "1", "true")
    out["visa_letters"] = form.get("visa_letters") in ("y", "on", "1", "true")
    return out


def online_role(event: Event, reg: Registration) -> str | None:
    """"Online speaker" or "Viewer" for an online registrant of an event that tells
    them apart (``Event.online_roles``); None otherwise."""
    if not event.online_roles or reg.modality is not Modality.ONLINE:
        return None
    return _("Online speaker") if reg.category is Category.SPEAKER else _("Viewer")
