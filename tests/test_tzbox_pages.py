"""The time-zone box on the event pages, without JavaScript: a name typed in the viewer's
language applies its zone, or lists the matching zones as links, or says nothing matched;
the event's own zone adds no second time; and the JSON suggestions behind the combobox."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest

from .support.i18n import ensure_compiled


@pytest.fixture(autouse=True)
def _catalogs():
    ensure_compiled()


@pytest.fixture
def kigali(make_event, make_session):
    kz = ZoneInfo("Africa/Kigali")
    start = datetime(2030, 6, 7, 9, 0, tzinfo=kz)
    event = make_event(timezone="Africa/Kigali", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2, hours=9)).astimezone(UTC))
    make_session(event, type="opening", number=None, title="Opening", starts_at=start)
    # Saturday 8 June, 14:00 in Kigali (UTC+2) = 08:00 in New York (UTC-4).
    make_session(event, type="high_level_panel", number=3, title="Affordable access",
                 starts_at=start + timedelta(days=1, hours=5))
    return event


def _programme(event) -> str:
    return f"/events/{event.slug}/programme"


def _choose(client, typed: str, back: str):
    return client.get(f"/timezone?tz={quote(typed)}&next={quote(back)}")


def _tz_cookie(resp) -> str | None:
    for header in resp.headers.getlist("Set-Cookie"):
        m = re.match(r"tz=([^;]*);", header)
        if m:
            return m.group(1) or None
    return None


def _viewer_times(page: str) -> list[str]:
    """The text of every "your time" span (empty when the page shows none)."""
    return [t for t in re.findall(r'<span class="viewer-time"[^>]*>([^<]*)</span>', page) if t]


def _sentence(page: str) -> str:
    """What the box says of the zones times are shown in."""
    return re.search(r"<p data-zone-sentence>(.*?)</p>", page, re.S).group(1)


def _box(page: str) -> str:
    return page[page.index('<form class="zone-switch"'):page.index("</form>", page.index('id="tz-box"'))]


def test_a_city_in_french_applies_its_zone_at_once(client, kigali):
    client.set_cookie("lang", "fr")
    resp = _choose(client, "New York", _programme(kigali))
    assert resp.status_code == 302
    assert resp.headers["Location"] == _programme(kigali)
    assert _tz_cookie(resp) == "America/New_York"
    page = client.get(_programme(kigali)).text
    # The box names the zone in French, and the times gain a New York line.
    assert 'value="New York (États-Unis)"' in _box(page)
    assert _sentence(page).endswith("et dans le vôtre, <strong>New York (États-Unis)</strong>.")
    assert len(_viewer_times(page)) == 2


def test_geneva_in_june_reads_as_kigali_so_no_second_time(client, kigali):
    # Geneva keeps summer time (UTC+2) in June: the same clock as Kigali.
    client.set_cookie("lang", "fr")
    resp = _choose(client, "Genève", _programme(kigali))
    assert _tz_cookie(resp) == "Europe/Zurich"
    page = client.get(_programme(kigali)).text
    assert _viewer_times(page) == []
    assert _sentence(page).endswith(
        "les mêmes que dans le vôtre, <strong>Zurich (Suisse)</strong>.")


def test_a_country_with_several_zones_lists_them_then_one_is_applied(client, kigali):
    back = _programme(kigali) + "?type=high_level_panel"
    resp = _choose(client, "United States", back)
    assert resp.status_code == 302 and _tz_cookie(resp) is None
    location = resp.headers["Location"]
    assert location.endswith("#tz-choices") and "tzq=United+States" in location
    assert "type=high_level_panel" in location  # the page's own filters are kept
    page = client.get(location).text
    box = _box(page)
    assert "Time zones matching “United States”: choose yours." in box
    links = dict((label, href) for href, label in re.findall(r'<li><a href="([^"]+)">([^<]+)</a>', box))
    assert {"New York (United States)", "Chicago (United States)",
            "Los Angeles (United States)"} <= set(links)
    assert _viewer_times(page) == []  # nothing applied yet
    # Following a choice applies it and comes back to the filtered page.
    resp = client.get(links["New York (United States)"].replace("&amp;", "&"))
    assert _tz_cookie(resp) == "America/New_York"
    assert resp.headers["Location"] == back
    page = client.get(back).text
    assert _viewer_times(page) == ["Sat 08:00–08:45 America/New_York"]
    assert "14:00–14:45" in page  # the event's own time stays
    assert "tz-choices" not in page


def test_the_choices_are_labelled_in_the_viewers_language(client, kigali):
    client.set_cookie("lang", "ar")
    resp = _choose(client, "الولايات المتحدة", _programme(kigali))
    box = _box(client.get(resp.headers["Location"]).text)
    assert "نيويورك (الولايات المتّحدة)" in box and "لوس انجلوس" in box


def test_no_match_says_so_and_keeps_the_zone(client, kigali):
    client.set_cookie("tz", "Asia/Tokyo")
    resp = _choose(client, "Atlantis", _programme(kigali))
    assert resp.status_code == 302 and _tz_cookie(resp) is None  # the cookie is untouched
    page = client.get(resp.headers["Location"]).text
    box = _box(page)
    assert "No time zone matches “Atlantis”." in box
    assert 'aria-invalid="true"' in box and 'aria-describedby="tz-hint tz-none"' in box
    assert 'value="Atlantis"' in box  # what they typed, to correct
    assert _viewer_times(page)[0].endswith("Asia/Tokyo")


def test_the_label_shown_in_the_box_applies_when_sent_again(client, kigali):
    client.set_cookie("lang", "fr")
    client.set_cookie("tz", "Europe/Zurich")
    resp = _choose(client, "Zurich (Suisse)", _programme(kigali))
    assert _tz_cookie(resp) == "Europe/Zurich"


def test_the_suggestions_zone_field_wins_and_an_iana_name_still_works(client, kigali):
    resp = client.get(f"/timezone?tz=whatever&zone=Asia/Tokyo&next={_programme(kigali)}")
    assert _tz_cookie(resp) == "Asia/Tokyo"
    resp = _choose(client, "Europe/Paris", _programme(kigali))
    assert _tz_cookie(resp) == "Europe/Paris"


def test_an_empty_box_or_the_event_zone_link_clears_the_zone(client, kigali):
    client.set_cookie("tz", "Asia/Tokyo")
    resp = _choose(client, "", _programme(kigali))
    assert resp.headers["Location"] == _programme(kigali)
    assert 'tz=;' in resp.headers["Set-Cookie"]  # deleted
    assert _viewer_times(client.get(_programme(kigali)).text) == []


@pytest.mark.parametrize("zone", ["Africa/Kigali", "Africa/Maputo"])
def test_the_events_own_zone_shows_no_second_time(client, kigali, zone):
    # Kigali itself, or the zone it is a link to in tzdata: the same zone, nothing said.
    client.set_cookie("tz", zone)
    for path in (_programme(kigali), f"/events/{kigali.slug}"):
        page = client.get(path).text
        assert _viewer_times(page) == [], path
        assert _sentence(page) == "Times are in the event's zone, <strong>Africa/Kigali</strong>."


def test_a_zone_keeping_the_same_time_is_said_in_passing(client, kigali):
    client.set_cookie("tz", "Africa/Johannesburg")  # UTC+2 all year, as Kigali
    page = client.get(_programme(kigali)).text
    assert _viewer_times(page) == []
    assert _sentence(page) == ("Times are in the event's zone, <strong>Africa/Kigali</strong>: "
                               "the same as in yours, <strong>Johannesburg (South Africa)</strong>.")


def test_a_geneva_viewer_of_a_geneva_event_reads_nothing_extra(client, make_event, make_session):
    zz = ZoneInfo("Europe/Zurich")
    start = datetime(2030, 12, 10, 14, 0, tzinfo=zz)
    event = make_event(timezone="Europe/Zurich", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(hours=3)).astimezone(UTC))
    make_session(event, type="opening", number=None, title="Opening", starts_at=start)
    client.set_cookie("lang", "fr")
    resp = _choose(client, "Genève", f"/events/{event.slug}/programme")
    assert _tz_cookie(resp) == "Europe/Zurich"
    page = client.get(f"/events/{event.slug}/programme").text
    assert _viewer_times(page) == []
    assert _sentence(page) == ("Les heures sont indiquées dans le fuseau de la manifestation, "
                               "<strong>Europe/Zurich</strong>.")


# ---------------------------------------------------------------- JSON suggestions

@pytest.mark.parametrize(("lang", "typed", "zone", "label"), [
    ("fr", "Genève", "Europe/Zurich", "Genève (Suisse)"),
    ("ar", "جنيف", "Europe/Zurich", "جنيف (سويسرا)"),
    ("zh", "基加利", "Africa/Kigali", "基加利（卢旺达）"),
    ("ru", "Нью-Йорк", "America/New_York", "Нью-Йорк (Соединённые штаты)"),
])
def test_suggestions_in_the_language_asked(client, lang, typed, zone, label):
    resp = client.get("/timezones", query_string={"q": typed, "lang": lang})
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    first = resp.json["zones"][0]
    assert (first["zone"], first["label"]) == (zone, label)
    assert re.search(r"[+-]\d\d:\d\d$", first["offset"])
    # The answer depends on the address alone (not on the language cookie): cacheable.
    assert "public" in resp.headers["Cache-Control"]
    other = "ar" if lang != "ar" else "fr"
    client.set_cookie("lang", other)
    assert client.get("/timezones", query_string={"q": typed, "lang": lang}).json == resp.json


def test_suggestions_default_to_the_viewers_language(client):
    client.set_cookie("lang", "fr")
    resp = client.get("/timezones", query_string={"q": "Suisse"})
    assert resp.json["language"] == "fr"
    assert resp.json["zones"][0]["label"] == "Zurich (Suisse)"
    assert {"Cookie", "Accept-Language"} <= set(resp.headers["Vary"].split(", "))


@pytest.mark.parametrize("q", ["", "Atlantis", "x" * 5000, "<script>"])
def test_suggestions_for_nothing_or_nonsense(client, q):
    resp = client.get("/timezones", query_string={"q": q, "lang": "en"})
    assert resp.status_code == 200
    assert resp.json["zones"] == []
    assert len(resp.json["query"]) <= 100


def test_suggestions_are_few_and_ranked(client):
    zones = client.get("/timezones", query_string={"q": "a", "lang": "en"}).json["zones"]
    assert 0 < len(zones) <= 20
    assert all(z["label"].lower().startswith("a") for z in zones[:5])
