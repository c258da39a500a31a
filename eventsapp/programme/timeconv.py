"""Local wall-clock times in an event's zone to UTC instants, refusing DST gaps."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..instants import (  # noqa: F401  (one place decides; re-exported for the programme)
    InvalidInstant,
    NonexistentLocalTime,
    local_to_utc,
    naive_local_to_utc,
)


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
