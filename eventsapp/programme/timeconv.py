"""Local wall-clock times in an event's zone to UTC instants, refusing DST gaps."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..errors import ValidationFailed
from ..instants import (  # noqa: F401  (one place decides; re-exported for the programme)
    InvalidInstant,
    NonexistentLocalTime,
    local_to_utc,
    naive_local_to_utc,
)


def local_to_utc_or_fail(day: date, at: time, zone: str, field: str) -> datetime:
    """``local_to_utc`` for forms: a gap or a date out of range becomes a field error."""
    try:
        return local_to_utc(day, at, zone)
    except InvalidInstant as exc:
        raise ValidationFailed(str(exc), fields={field: [str(exc)]}) from exc


def is_ambiguous(when: datetime, zone: str) -> bool:
    """Whether the local wall time of ``when`` happens twice in ``zone`` (a fold)."""
    local = when.astimezone(ZoneInfo(zone))
    other = local.replace(fold=1 - local.fold)
    return other.utcoffset() != local.utcoffset()


def iso_local(when: datetime, zone: str) -> str:
    """ISO 8601 with the offset the instant has in ``zone``."""
    return when.astimezone(ZoneInfo(zone)).isoformat()


def hhmm(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
