"""Showing instants in an event's zone, or the viewer's own zone on request."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from flask import has_request_context, request

_ZONES: set[str] | None = None


def valid_zone(name: str | None) -> str | None:
    """The name if it is a known IANA zone, else None."""
    global _ZONES
    if not name or len(name) > 64:
        return None
    if _ZONES is None:
        _ZONES = available_timezones()
    if name not in _ZONES and name != "UTC":
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def all_zones() -> list[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = available_timezones()
    return sorted(_ZONES)


def viewer_zone() -> str | None:
    """The zone the viewer asked for: ?tz=Zone (remembered in a cookie), else None."""
    if not has_request_context():
        return None
    return valid_zone(request.args.get("tz")) or valid_zone(request.cookies.get("tz"))


def to_zone(when: datetime, zone: str) -> datetime:
    return when.astimezone(ZoneInfo(zone))


def format_event_time(when: datetime | None, zone: str, fmt: str = "%H:%M") -> str:
    if when is None:
        return ""
    return to_zone(when, zone).strftime(fmt)


def format_event_date(when: datetime | None, zone: str, fmt: str = "%A %-d %B %Y") -> str:
    if when is None:
        return ""
    return to_zone(when, zone).strftime(fmt)


def format_date_range(start: datetime, end: datetime, zone: str) -> str:
    """'7-9 June 2022', '30 June - 2 July 2025' or '12 December 2023'."""
    s, e = to_zone(start, zone), to_zone(end, zone)
    if s.date() == e.date():
        return s.strftime("%-d %B %Y")
    if (s.year, s.month) == (e.year, e.month):
        return f"{s.day}\u2013{e.day} {s.strftime('%B %Y')}"
    if s.year == e.year:
        return f"{s.strftime('%-d %B')} \u2013 {e.strftime('%-d %B %Y')}"
    return f"{s.strftime('%-d %B %Y')} \u2013 {e.strftime('%-d %B %Y')}"


def format_span(start: datetime, end: datetime, zone: str) -> str:
    """An event's span with times: '12 December 2023, 14:00–19:00' on one day,
    'Tuesday 7 June 2022, 14:00 – Thursday 9 June 2022, 13:00' across days."""
    s, e = to_zone(start, zone), to_zone(end, zone)
    if s.date() == e.date():
        return f"{s.strftime('%-d %B %Y')}, {s:%H:%M}\u2013{e:%H:%M}"
    return f"{s.strftime('%A %-d %B %Y')}, {s:%H:%M} \u2013 {e.strftime('%A %-d %B %Y')}, {e:%H:%M}"


def format_usd(amount: Decimal | int | None, places: int = 0) -> str:
    if amount is None:
        return ""
    q = Decimal(amount).quantize(Decimal(1) if places == 0 else Decimal(10) ** -places)
    return f"USD {q:,}"
