"""Pledges to and from CSV.

Export writes every field, one pledge a row, through the one CSV writer
(``eventsapp.csvout``: BOM, formula guard). Import reads the same columns back (unknown
ones are ignored): everything the export writes except what the target database assigns
itself (``id``, ``created_at``, ``updated_at``), what names another database's rows
(``event`` is the event imported into; ``session`` is the title of ``session_id``;
``submitted_by_email`` names an account) and what is derived (``activity``). It
validates every row with the same rules as the forms, reports errors by line, and
imports nothing until the whole file is clean.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import selectinload

from ..countries import country_name
from ..csvout import csv_text, read_text, unguard
from ..db_tx import transaction
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..guards import bad_text
from ..inputs import load
from ..instants import InvalidInstant, parse_iso
from ..models import (
    Event,
    Person,
    Pledge,
    PledgeEntity,
    PledgeReport,
    PledgeState,
    PledgingEntity,
    ProgrammeSession,
    ProgressStatus,
    SessionRole,
    User,
    utcnow,
)
from . import vocab
from .entities import apply_input, resolve_entities
from .reporting import activity_of
from .schemas import ModerationSchema, PledgeInput, ReportInput, load_pledge, load_report

PUBLIC_COLUMNS = [
    "id", "title", "description", "type", "amount_usd", "focus_area", "pillar",
    "entity_name", "entity_sector", "entity_country", "partners",
    "countries", "regions", "targets_ldc", "beneficiaries", "sdgs", "target_year", "indicator",
    "event", "session_id", "session", "announced_by", "announced_at", "published_at",
    "progress_status", "last_report_on", "latest_percent_complete",
    "latest_amount_disbursed_usd", "activity", "is_sample",
]
PRIVATE_COLUMNS = PUBLIC_COLUMNS + [
    "state", "decline_reason", "submitted_by_email", "contact_email", "created_at", "updated_at",
]
REQUIRED_COLUMNS = ["title", "type", "focus_area", "entity_name"]
MAX_ROWS = 10000


def _entity_cell(pe: PledgeEntity) -> str:
    e = pe.entity
    return f"{e.name} | {e.sector.value} | {country_name(e.country)}".rstrip(" |")


def _get(obj, *path: str):
    """``obj.a.b`` or None when any step is None (csvout.guard writes None as "")."""
    for name in path:
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def pledge_row(p: Pledge, private: bool = False) -> list:
    """The export's cells of one pledge, unguarded (``csv_text`` guards them; None is an
    empty cell, a boolean yes/no)."""
    lead = next((pe for pe in p.entities if pe.is_lead), p.entities[0] if p.entities else None)
    latest = p.reports[-1] if p.reports else None
    values = {
        "id": p.id, "title": p.title, "description": p.description, "type": p.type.value,
        "amount_usd": p.amount_usd, "focus_area": p.focus_area.value, "pillar": p.pillar,
        "entity_name": _get(lead, "entity", "name"),
        "entity_sector": _get(lead, "entity", "sector", "value"),
        "entity_country": country_name(_get(lead, "entity", "country")),
        "partners": "; ".join(_entity_cell(pe) for pe in p.entities if pe is not lead),
        # Countries by name: the import reads names back (inputs.Country) to the same code.
        "countries": "; ".join(country_name(pl.name) for pl in p.places
                               if pl.name in vocab.COUNTRY_REGION),
        "regions": "; ".join(pl.region for pl in p.places if pl.name not in vocab.COUNTRY_REGION),
        "targets_ldc": p.targets_ldc,
        "beneficiaries": "; ".join(b.group for b in p.beneficiaries),
        "sdgs": "; ".join(str(n) for n in sorted(s.sdg for s in p.sdgs)),
        "target_year": p.target_year, "indicator": p.indicator,
        "event": _get(p, "event", "slug"), "session_id": p.session_id,
        "session": _get(p, "session", "title"), "announced_by": _get(p, "announced_by", "name"),
        "announced_at": _iso(p.announced_at), "published_at": _iso(p.published_at),
        "progress_status": _get(p, "progress_status", "value"),
        "last_report_on": _iso(p.last_report_on),
        "latest_percent_complete": _get(latest, "percent_complete"),
        "latest_amount_disbursed_usd": _get(latest, "amount_disbursed_usd"),
        "activity": activity_of(p) if p.state == PledgeState.PUBLISHED else "",
        "is_sample": p.is_sample, "state": p.state.value, "decline_reason": p.decline_reason,
        "submitted_by_email": _get(p, "submitted_by", "email"),
        "contact_email": p.contact_email,
        "created_at": _iso(p.created_at), "updated_at": _iso(p.updated_at),
    }
    return [values[c] for c in (PRIVATE_COLUMNS if private else PUBLIC_COLUMNS)]


def export_options():
    """Loader options so an export costs a fixed number of queries."""
    return (selectinload(Pledge.entities).selectinload(PledgeEntity.entity),
            selectinload(Pledge.places), selectinload(Pledge.beneficiaries),
            selectinload(Pledge.sdgs), selectinload(Pledge.reports),
            selectinload(Pledge.session), selectinload(Pledge.event),
            selectinload(Pledge.announced_by), selectinload(Pledge.submitted_by))


def export_csv(pledges: Iterable[Pledge], private: bool = False) -> str:
    """CSV text of the pledges (with a BOM, formula-guarded) through eventsapp.csvout."""
    return csv_text(PRIVATE_COLUMNS if private else PUBLIC_COLUMNS,
                    (pledge_row(p, private) for p in pledges))


# ---------------------------------------------------------------- import
#
# The dry run IS the import: ``import_pledges(..., dry_run=True)`` runs every step,
# writes included (flushed row by row), inside one transaction that is then rolled back.
# So a file that passes the dry run cannot fail the import on a check the dry run skipped.

_STATES = {s.value: s for s in PledgeState}


@dataclass
class ImportRow:
    line: int
    data: PledgeInput | None  # None only on a line with errors, never imported
    state: PledgeState
    decline_reason: str = ""
    session_id: int | None = None
    announced_by_id: int | None = None
    announced_at: datetime | None = None
    published_at: datetime | None = None
    is_sample: bool = False
    report: ReportInput | None = None


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


@dataclass
class _Context:
    """What every row is checked against: the event's sessions and people, and the
    pledges already recorded for it (title + lead entity, case-insensitive)."""

    event: Event | None
    sessions: set[int] = field(default_factory=set)
    people: dict[int, dict[str, int]] = field(default_factory=dict)
    existing: set[tuple[str, str]] = field(default_factory=set)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)


def _read_header(data: bytes | str, result: ImportResult) -> csv.DictReader | None:
    text = read_text(data)
    if text is None:
        result.errors.append(
            (1, _("The file is not UTF-8 text: save it as 'CSV UTF-8' and try again.")))
        return None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        result.errors.append((1, _("The file cannot be read as CSV: %(error)s.", error=exc)))
        return None
    if not header:
        result.errors.append((1, _("The file is empty.")))
        return None
    bad = next((why for h in header if (why := bad_text(h))), None)
    if bad:
        result.errors.append((1, _("Header: %(problem)s", problem=bad)))
        return None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        result.errors.append((1, _("Missing columns: %(columns)s. Download the export for the "
                                   "expected columns.", columns=", ".join(missing))))
        return None
    reader.fieldnames = header
    return reader


def _context(event: Event | None) -> _Context:
    ctx = _Context(event)
    if event is None:
        return ctx
    ctx.sessions = set(db.session.scalars(
        sa.select(ProgrammeSession.id).where(ProgrammeSession.event_id == event.id)))
    for sid, pid, name in db.session.execute(
            sa.select(SessionRole.session_id, Person.id, Person.name)
            .join(Person, Person.id == SessionRole.person_id)
            .where(SessionRole.session_id.in_(list(ctx.sessions) or [-1]))):
        ctx.people.setdefault(sid, {}).update({name.strip().lower(): pid, str(pid): pid})
    ctx.existing = {(t.lower(), n.lower()) for t, n in db.session.execute(
        sa.select(Pledge.title, PledgingEntity.name)
        .join(PledgeEntity, sa.and_(PledgeEntity.pledge_id == Pledge.id,
                                    PledgeEntity.is_lead.is_(True)))
        .join(PledgingEntity, PledgingEntity.id == PledgeEntity.entity_id)
        .where(Pledge.event_id == event.id))}
    return ctx


def _cells(raw: dict, errors: list[str]) -> dict[str, str]:
    """The row's cells, formula guards undone; a cell that cannot be stored is an error."""
    row: dict[str, str] = {}
    for key, value in raw.items():
        if not key:
            continue
        text = (value or "").strip()
        why = bad_text(text)
        if why:
            errors.append(f"{key}: {why}")
            text = ""
        row[key] = unguard(text)
    return row


