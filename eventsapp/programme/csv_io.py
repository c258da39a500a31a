"""The programme as CSV: export, and parsing an upload into an import plan.

Columns (header row required, in any order): date, start, end, room, type, number,
title, description, people. ``date`` is YYYY-MM-DD and ``start``/``end`` HH:MM, local
time in the event's zone; ``people`` is ``Name (Organization) [role]; ...``.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext

from ..csvout import csv_text, read_text, unguard
from .importing import ImportPlan, format_people, parse_people, planned_session
from .timeconv import InvalidInstant, local_to_utc

COLUMNS = ["date", "start", "end", "room", "type", "number", "title", "description", "people"]
REQUIRED = {"date", "start", "end", "type", "title"}
MAX_ROWS = 5000


def export_csv(sessions, zone: str) -> str:
    """Sessions as CSV in the event's local time (re-imports to the same programme);
    written by the one CSV writer (BOM, formula guard)."""
    tz = ZoneInfo(zone)

    def rows():
        for s in sessions:
            start, end = s.starts_at.astimezone(tz), s.ends_at.astimezone(tz)
            yield [start.strftime("%Y-%m-%d"), start.strftime("%H:%M"), end.strftime("%H:%M"),
                   s.room.name if s.room else "", s.type.value, s.number or "", s.title,
                   s.description or "", format_people(s)]

    return csv_text(COLUMNS, rows())


def _time(text: str) -> time:
    return datetime.strptime(text.strip(), "%H:%M").time()


def _reader(text: str, plan: ImportPlan) -> tuple[list[str], list] | None:
    """(header, [(line, cells)]) of the text, or None with the problem noted."""
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096],
                                                                      delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (csv.Error, StopIteration):
        plan.problem(1, _("The first line must name the columns."))
        return None
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in COLUMNS if c not in header and c in REQUIRED]
    dupes = sorted({h for h in header if header.count(h) > 1})
    if unknown or missing or dupes:
        _header_problems(unknown, missing, dupes, plan)
        return None
    rows = []  # (line where the record starts, values): quoted cells may span lines
    try:
        last = reader.line_num
        for row in reader:
            rows.append((last + 1, row))
            last = reader.line_num
    except csv.Error as exc:
        plan.problem(reader.line_num, _("The CSV cannot be read: %(error)s.", error=exc))
        return None
    if len(rows) > MAX_ROWS:
        plan.problem(1, _("Too many rows (at most %(num)d).", num=MAX_ROWS))
        return None
    return header, rows


def parse_csv(data: bytes | str, zone: str) -> ImportPlan:
    """Read an upload; every problem is recorded with its line number."""
    plan = ImportPlan()
    text = read_text(data)
    if text is None:
        plan.problem(1, _("The file is not UTF-8 text."))
        return plan
    if not text.strip():
        plan.problem(1, _("The file is empty."))
        return plan
    read = _reader(text, plan)
    if read is None:
        return plan
    header, rows = read
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            plan.problem(line, _("%(values)s where the header has %(columns)s.",
                                  values=ngettext("%(num)d value", "%(num)d values", len(row)),
                                  columns=ngettext("%(num)d column", "%(num)d columns",
                                                   len(header))))
            continue
        _row(dict(zip(header, (unguard(c.strip()) for c in row), strict=True)), line, zone, plan)
    if not plan.sessions and not plan.problems:
        plan.problem(2, _("The file has no sessions."))
    return plan


def _header_problems(unknown: list[str], missing: list[str], dupes: list[str],
                     plan: ImportPlan) -> None:
    if unknown:
        plan.problem(1, _("unknown column(s): %(columns)s.", columns=", ".join(unknown)))
    if missing:
        plan.problem(1, _("missing column(s): %(columns)s.", columns=", ".join(missing)))
    if dupes:
        plan.problem(1, _("column(s) named twice: %(columns)s.", columns=", ".join(dupes)))
    plan.problem(1, _("The columns are: %(columns)s.", columns=", ".join(COLUMNS)))


def _instants(r: dict, line: int, zone: str,
              plan: ImportPlan) -> tuple[datetime | None, datetime | None]:
    """(start, end) in UTC from the date, start and end cells; None where a problem was
    noted."""
    day = None
    try:
        day = date.fromisoformat(r.get("date", ""))
    except ValueError:
        plan.problem(line, "date: " + _("“%(value)s” is not a date like 2024-06-07.",
                                           value=r.get("date", "")))
    times = {}
    for key in ("start", "end"):
        try:
            times[key] = _time(r.get(key, ""))
        except ValueError:
            plan.problem(line, f"{key}: " + _("“%(value)s” is not a time like 14:30.",
                                                 value=r.get(key, "")))
    starts = ends = None
    if day and len(times) == 2:
        for key in ("start", "end"):
            try:
                value = local_to_utc(day, times[key], zone)
            except InvalidInstant as exc:
                plan.problem(line, f"{key}: {exc}")
                continue
            if key == "start":
                starts = value
            else:
                ends = value
        if starts and ends and ends <= starts:
            plan.problem(line, "end: " + _("the session ends before it starts."))
    return starts, ends


def _row(r: dict, line: int, zone: str, plan: ImportPlan) -> None:
    before = len(plan.problems)
    starts, ends = _instants(r, line, zone, plan)
    people = parse_people(r.get("people", ""), line, plan)
    values = {k: r.get(k, "") for k in ("type", "number", "title", "description", "room")}
    session = planned_session(line, values, starts, ends, people, plan)
    if session is not None and len(plan.problems) == before:
        plan.sessions.append(session)
