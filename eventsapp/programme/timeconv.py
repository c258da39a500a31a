"""Local wall-clock times in an event's zone to UTC instants, refusing DST gaps."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..errors import ValidationFailed


class NonexistentLocalTime(ValueError):
    """The wall-clock time is skipped by a daylight-saving change (a gap)."""


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of ``day at`` in ``zone``.

    Raises NonexistentLocalTime in a gap (clocks jump forward). An ambiguous time (clocks
    go back, the hour happens twice) takes its first occurrence, as RFC 5545 does.
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        raise NonexistentLocalTime(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks skip that hour "
            "for daylight saving time. Choose a time before or after the change.")
    return aware.astimezone(UTC)


def local_to_utc_or_fail(day: date, at: time, zone: str, field: str) -> datetime:
    """``local_to_utc`` for forms: a gap becomes a field error."""
    try:
        return local_to_utc(day, at, zone)
    except NonexistentLocalTime as exc:
        raise ValidationFailed(str(exc), fields={field: [str(exc)]}) from exc


def naive_local_to_utc(value: datetime, zone: str) -> datetime:
    """A datetime without offset read as local time in ``zone``; with an offset, as is."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return local_to_utc(value.date(), value.time(), zone)


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