# The columns that make the pledge (the schema's input, in the flat shape).
PLEDGE_COLUMNS = ("title", "description", "type", "amount_usd", "focus_area", "pillar",
                  "entity_name", "entity_sector", "entity_country", "partners", "countries",
                  "regions", "targets_ldc", "beneficiaries", "sdgs", "target_year", "indicator",
                  "contact_email")


def _clean(row: dict[str, str], errors: list[str]) -> PledgeInput | None:
    try:
        return load_pledge({k: v for k, v in row.items() if k in PLEDGE_COLUMNS})
    except ValidationFailed as exc:
        for key, messages in exc.fields.items():
            errors.extend(f"{key}: {m}" for m in messages)
        return None


def parse_bool(value: str | None) -> bool | None:
    """A yes/no cell: True/False, or None when it is neither."""
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no", "n", "off"):
        return False
    if text in ("1", "true", "yes", "y", "on"):
        return True
    return None


def _instant(row: dict[str, str], key: str, event: Event | None,
             errors: list[str]) -> datetime | None:
    """An instant cell through eventsapp.instants (the one range and DST rule); without
    an offset it is the event's local time (UTC when not importing into an event)."""
    text = row.get(key, "")
    if not text:
        return None
    try:
        return parse_iso(text, event.timezone if event else "UTC")
    except InvalidInstant as exc:
        errors.append(f"{key}: {exc}")
        return None


