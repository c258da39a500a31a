"""An event's organizations, their focal points and their delegations, as organizers
manage and see them (the focal points' own use cases are in ``delegations``).

Every change takes the event lock (``db_tx.lock_event``): quota decisions are made under
it (``quota``), so they always read an organization's quotas and focal points as
committed, never halfway through a change.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import inputs
from ..csvout import csv_text, read_text, unguard
from ..db_tx import lock_event, use_case
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..guards import bad_text
from ..models import (
    Event,
    FocalPoint,
    Organization,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    User,
)
from . import mails
from .organization_schemas import (
    FocalPointSchema,
    OrganizationPatch,
    OrganizationSchema,
    check_organization,
)
from .quota import QuotaCounts, quota_counts

FIELDS = ("name", "kind", "country", "max_registrations", "max_in_room")
CSV_COLUMNS = FIELDS
IMPORT_MAX_ROWS = 2000


# ------------------------------------------------------------------ reading


def event_organizations(event: Event) -> list[Organization]:
    """The event's organizations by name, with their focal points' accounts loaded."""
    return list(db.session.scalars(
        sa.select(Organization).where(Organization.event_id == event.id)
        .options(selectinload(Organization.focal_points).selectinload(FocalPoint.user))
        .order_by(sa.func.lower(Organization.name), Organization.id)))


def organization_choices(event: Event) -> list[tuple[str, str]]:
    """(id, name) of the event's organizations, for the registration form's select."""
    rows = db.session.execute(
        sa.select(Organization.id, Organization.name).where(Organization.event_id == event.id)
        .order_by(sa.func.lower(Organization.name), Organization.id))
    return [(str(org_id), name) for org_id, name in rows]


def organization_in(event: Event, org_id: int) -> Organization:
    """The event's organization ``org_id`` (read afresh), or NotFound."""
    org = db.session.scalar(
        sa.select(Organization).where(Organization.id == org_id, Organization.event_id == event.id)
        .options(selectinload(Organization.focal_points).selectinload(FocalPoint.user))
        .execution_options(populate_existing=True))
    if org is None:
        raise NotFound(_("No such organization."))
    return org


@dataclass
class Delegation:
    """An organization with its registrations (newest last) and its quota counts."""

    organization: Organization
    registrations: list[Registration] = field(default_factory=list)
    counts: QuotaCounts = field(default_factory=QuotaCounts)
    # {registration id: the documents it sent} (the Documents column's links)
    documents: dict[int, list[RegistrationAnswer]] = field(default_factory=dict)


def delegations_of(organizations: list[Organization]) -> list[Delegation]:
    """Each organization with its registrations, counts and documents (three queries)."""
    ids = [org.id for org in organizations]
    regs: dict[int, list[Registration]] = {i: [] for i in ids}
    if ids:
        for reg in db.session.scalars(
                sa.select(Registration).where(Registration.organization_id.in_(ids))
                .order_by(Registration.created_at, Registration.id)):
            regs[reg.organization_id or 0].append(reg)
    counts = quota_counts(ids)
    docs = documents_of([reg.id for found in regs.values() for reg in found])
    return [Delegation(org, regs[org.id], counts[org.id],
                       {reg.id: docs[reg.id] for reg in regs[org.id] if docs.get(reg.id)})
            for org in organizations]


def documents_of(registration_ids: list[int]) -> dict[int, list[RegistrationAnswer]]:
    """{registration id: its answers that hold a document, in question order} (one query)."""
    out: dict[int, list[RegistrationAnswer]] = {}
    if not registration_ids:
        return out
    for answer in db.session.scalars(
            sa.select(RegistrationAnswer).join(RegistrationQuestion,
                                               RegistrationQuestion.id == RegistrationAnswer.question_id)
            .where(RegistrationAnswer.registration_id.in_(registration_ids),
                   RegistrationAnswer.file_key.is_not(None))
            .order_by(RegistrationQuestion.position, RegistrationQuestion.id)):
        out.setdefault(answer.registration_id, []).append(answer)
    return out


