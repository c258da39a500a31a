"""What a valid instant is: the one place every form, API field and CSV column asks.

An instant is aware, in the years ``YEAR_MIN``..``YEAR_MAX`` (an event in year 1 or 9999
is a typing mistake, and near those limits converting between zones overflows, which
would break every page that shows the value), in a real IANA zone; a local wall-clock
time skipped by a daylight-saving change is refused, an ambiguous one (clocks going
back) takes its first occurrence, as RFC 5545 does.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

YEAR_MIN = 1970
YEAR_MAX = 2100
RANGE_MESSAGE = f"Use a date between {YEAR_MIN} and {YEAR_MAX}."  # the English text


class InvalidInstant(ValueError):
    """Not a usable instant; the message is written for the person who typed it."""


class NonexistentLocalTime(InvalidInstant):
    """The wall-clock time is skipped by a daylight-saving change (a gap)."""


def check_year(year: int) -> None:
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInstant(_("Use a date between %(min)d and %(max)d.",
                               min=YEAR_MIN, max=YEAR_MAX))


def check_instant(value: datetime) -> datetime:
    """``value`` as an aware UTC instant, or InvalidInstant (no zone, year out of range)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInstant(_("Enter a date and time."))
    check_year(value.year)
    utc = value.astimezone(UTC)
    check_year(utc.year)  # 31 Dec 2100 23:00-02:00 is already 2101 in UTC
    return utc


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of ``day at`` in ``zone``.

    Raises NonexistentLocalTime in a gap (clocks jump forward) and InvalidInstant out of
    range. An ambiguous time takes its first occurrence.
    """
    check_year(day.year)
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, at.replace(tzinfo=None, fold=0))
    aware = naive.replace(tzinfo=tz)
    back = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:
        raise NonexistentLocalTime(
            _("%(when)s does not exist in %(zone)s: the clocks skip that hour "
              "for daylight saving time. Choose a time before or after the change.",
              when=f"{naive:%Y-%m-%d %H:%M}", zone=zone))
    return check_instant(aware)


def naive_local_to_utc(value: datetime, zone: str) -> datetime:
    """A datetime without offset read as local time in ``zone``; with an offset, as is."""
    if value.tzinfo is not None:
        return check_instant(value)
    return local_to_utc(value.date(), value.time(), zone)


def parse_iso(text: str, zone: str) -> datetime:
    """ISO 8601 text (offset optional: local time in ``zone`` without one) to UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInstant(
            _("Not an ISO 8601 date and time, e.g. 2024-06-07T14:00:00+02:00.")) from exc
    return naive_local_to_utc(value, zone)
