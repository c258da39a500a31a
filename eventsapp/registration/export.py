"""CSV export of registrants, through the one CSV writer (eventsapp.csvout): BOM, CRLF,
every cell guarded against spreadsheet formula injection."""
from __future__ import annotations

from collections.abc import Iterable

from ..csvout import csv_text
from ..models import Event, Registration

HEADER = ["id", "name", "email", "organization", "position", "country", "stakeholder_type",
          "modality", "category", "status", "checked_in", "needs", "listed", "source",
          "over_capacity", "registered_at", "erased"]


def registrants_csv(event: Event, rows: Iterable[tuple[Registration, bool]]) -> str:
    """CSV text (with its BOM and a header) of (registration, checked_in) rows."""
    return csv_text(HEADER, ((
        reg.id, reg.name, reg.email, reg.organization, reg.position, reg.country,
        reg.stakeholder_type.value if reg.stakeholder_type else "",
        reg.modality.value, reg.category.value, reg.status.value, bool(checked_in),
        reg.needs, bool(reg.consent_listed), reg.source, bool(reg.over_capacity),
        reg.created_at.astimezone(event.tz).isoformat(timespec="minutes") if reg.created_at else "",
        bool(reg.erased_at)) for reg, checked_in in rows))
