"""Bulk actions on a selection of registrants: approve, decline, change the category,
move to the other modality.

Each person is one use case of their own (the single-registration services: the
capacity, quota and mail rules hold for each), taken oldest first; a person refused
(not pending, no place, quota reached...) does not stop the others. The result says,
per person, done or refused and why.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import inputs
from ..errors import DomainError, ValidationFailed, _l
from ..extensions import db
from ..models import Category, Event, Modality, Registration, RegistrationStatus, User
from . import manage, organize
from .messaging import AT_MOST, MAX_SELECTION, check_ids
from .queries import Filters, registrant_query
from .schemas import FilterSchema, load

ACTIONS = ("approve", "decline", "category", "modality")


class SelectionSchema(Schema):
    """Who: the registrants with ``ids``, or those matching ``filters``."""

    ids = fields.List(inputs.Id(), load_default=None, validate=validate.Length(
        max=MAX_SELECTION, error=AT_MOST),
        metadata={"description": "Registration ids of the event (at most 1000)"})
    filters = fields.Nested(FilterSchema, load_default=None, metadata={
        "description": "The registrant list's filters; used when no ids are given"})

    @validates_schema
    def _one_of(self, data: dict[str, Any], **_kw: Any) -> None:
        if data.get("ids") is None and data.get("filters") is None:
            raise ValidationError(_("Tick some registrants, or choose all matching the "
                                    "filter."), field_name="ids")


class BulkActionSchema(SelectionSchema):
    """A bulk action: what to do, and the new value for a move."""

    action = fields.String(required=True, validate=validate.OneOf(
        ACTIONS, error=_l("Choose approve, decline, category or modality.")),
        error_messages={"required": _l("Choose an action.")})
    value = fields.String(load_default=None, metadata={
        "description": "The new category (category) or modality (modality)"})

    @validates_schema
    def _value(self, data: dict[str, Any], **_kw: Any) -> None:
        action = data.get("action")
        enum = {"category": Category, "modality": Modality}.get(action or "")
        if enum is None:
            return
        chosen = inputs.parse_choice(enum, data.get("value"))
        if chosen is None:
            raise ValidationError(_("Choose a category.") if enum is Category
                                  else _("Choose a modality."), field_name="value")
        data["value"] = chosen


@dataclass(frozen=True)
class Result:
    """One person's outcome: done (with their status now) or refused (with why)."""

    registration_id: int
    name: str
    done: bool
    status: str
    reason: str
    code: str

    @property
    def status_label(self) -> str:
        return str(RegistrationStatus(self.status).label) if self.status else ""


def selection(event: Event, *, ids: Sequence[int] | None = None,
              filters: Filters | None = None) -> list[int]:
    """The ids to act on, oldest registration first: ``ids`` as given (those not of the
    event are kept, to be reported as not found) or the registrants matching
    ``filters``; at most ``MAX_SELECTION`` (ValidationFailed beyond)."""
    if ids is not None:
        wanted = check_ids(ids)
        known = list(db.session.scalars(
            sa.select(Registration.id).where(Registration.event_id == event.id,
                                             Registration.id.in_(wanted))
            .order_by(Registration.created_at, Registration.id)))
        return known + [i for i in wanted if i not in set(known)]
    q = registrant_query(event, filters or Filters()).with_only_columns(Registration.id)
    found = list(db.session.scalars(q.limit(MAX_SELECTION + 1)))
    if len(found) > MAX_SELECTION:
        message = ngettext("More than %(num)s registrant matches: narrow the filter.",
                           "More than %(num)s registrants match: narrow the filter.",
                           MAX_SELECTION)
        raise ValidationFailed(message, fields={"filters": [message]})
    return found


def _names(event: Event, ids: Sequence[int]) -> dict[int, str]:
    rows = db.session.execute(sa.select(Registration.id, Registration.name).where(
        Registration.event_id == event.id, Registration.id.in_(list(ids))))
    return {rid: name for rid, name in rows}


def _step(event: Event, action: str, value: Any, actor: User) -> Callable[[int], Registration]:
    if action == "approve":
        return lambda rid: organize.approve(event, rid, actor)
    if action == "decline":
        return lambda rid: organize.decline(event, rid, actor)
    if action == "category":
        return lambda rid: organize.change_category(event, rid, value)
    return lambda rid: manage.switch_modality(rid, value)


def apply(event: Event, actor: User, action: str, value: Any, ids: Sequence[int]) -> list[Result]:
    """Do ``action`` to each of ``ids`` (from ``selection``), each in its own
    transaction; one result per id, in order."""
    names = _names(event, ids)
    step = _step(event, action, value, actor)
    results = []
    for rid in ids:
        if rid not in names:
            results.append(Result(rid, "", False, "", _("No such registration."), "not_found"))
            continue
        try:
            reg = step(rid)
        except DomainError as exc:
            status = db.session.scalar(sa.select(Registration.status).where(
                Registration.id == rid))
            results.append(Result(rid, names[rid], False, status.value if status else "",
                                  exc.message, exc.code or "refused"))
        else:
            results.append(Result(rid, names[rid], True, reg.status.value, "", "done"))
    return results


@dataclass(frozen=True)
class Planned:
    """A loaded bulk action and the ids it will act on, in order."""

    action: str
    value: Any
    ids: list[int]


def prepare(event: Event, raw: dict[str, Any]) -> Planned:
    """Load a bulk action (``BulkActionSchema``) and select its registrants; nothing
    is written (the page asks for confirmation with the count)."""
    data = load(BulkActionSchema(), raw)
    filters = Filters.from_loaded(data["filters"]) if data.get("filters") is not None else None
    return Planned(data["action"], data.get("value"),
                   selection(event, ids=data.get("ids"), filters=filters))


def run(event: Event, actor: User, raw: dict[str, Any]) -> list[Result]:
    """``prepare`` then ``apply`` (the API: its callers decided before they called)."""
    planned = prepare(event, raw)
    return apply(event, actor, planned.action, planned.value, planned.ids)
