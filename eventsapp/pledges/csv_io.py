"""Pledges to and from CSV.

Export writes every field, one pledge a row, safe against spreadsheet formula injection.
Import reads the same columns (unknown ones are ignored), validates every row with the
same rules as the forms, reports errors by line, and imports nothing until the whole
file is clean.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..db_tx import begin_write
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..models import (
    Event,
    Person,
    Pledge,
    PledgeEntity,
    PledgeState,
    PledgingEntity,
    ProgrammeSession,
    SessionRole,
    User,
)
from . import services, vocab
from .reporting import activity_of

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
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_DANGEROUS):
        return "'" + text
    return text


def _unescape(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _entity_cell(pe: PledgeEntity) -> str:
    e = pe.entity
    return " | ".join([e.name, e.sector.value, e.country]).rstrip(" |")


def pledge_row(p: Pledge, private: bool = False) -> list[str]:
    lead = next((pe for pe in p.entities if pe.is_lead), p.entities[0] if p.entities else None)
    partners = [pe for pe in p.entities if pe is not lead]
    latest = p.reports[-1] if p.reports else None
    countries = [pl.name for pl in p.places if pl.name in vocab.COUNTRY_REGION]
    regions = [pl.region for pl in p.places if pl.name not in vocab.COUNTRY_REGION]
    values = {
        "id": p.id, "title": p.title, "description": p.description, "type": p.type.value,
        "amount_usd": p.amount_usd if p.amount_usd is not None else "",
        "focus_area": p.focus_area.value, "pillar": p.pillar,
        "entity_name": lead.entity.name if lead else "",
        "entity_sector": lead.entity.sector.value if lead else "",
        "entity_country": lead.entity.country if lead else "",
        "partners": "; ".join(_entity_cell(pe) for pe in partners),
        "countries": "; ".join(countries), "regions": "; ".join(regions),
        "targets_ldc": "yes" if p.targets_ldc else "no",
        "beneficiaries": "; ".join(b.group for b in p.beneficiaries),
        "sdgs": "; ".join(str(s.sdg) for s in sorted(p.sdgs, key=lambda s: s.sdg)),
        "target_year": p.target_year or "", "indicator": p.indicator,
        "event": p.event.slug if p.event else "",
        "session_id": p.session_id or "", "session": p.session.title if p.session else "",
        "announced_by": p.announced_by.name if p.announced_by else "",
        "announced_at": p.announced_at.isoformat() if p.announced_at else "",
        "published_at": p.published_at.isoformat() if p.published_at else "",
        "progress_status": p.progress_status.value if p.progress_status else "",
        "last_report_on": p.last_report_on.isoformat() if p.last_report_on else "",
        "latest_percent_complete": latest.percent_complete if latest else "",
        "latest_amount_disbursed_usd": (latest.amount_disbursed_usd
                                        if latest and latest.amount_disbursed_usd is not None else ""),
        "activity": activity_of(p) if p.state == PledgeState.PUBLISHED else "",
        "is_sample": "yes" if p.is_sample else "no",
        "state": p.state.value, "decline_reason": p.decline_reason,
        "submitted_by_email": p.submitted_by.email if p.submitted_by else "",
        "contact_email": p.contact_email,
        "created_at": p.created_at.isoformat() if p.created_at else "",
        "updated_at": p.updated_at.isoformat() if p.updated_at else "",
    }
    return [safe_cell(values[c]) for c in (PRIVATE_COLUMNS if private else PUBLIC_COLUMNS)]


def export_options():
    """Loader options so an export costs a fixed number of queries."""
    return (selectinload(Pledge.entities).selectinload(PledgeEntity.entity),
            selectinload(Pledge.places), selectinload(Pledge.beneficiaries),
            selectinload(Pledge.sdgs), selectinload(Pledge.reports),
            selectinload(Pledge.session), selectinload(Pledge.event),
            selectinload(Pledge.announced_by), selectinload(Pledge.submitted_by))


def export_csv(pledges: Iterable[Pledge], private: bool = False) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PRIVATE_COLUMNS if private else PUBLIC_COLUMNS)
    for p in pledges:
        writer.writerow(pledge_row(p, private))
    return out.getvalue()


# ---------------------------------------------------------------- import

@dataclass
class ImportRow:
    line: int
    data: services.PledgeInput
    state: PledgeState
    session_id: int | None = None
    announced_by_id: int | None = None
    announced_at: datetime | None = None


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    imported: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def parse_import(data: bytes, event: Event | None) -> ImportResult:
    """Validate a CSV file; nothing is written."""
    result = ImportResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.errors.append((1, "The file is not UTF-8 text: save it as 'CSV UTF-8' and try again."))
        return result
    if "\x00" in text:
        result.errors.append((1, "The file is not a CSV text file."))
        return result
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        result.errors.append((1, f"The file cannot be read as CSV: {exc}."))
        return result
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if not header:
        result.errors.append((1, "The file is empty."))
        return result
    if missing:
        result.errors.append((1, "Missing columns: " + ", ".join(missing)
                              + ". Download the export for the expected columns."))
        return result
    reader.fieldnames = header

    sessions: dict[int, ProgrammeSession] = {}
    people: dict[int, dict[str, int]] = {}  # session -> lower name / str id -> person id
    if event is not None:
        sessions = {s.id: s for s in db.session.scalars(
            sa.select(ProgrammeSession).where(ProgrammeSession.event_id == event.id))}
        for sid, pid, name in db.session.execute(
                sa.select(SessionRole.session_id, Person.id, Person.name)
                .join(Person, Person.id == SessionRole.person_id)
                .where(SessionRole.session_id.in_(list(sessions) or [-1]))):
            people.setdefault(sid, {}).update({name.strip().lower(): pid, str(pid): pid})
    existing = set()
    if event is not None:
        existing = {(t.lower(), n.lower()) for t, n in db.session.execute(
            sa.select(Pledge.title, PledgingEntity.name)
            .join(PledgeEntity, sa.and_(PledgeEntity.pledge_id == Pledge.id,
                                        PledgeEntity.is_lead.is_(True)))
            .join(PledgingEntity, PledgingEntity.id == PledgeEntity.entity_id)
            .where(Pledge.event_id == event.id))}
    seen: dict[tuple[str, str], int] = {}

    try:
        for raw in reader:
            line = reader.line_num
            if len(result.rows) + len(result.errors) >= MAX_ROWS:
                result.errors.append((line, f"At most {MAX_ROWS} pledges per file."))
                break
            if None in raw:
                result.errors.append((line, "This line has more cells than the header."))
                continue
            row = {k: _unescape((v or "").strip()) for k, v in raw.items() if k}
            if not any(row.values()):
                continue
            row_errors: list[str] = []
            try:
                data = services.clean_pledge(row)
            except ValidationFailed as exc:
                for key, messages in exc.fields.items():
                    row_errors.extend(f"{key}: {m}" for m in messages)
                data = None
            state_text = (row.get("state") or "published").lower()
            state = {"published": PledgeState.PUBLISHED,
                     "submitted": PledgeState.SUBMITTED}.get(state_text)
            if state is None:
                row_errors.append("state: Use published or submitted.")
            item = ImportRow(line, data, state or PledgeState.PUBLISHED)
            sid_text = row.get("session_id", "")
            if sid_text:
                if event is None:
                    row_errors.append("session_id: Import into an event to link sessions.")
                elif not sid_text.isdigit() or int(sid_text) not in sessions:
                    row_errors.append(f"session_id: Session {sid_text!s:.20} is not part of this event.")
                else:
                    item.session_id = int(sid_text)
                    who = (row.get("announced_by") or "").strip().lower()
                    session_people = people.get(item.session_id, {})
                    if who:
                        if who not in session_people:
                            row_errors.append("announced_by: The announcer must be one of the "
                                              "session's people.")
                        else:
                            item.announced_by_id = session_people[who]
                    if item.state != PledgeState.PUBLISHED:
                        row_errors.append("state: An announced pledge is published.")
            elif row.get("announced_by"):
                row_errors.append("announced_by: Give the session_id where it was announced.")
            if row.get("announced_at"):
                try:
                    when = datetime.fromisoformat(row["announced_at"])
                    if when.tzinfo is None:
                        when = when.replace(tzinfo=event.tz) if event else None
                    if when is None:
                        row_errors.append("announced_at: Give the time zone offset, "
                                          "e.g. 2022-06-07T15:30+02:00.")
                    item.announced_at = when
                except ValueError:
                    row_errors.append("announced_at: Give a date and time like 2022-06-07T15:30.")
            if data is not None:
                lead = next((e for e in data.entities if e.is_lead), None)
                key = (data.title.lower(), lead.name.lower() if lead else "")
                if key in existing:
                    row_errors.append("title: This entity's pledge with this title is already "
                                      "recorded for this event.")
                elif key in seen:
                    row_errors.append(f"title: The same pledge is on line {seen[key]}.")
                seen[key] = line
            if row_errors:
                result.errors.extend((line, m) for m in row_errors)
            else:
                result.rows.append(item)
    except csv.Error as exc:
        result.errors.append((reader.line_num, f"The file cannot be read as CSV: {exc}."))
    if not result.rows and not result.errors:
        result.errors.append((1, "The file has no pledges."))
    return result


@services.transactional
def import_pledges(actor: User, data: bytes, event: Event | None) -> ImportResult:
    """Validate, then (only if every line is clean) import every pledge in one transaction."""
    if event is None and not actor.is_admin:
        raise Forbidden("Only administrators import pledges not tied to an event.")
    result = parse_import(data, event)
    if not result.ok:
        return result
    begin_write()
    entities = services.resolve_entities(e for r in result.rows for e in r.data.entities)
    from ..models import utcnow

    now = utcnow()
    for r in result.rows:
        pledge = Pledge(state=r.state, event_id=event.id if event else None)
        db.session.add(pledge)
        services.apply_input(pledge, r.data, entities)
        if r.state == PledgeState.PUBLISHED:
            pledge.published_at = r.announced_at or now
            pledge.moderated_by_id = actor.id
            pledge.moderated_at = now
        if r.session_id:
            pledge.session_id = r.session_id
            pledge.announced_by_id = r.announced_by_id
            pledge.announced_at = r.announced_at or now
    db.session.commit()
    result.imported = len(result.rows)
    return result
