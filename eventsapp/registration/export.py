"""CSV export of registrants, safe against spreadsheet formula injection."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from ..models import Event, Registration

# A cell starting with one of these is run as a formula by Excel/LibreOffice/Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = ["id", "name", "email", "organization", "position", "country", "stakeholder_type",
          "modality", "category", "status", "checked_in", "needs", "listed", "source",
          "over_capacity", "registered_at", "erased"]


def safe_cell(value) -> str:
    """The value as text, with a leading quote when a spreadsheet would run it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def registrants_csv(event: Event, rows: Iterable[tuple[Registration, bool]]) -> str:
    """CSV text (with a header) of (registration, checked_in) rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for reg, checked_in in rows:
        writer.writerow([safe_cell(v) for v in (
            reg.id, reg.name, reg.email, reg.organization, reg.position, reg.country,
            reg.stakeholder_type.value if reg.stakeholder_type else "",
            reg.modality.value, reg.category.value, reg.status.value, bool(checked_in),
            reg.needs, bool(reg.consent_listed), reg.source, bool(reg.over_capacity),
            reg.created_at.astimezone(event.tz).isoformat(timespec="minutes") if reg.created_at else "",
            bool(reg.erased_at))])
    return out.getvalue()