def _state(row: dict[str, str], item: ImportRow, errors: list[str]) -> None:
    state = _STATES.get((row.get("state") or "published").lower())
    if state is None:
        errors.append("state: " + _("Use published, submitted or declined."))
        return
    item.state = state
    if state == PledgeState.DECLINED:  # the reason by the moderation's rule
        try:
            item.decline_reason = load(ModerationSchema(), {
                "action": "decline", "reason": row.get("decline_reason", "")})["reason"]
        except ValidationFailed as exc:
            errors.extend(f"decline_reason: {m}" for m in exc.fields.get("reason", []))


def _announcement(row: dict[str, str], item: ImportRow, ctx: _Context,
                  errors: list[str]) -> None:
    sid_text = row.get("session_id", "")
    if not sid_text:
        if row.get("announced_by"):
            errors.append("announced_by: " + _("Give the session_id where it was announced."))
        return
    if ctx.event is None:
        errors.append("session_id: " + _("Import into an event to link sessions."))
        return
    if not (sid_text.isdigit() and len(sid_text) < 12 and int(sid_text) in ctx.sessions):
        errors.append("session_id: " + _("Session %(id)s is not part of this event.",
                                          id=f"{sid_text!s:.20}"))
        return
    item.session_id = int(sid_text)
    who = (row.get("announced_by") or "").strip().lower()
    session_people = ctx.people.get(item.session_id, {})
    if who:
        if who not in session_people:
            errors.append("announced_by: "
                          + _("The announcer must be one of the session's people."))
        else:
            item.announced_by_id = session_people[who]
    if item.state != PledgeState.PUBLISHED:
        errors.append("state: " + _("An announced pledge is published."))


_REPORT_COLUMNS = {"progress_status": "status", "last_report_on": "reported_on",
                   "latest_percent_complete": "percent_complete",
                   "latest_amount_disbursed_usd": "amount_disbursed_usd"}


def _report(row: dict[str, str], item: ImportRow, errors: list[str]) -> None:
    """The export's latest-report columns become one progress report."""
    given = {field_: row[col] for col, field_ in _REPORT_COLUMNS.items() if row.get(col)}
    if not given:
        return
    if item.state != PledgeState.PUBLISHED:
        errors.append("progress_status: " + _("Progress is reported on published pledges only."))
        return
    if "reported_on" not in given:
        errors.append("last_report_on: " + _("Give the date of the latest progress report."))
        return
    try:
        item.report = load_report(given)
    except ValidationFailed as exc:
        back = {v: k for k, v in _REPORT_COLUMNS.items()}
        for key, messages in exc.fields.items():
            errors.extend(f"{back.get(key, key)}: {m}" for m in messages)


def _unique(data: PledgeInput, line: int, ctx: _Context, errors: list[str]) -> None:
    lead = next((e for e in data.entities if e.is_lead), None)
    key = (data.title.lower(), lead.name.lower() if lead else "")
    if key in ctx.existing:
        errors.append("title: " + _("This entity's pledge with this title is already recorded "
                                    "for this event."))
    elif key in ctx.seen:
        errors.append("title: " + _("The same pledge is on line %(num)s.", num=ctx.seen[key]))
    ctx.seen[key] = line


