"""Dates, times, spans and USD amounts in the viewer's language (Babel/CLDR forms).

English keeps the app's own strftime forms; the other five get the locale's forms.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from eventsapp.timefmt import (
    format_date_range,
    format_event_date,
    format_event_time,
    format_span,
    format_usd,
)

from .support.i18n import ensure_compiled

ZONE = "Europe/Paris"  # +02:00 in June
START = datetime(2022, 6, 7, 12, tzinfo=UTC)            # Tuesday 7 June 2022, 14:00 local
SAME_DAY_END = datetime(2022, 6, 7, 17, tzinfo=UTC)     # 19:00 local
IN_MONTH_END = datetime(2022, 6, 9, 11, tzinfo=UTC)     # Thursday 9 June, 13:00 local
NEXT_MONTH_END = datetime(2022, 7, 2, 11, tzinfo=UTC)   # 2 July


def _all(app, lang: str) -> dict[str, str]:
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        return {
            "date": format_event_date(START, ZONE),
            "time": format_event_time(START, ZONE),
            "short": format_event_time(START, ZONE, "%a %-d %b %H:%M"),
            "range": format_date_range(START, IN_MONTH_END, ZONE),
            "months": format_date_range(START, NEXT_MONTH_END, ZONE),
            "one_day": format_date_range(START, SAME_DAY_END, ZONE),
            "span": format_span(START, SAME_DAY_END, ZONE),
            "days": format_span(START, IN_MONTH_END, ZONE),
            "usd": format_usd(Decimal(1000)),
            "cents": format_usd(Decimal("1234.5"), places=2),
        }


def test_english_is_unchanged(app):
    assert _all(app, "en") == {
        "date": "Tuesday 7 June 2022",
        "time": "14:00",
        "short": "Tue 7 Jun 14:00",
        "range": "7\u20139 June 2022",
        "months": "7 June \u2013 2 July 2022",
        "one_day": "7 June 2022",
        "span": "7 June 2022, 14:00\u201319:00",
        "days": "Tuesday 7 June 2022, 14:00 \u2013 Thursday 9 June 2022, 13:00",
        "usd": "USD 1,000",
        "cents": "USD 1,234.50",
    }


def test_english_outside_a_request():
    # CLI and the mail worker: nobody chose a language.
    assert format_event_date(START, ZONE) == "Tuesday 7 June 2022"
    assert format_usd(1000) == "USD 1,000"


def test_french(app):
    assert _all(app, "fr") == {
        "date": "mardi 7 juin 2022",
        "time": "14:00",
        "short": "mar. 7 juin, 14:00",
        "range": "7\u20139 juin 2022",
        "months": "7 juin\u2009\u2013\u20092 juil. 2022",
        "one_day": "7 juin 2022",
        "span": "7 juin 2022, 14:00\u2009\u2013\u200919:00",
        "days": "mardi 7 juin 2022, 14:00\u2009\u2013\u2009jeudi 9 juin 2022, 13:00",
        "usd": "1\u202f000\xa0$US",
        "cents": "1\u202f234,50\xa0$US",
    }


def test_russian(app):
    assert _all(app, "ru") == {
        "date": "вторник, 7 июня 2022\u202fг.",
        "time": "14:00",
        "short": "вт, 7 июн., 14:00",
        "range": "7\u20139 июн. 2022\u202fг.",
        "months": "7 июн. \u2013 2 июл. 2022\u202fг.",
        "one_day": "7 июн. 2022\u202fг.",
        "span": "7 июня 2022\u202fг., 14:00\u201319:00",
        "days": "вторник, 7 июня 2022\u202fг., 14:00 \u2013 четверг, 9 июня 2022\u202fг., 13:00",
        "usd": "1\xa0000\xa0$",
        "cents": "1\xa0234,50\xa0$",
    }


def test_spanish(app):
    out = _all(app, "es")
    assert out["date"] == "martes, 7 de junio de 2022"
    assert out["time"] == "14:00"
    assert out["range"] == "7\u20139 jun 2022"
    assert out["months"] == "7 jun\u2009\u2013\u20092 jul 2022"
    assert out["span"] == "7 de junio de 2022, 14:00\u201319:00"
    assert out["days"].startswith("martes, 7 de junio de 2022, 14:00")
    assert out["days"].endswith("jueves, 9 de junio de 2022, 13:00")
    assert out["usd"] == "1.000\xa0US$"


def test_chinese(app):
    out = _all(app, "zh")
    assert out["date"] == "2022年6月7日星期二"
    assert out["time"] == "14:00"
    assert out["range"] == "2022年6月7日至9日"
    assert out["months"] == "2022年6月7日至7月2日"
    assert out["span"] == "2022年6月7日 14:00\u201319:00"
    assert out["days"] == "2022年6月7日星期二 14:00 \u2013 2022年6月9日星期四 13:00"
    assert out["usd"] == "US$1,000"


def test_arabic_month_and_day_names(app):
    out = _all(app, "ar")
    assert out["date"] == "الثلاثاء، 7 يونيو 2022"  # the locale's own digits convention
    assert out["range"] == "7\u20139 يونيو 2022"
    assert out["months"] == "7 يونيو \u2013 2 يوليو 2022"
    assert "يونيو 2022" in out["span"] and "الخميس" in out["days"]
    assert "June" not in "".join(out.values())
    assert out["time"] == "2:00 م"
    assert "US$" in out["usd"] and "1,000" in out["usd"]


@pytest.mark.parametrize("lang", ["ar", "es", "fr", "ru", "zh"])
def test_every_template_form_has_a_babel_form(app, lang):
    forms = ("%-d %b %Y", "%a %-d %b", "%-d %b %H:%M", "%-d %b %Y %H:%M", "%-d %b %Y %H:%M:%S",
             "%H:%M", "%a %H:%M", "%-d %B %Y", "%A %-d %B %Y, %H:%M", "%A %-d %B %Y")
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        for fmt in forms:
            text = format_event_date(START, ZONE, fmt)
            assert text and "%" not in text and "Jun" not in text and "Tue" not in text, fmt


def test_programme_page_in_french(client, make_event, make_room, make_session):
    ensure_compiled()
    kz = ZoneInfo("Africa/Kigali")
    start = datetime(2030, 6, 7, 9, 0, tzinfo=kz)
    event = make_event(timezone="Africa/Kigali", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2, hours=9)).astimezone(UTC))
    room = make_room(event, "Auditorium", 1200)
    make_session(event, type="opening", number=None, title="Opening", room=room, starts_at=start)
    page = client.get(f"/events/{event.slug}/programme",
                      headers={"Accept-Language": "fr"}).text
    assert "juin 2030" in page
    assert "vendredi 7 juin 2030" in page
    assert "June 2030" not in page


def test_day_headings_and_badge_dates(app):
    from datetime import date

    from eventsapp.timefmt import format_day

    assert format_day(date(2030, 6, 7)) == "Friday 7 June 2030"
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert format_day(date(2030, 6, 7)) == "vendredi 7 juin 2030"
        assert format_day(date(2030, 6, 7), "%-d %B %Y") == "7 juin 2030"
        # A language passed in wins over the viewer's (badges pass their registrant's).
        assert format_date_range(START, IN_MONTH_END, ZONE, lang="en") == "7\u20139 June 2022"