def event_delegations(event: Event) -> list[Delegation]:
    """Every organization of the event as a delegation."""
    return delegations_of(event_organizations(event))


def focal_delegations(user: User) -> list[Delegation]:
    """The delegations ``user`` is a focal point of, by event (soonest first) and name:
    of published events only (a focal point has nothing to do on a draft)."""
    orgs = list(db.session.scalars(
        sa.select(Organization)
        .join(FocalPoint, FocalPoint.organization_id == Organization.id)
        .join(Event, Event.id == Organization.event_id)
        .where(FocalPoint.user_id == user.id, Event.published.is_(True))
        .options(selectinload(Organization.event))
        .order_by(Event.starts_at, Event.id, sa.func.lower(Organization.name), Organization.id)))
    return delegations_of(orgs)


def unaffiliated_count(event: Event) -> int:
    """Registrations of the event made on behalf of no listed organization."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.organization_id.is_(None))) or 0


# ------------------------------------------------------------------ organizations


def _name_taken(event_id: int, name: str, exclude_id: int | None = None) -> None:
    q = sa.select(Organization.id).where(Organization.event_id == event_id,
                                         sa.func.lower(Organization.name) == name.lower())
    if exclude_id is not None:
        q = q.where(Organization.id != exclude_id)
    if db.session.scalar(q.limit(1)) is not None:
        message = _("The event already has an organization of this name.")
        raise Conflict(message, fields={"name": [message]}, code="duplicate")


@use_case
def create_organization(event: Event, raw: Mapping[str, Any]) -> Organization:
    """Add an organization to the event (its name unique in the event, any case)."""
    values = inputs.load(OrganizationSchema(), _input(raw))
    check_organization(values)
    lock_event(event.id)
    _name_taken(event.id, values["name"])
    org = Organization(event_id=event.id, **values)
    db.session.add(org)
    db.session.flush()
    return org


@use_case
def update_organization(event: Event, org_id: int, raw: Mapping[str, Any]) -> Organization:
    """Change any of an organization's fields (its quotas apply to later decisions:
    delegates approved already stay approved)."""
    changes = inputs.load(OrganizationPatch(), _input(raw), partial=True)
    lock_event(event.id)
    org = organization_in(event, org_id)
    merged = {key: getattr(org, key) for key in FIELDS} | changes
    check_organization(merged)
    if "name" in changes and changes["name"] != org.name:
        _name_taken(event.id, changes["name"], exclude_id=org.id)
    for key, value in changes.items():
        setattr(org, key, value)
    db.session.flush()
    return org


@use_case
def delete_organization(event: Event, org_id: int) -> None:
    """Delete an organization and its focal points; its registrations stay, on behalf of
    no organization (those pending are then the organizers' to decide)."""
    lock_event(event.id)
    org = organization_in(event, org_id)
    db.session.execute(sa.update(Registration).where(Registration.organization_id == org.id)
                       .values(organization_id=None))
    db.session.delete(org)


def _input(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Loaded values (enum members) back in their input shape, so every caller's input
    goes through the schema here."""
    return {k: getattr(v, "value", v) for k, v in raw.items()}


# ------------------------------------------------------------------ focal points


@use_case
def add_focal_point(event: Event, org_id: int, raw: Mapping[str, Any]) -> FocalPoint:
    """Designate the account with this address as a focal point of the organization; the
    person is told by mail, in their language, with the link to "My delegations"."""
    email = inputs.load(FocalPointSchema(), raw)["email"]
    lock_event(event.id)
    org = organization_in(event, org_id)
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        message = _("No account uses this address. Ask the person to sign up first, then "
                    "designate them.")
        raise ValidationFailed(message, fields={"email": [message]})
    if any(fp.user_id == user.id for fp in org.focal_points):
        message = _("This account is already a focal point of the organization.")
        raise Conflict(message, fields={"email": [message]}, code="duplicate")
    fp = FocalPoint(organization_id=org.id, user_id=user.id)
    db.session.add(fp)
    db.session.flush()
    mails.send_focal_point_designated(user, org, event)  # committed with the designation
    return fp


@use_case
def remove_focal_point(event: Event, org_id: int, focal_point_id: int) -> None:
    """The account stops being a focal point of the organization."""
    lock_event(event.id)
    org = organization_in(event, org_id)
    fp = next((fp for fp in org.focal_points if fp.id == focal_point_id), None)
    if fp is None:
        raise NotFound(_("No such focal point."))
    db.session.delete(fp)


# ------------------------------------------------------------------ CSV


def export_csv(event: Event) -> str:
    """The event's organizations as CSV (the columns the import reads)."""
    return csv_text(CSV_COLUMNS, ([org.name, org.kind.value, org.country, org.max_registrations,
                                   org.max_in_room] for org in event_organizations(event)))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


def import_csv(event: Event, data: bytes | str) -> ImportResult:
    """Organizations from CSV (the export's columns; ``name`` and ``kind`` required).
    A row whose name exists in the event updates that organization. All or nothing:
    with any error, nothing is written and every error is reported with its line."""
    result = ImportResult()
    rows = _read_rows(data, result)
    if rows is None or result.errors:
        return result
    try:
        return _import(event, rows)
    except _RowErrors as exc:
        result.errors = exc.errors
        return result


class _RowErrors(Exception):
    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__("rows refused")
        self.errors = errors


def _read_rows(data: bytes | str, result: ImportResult) -> list[tuple[int, dict[str, str]]] | None:
    text = read_text(data)
    if text is None:
        result.errors.append((1, _("The file is not UTF-8 text: save it as 'CSV UTF-8' and "
                                   "try again.")))
        return None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        if not header:
            result.errors.append((1, _("The file is empty.")))
            return None
        bad = next((why for h in header if (why := bad_text(h))), None)
        missing = [c for c in ("name", "kind") if c not in header]
        if bad or missing:
            result.errors.append((1, _("Header: %(problem)s", problem=bad) if bad else
                                  _("Missing columns: %(columns)s. Download the export for the "
                                    "expected columns.", columns=", ".join(missing))))
            return None
        reader.fieldnames = header
        rows: list[tuple[int, dict[str, str]]] = []
        for row in reader:
            if len(rows) >= IMPORT_MAX_ROWS:
                result.errors.append((reader.line_num, _("At most %(num)d rows per import.",
                                                         num=IMPORT_MAX_ROWS)))
                return None
            rows.append((reader.line_num, {k: unguard((v or "").strip()) for k, v in row.items()
                                           if k in CSV_COLUMNS and isinstance(v, str)}))
    except csv.Error as exc:
        result.errors.append((1, _("The file cannot be read as CSV: %(error)s.", error=exc)))
        return None
    return rows


@use_case
def _import(event: Event, rows: list[tuple[int, dict[str, str]]]) -> ImportResult:
    lock_event(event.id)
    result = ImportResult()
    errors: list[tuple[int, str]] = []
    existing = {org.name.lower(): org for org in event_organizations(event)}
    seen: set[str] = set()
    for line, row in rows:
        try:
            values = inputs.load(OrganizationSchema(), row)
            check_organization(values)
        except ValidationFailed as exc:
            errors.extend((line, f"{key}: {msg}") for key, msgs in exc.fields.items()
                          for msg in msgs)
            continue
        key = values["name"].lower()
        if key in seen:
            errors.append((line, _("This organization is listed twice in the file.")))
            continue
        seen.add(key)
        org = existing.get(key)
        if org is None:
            db.session.add(Organization(event_id=event.id, **values))
            result.created += 1
        else:
            for name, value in values.items():
                setattr(org, name, value)
            result.updated += 1
    if errors:
        raise _RowErrors(errors)  # rolls the whole import back
    db.session.flush()
    return result