def _check_row(raw: dict, line: int, ctx: _Context) -> tuple[ImportRow | None, list[str]]:
    """One line checked by every rule the import applies; (row or None, errors)."""
    errors: list[str] = []
    row = _cells(raw, errors)
    if errors:  # a value that cannot be stored is the one thing to fix on this line
        return None, errors
    if not any(row.values()):
        return None, []
    data = _clean(row, errors)
    item = ImportRow(line, data, PledgeState.PUBLISHED)
    _state(row, item, errors)
    _announcement(row, item, ctx, errors)
    item.announced_at = _instant(row, "announced_at", ctx.event, errors)
    item.published_at = _instant(row, "published_at", ctx.event, errors)
    sample = parse_bool(row.get("is_sample"))
    if sample is None:
        errors.append("is_sample: " + _("Answer yes or no."))
    item.is_sample = bool(sample)
    _report(row, item, errors)
    if data is None:
        return None, errors
    _unique(data, line, ctx, errors)
    return item, errors


def parse_import(data: bytes | str, event: Event | None) -> ImportResult:
    """Check a CSV file line by line; nothing is written (the import's first step)."""
    result = ImportResult()
    reader = _read_header(data, result)
    if reader is None:
        return result
    ctx = _context(event)
    try:
        for raw in reader:
            line = reader.line_num
            if len(result.rows) + len(result.errors) >= MAX_ROWS:
                result.errors.append((line, ngettext("At most %(num)d pledge per file.",
                                                     "At most %(num)d pledges per file.",
                                                     MAX_ROWS)))
                break
            if None in raw:
                result.errors.append((line, _("This line has more cells than the header.")))
                continue
            item, errors = _check_row(raw, line, ctx)
            if errors:
                result.errors.extend((line, m) for m in errors)
            elif item is not None:
                result.rows.append(item)
    except csv.Error as exc:
        result.errors.append((reader.line_num,
                              _("The file cannot be read as CSV: %(error)s.", error=exc)))
    if not result.rows and not result.errors:
        result.errors.append((1, _("The file has no pledges.")))
    return result


def _write_row(r: ImportRow, actor: User, event: Event | None,
               entities: dict[str, PledgingEntity], now: datetime) -> None:
    pledge = Pledge(state=r.state, event_id=event.id if event else None,
                    is_sample=r.is_sample, decline_reason=r.decline_reason)
    db.session.add(pledge)
    if r.data is not None:
        apply_input(pledge, r.data, entities)
    if r.state != PledgeState.SUBMITTED:
        pledge.moderated_by_id = actor.id
        pledge.moderated_at = now
    if r.state == PledgeState.PUBLISHED:
        pledge.published_at = r.published_at or r.announced_at or now
    if r.session_id:
        pledge.session_id = r.session_id
        pledge.announced_by_id = r.announced_by_id
        pledge.announced_at = r.announced_at or now
    if r.report is not None:
        pledge.reports.append(PledgeReport(
            reported_on=r.report.reported_on, status=ProgressStatus(r.report.status),
            percent_complete=r.report.percent_complete,
            amount_disbursed_usd=r.report.amount_disbursed_usd, narrative=r.report.narrative,
            submitted_by_id=actor.id))
        pledge.last_report_on = r.report.reported_on
        pledge.progress_status = ProgressStatus(r.report.status)


def _write(result: ImportResult, actor: User, event: Event | None) -> None:
    """Insert the checked rows, flushing each: whatever the database still refuses
    becomes an error on that row's line (and ends the run) instead of a failed request."""
    entities = resolve_entities(e for r in result.rows if r.data for e in r.data.entities)
    now = utcnow()
    for r in result.rows:
        try:
            _write_row(r, actor, event, entities, now)
            db.session.flush()
        except (DBAPIError, OverflowError, UnicodeError) as exc:
            reason = type(getattr(exc, "orig", exc)).__name__
            result.errors.append((r.line, _("This pledge cannot be saved (%(reason)s).", reason=reason)))
            return  # the transaction is spoilt (PostgreSQL): it is rolled back


class _RollBack(Exception):
    """Ends a dry run (or a file with errors) so that the transaction is rolled back."""


def import_pledges(actor: User, data: bytes | str, event: Event | None, *,
                   dry_run: bool = False) -> ImportResult:
    """Check every line, then write every pledge in one transaction; with ``dry_run``
    (or any error) that transaction is rolled back, so nothing is imported."""
    if event is None and not actor.is_admin:
        raise Forbidden(_("Only administrators import pledges not tied to an event."))
    result = ImportResult()
    try:
        with transaction():
            result = parse_import(data, event)
            if result.ok:
                _write(result, actor, event)
            if dry_run or not result.ok:
                raise _RollBack
    except _RollBack:
        return result
    result.imported = len(result.rows)
    return result
