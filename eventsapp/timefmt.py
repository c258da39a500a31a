"""Showing instants in an event's zone, or the viewer's own zone on request.

English keeps the strftime forms below; the other languages get Babel's (CLDR) forms in
the viewer's language: "mardi 7 juin 2022", "7–9 juin 2022", "1 000 $US".
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import format_currency
from flask import g, has_app_context, has_request_context, request

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


# The strftime forms the templates and code pass, as (date skeleton, time skeleton) for
# Babel; None means "the locale's full date" / "the locale's short time". A form not
# listed falls back to the full date and short time.
_SKELETONS: dict[str, tuple[str | None, str | None]] = {
    "%A %-d %B %Y": ("full", None),
    "%H:%M": (None, "short"),
    "%-d %B %Y": ("long", None),
    "%-d %b %Y": ("yMMMd", None),
    "%a %-d %b": ("MMMEd", None),
    "%-d %b %H:%M": ("MMMd", "Hm"),
    "%-d %b %Y %H:%M": ("yMMMd", "Hm"),
    "%-d %b %Y %H:%M:%S": ("yMMMd", "Hms"),
    "%a %-d %b %H:%M": ("MMMEd", "Hm"),
    "%a %H:%M": ("E", "Hm"),
    "%A %-d %B %Y, %H:%M": ("full", "short"),
}
_NAMED = ("full", "long", "medium", "short")
# Calendar days (a ``date``, no time): the strftime forms the templates pass, as a named
# Babel format or a skeleton; a form not listed gets the locale's full date.
_DAY_FORMATS = {"%A %-d %B %Y": "full", "%-d %B %Y": "long", "%-d %b %Y": "yMMMd",
                "%a %-d %b %Y": "yMMMEd", "%a %-d %b": "MMMEd", "%A %-d %B": "MMMMEEEEd"}


def _forced_language() -> str | None:
    """The language forced with flask_babel.force_locale in an app context without a
    request. Read from flask_babel's context on ``g`` rather than through get_locale(),
    which outside a request would cache English there for the rest of the context."""
    if not has_app_context():
        return None
    state = getattr(g, "_flask_babel", None)
    forced = getattr(state, "forced_babel_locale", None)
    if forced is None:
        return None
    from .i18n import valid_language

    return valid_language(forced.language)


def _lang() -> str:
    """The language of the text being made: the viewer's, or the one a caller forced with
    flask_babel.force_locale (a mail or calendar in its owner's language); English outside
    a request unless a caller forced one (the CLI's ``expire-offers`` renders mails inside
    ``force_locale``; callers with neither pass ``lang``)."""
    if not has_request_context():
        return _forced_language() or "en"
    from .i18n import current_language

    return current_language()


def _date_part(when: datetime, skeleton: str, lang: str) -> str:
    if skeleton in _NAMED:
        return format_date(when, format=skeleton, locale=lang)
    return format_skeleton(skeleton, when, tzinfo=when.tzinfo, locale=lang)


def _time_part(when: datetime, skeleton: str, lang: str) -> str:
    if skeleton in _NAMED:
        return format_time(when, format=skeleton, tzinfo=when.tzinfo, locale=lang)
    return format_skeleton(skeleton, when, tzinfo=when.tzinfo, locale=lang)


def _join(date_text: str, time_text: str, lang: str) -> str:
    """Date and time in the locale's order and separator ("{1}, {0}" in fr)."""
    pattern = str(Locale.parse(lang).datetime_formats["medium"]).replace("'", "")
    return pattern.replace("{1}", date_text).replace("{0}", time_text)


def _babel_format(when: datetime, fmt: str, lang: str) -> str:
    date_sk, time_sk = _SKELETONS.get(fmt, ("full", "short"))
    if date_sk and time_sk:
        return _join(_date_part(when, date_sk, lang), _time_part(when, time_sk, lang), lang)
    if date_sk:
        return _date_part(when, date_sk, lang)
    return _time_part(when, time_sk or "short", lang)


def format_event_time(when: datetime | None, zone: str, fmt: str = "%H:%M") -> str:
    if when is None:
        return ""
    lang = _lang()
    if lang != "en":
        return _babel_format(to_zone(when, zone), fmt, lang)
    return to_zone(when, zone).strftime(fmt)


def format_day(day: date, fmt: str = "%A %-d %B %Y") -> str:
    """A calendar day (a programme's day heading): 'Friday 7 June 2030'."""
    lang = _lang()
    if lang != "en":
        form = _DAY_FORMATS.get(fmt, "full")
        if form in _NAMED:
            return format_date(day, format=form, locale=lang)
        return format_skeleton(form, day, locale=lang)
    return day.strftime(fmt)


def format_event_date(when: datetime | None, zone: str, fmt: str = "%A %-d %B %Y") -> str:
    if when is None:
        return ""
    lang = _lang()
    if lang != "en":
        return _babel_format(to_zone(when, zone), fmt, lang)
    return to_zone(when, zone).strftime(fmt)


def format_date_range(start: datetime, end: datetime, zone: str, lang: str | None = None) -> str:
    """'7-9 June 2022', '30 June - 2 July 2025' or '12 December 2023'; `lang` forces a
    language (else the viewer's)."""
    s, e = to_zone(start, zone), to_zone(end, zone)
    lang = lang or _lang()
    if lang != "en":
        return format_interval(s.date(), e.date(), skeleton="yMMMd", locale=lang)
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
    lang = _lang()
    if lang != "en":
        return _babel_span(s, e, lang)
    if s.date() == e.date():
        return f"{s.strftime('%-d %B %Y')}, {s:%H:%M}\u2013{e:%H:%M}"
    return f"{s.strftime('%A %-d %B %Y')}, {s:%H:%M} \u2013 {e.strftime('%A %-d %B %Y')}, {e:%H:%M}"


def _babel_span(s: datetime, e: datetime, lang: str) -> str:
    if s.date() == e.date():
        times = format_interval(s, e, skeleton="Hm", tzinfo=s.tzinfo, locale=lang)
        return _join(_date_part(s, "long", lang), times, lang)
    ends = [_join(_date_part(w, "full", lang), _time_part(w, "short", lang), lang) for w in (s, e)]
    fallback = str(Locale.parse(lang).interval_formats.get(None) or "{0} \u2013 {1}")
    return fallback.replace("{0}", ends[0]).replace("{1}", ends[1])


def format_usd(amount: Decimal | int | None, places: int = 0, lang: str | None = None) -> str:
    """'USD 1,000' in English, else the locale's form ('1 000 $US'); `lang` forces a
    language (else the viewer's)."""
    if amount is None:
        return ""
    q = Decimal(amount).quantize(Decimal(1) if places == 0 else Decimal(10) ** -places)
    lang = lang or _lang()
    if lang != "en":
        # The locale's currency pattern, with exactly `places` decimals ("1 000 $US").
        pattern = Locale.parse(lang).currency_formats["standard"].pattern
        decimals = "." + "0" * places if places else ""
        return format_currency(q, "USD", format=pattern.replace(".00", decimals), locale=lang,
                               currency_digits=False)
    return f"USD {q:,}"
