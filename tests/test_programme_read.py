"""Everyone reads the programme: by day, filters, zones without JavaScript, session and
speaker pages, stars and "My schedule", private links never shown, fixed query counts."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import login
from tests.support.programme_helpers import bulk_programme


@pytest.fixture
def kigali(make_event, make_room, make_person, make_session):
    kz = ZoneInfo("Africa/Kigali")
    start = datetime(2030, 6, 7, 9, 0, tzinfo=kz)
    event = make_event(timezone="Africa/Kigali", starts_at=start.astimezone(UTC),
                       ends_at=(start + timedelta(days=2, hours=9)).astimezone(UTC),
                       stream_url="https://stream.example.org/EVENT-SECRET",
                       stream_passcode="EVENTPASS")
    main = make_room(event, "Auditorium", 1200)
    side = make_room(event, "Spotlight Stage", 300)
    mod = make_person("Mia Moderator", "ITU", position="Director")
    p1, p2, p3 = (make_person(f"Panellist {i}", f"Org {i}") for i in (1, 2, 3))
    opening = make_session(event, type="opening", number=None, title="Opening", room=main,
                           starts_at=start, people=[(mod, "host")])
    panel = make_session(event, type="high_level_panel", number=3, title="Affordable access",
                         room=main, starts_at=start + timedelta(days=1, hours=5),
                         people=[(mod, "moderator"), (p1, "panellist"), (p2, "panellist"),
                                 (p3, "panellist")],
                         stream_url="https://stream.example.org/SESSION-SECRET",
                         stream_passcode="SESSIONPASS",
                         recording_url="https://rec.example.org/RECORDING-SECRET")
    spot = make_session(event, type="spotlight", number=1, title="Spotlight one", room=side,
                        starts_at=start + timedelta(days=1, hours=1))
    return {"event": event, "main": main, "side": side, "opening": opening, "panel": panel, "spot": spot,
                "mod": mod, "panellists": (p1, p2, p3)}


SECRETS = ("SESSION-SECRET", "SESSIONPASS", "RECORDING-SECRET", "EVENT-SECRET", "EVENTPASS")


def test_programme_by_day_in_event_zone(client, kigali):
    ev = kigali["event"]
    page = client.get(f"/events/{ev.slug}/programme").text
    assert page.index("Friday 7 June 2030") < page.index("Saturday 8 June 2030")
    # Times in the event's zone (Kigali, +02:00): 14:00 local.
    assert re.search(r"14:00–14:45", page)
    assert "High-Level Panel 3" in page and "Affordable access" in page
    assert page.index("Opening") < page.index("Spotlight one") < page.index("Affordable access")
    assert "Mia Moderator" in page and "Panellist 3" in page


def test_filters_by_type_and_room(client, kigali):
    ev = kigali["event"]
    page = client.get(f"/events/{ev.slug}/programme?type=spotlight").text
    assert "Spotlight one" in page and "Affordable access" not in page
    page = client.get(f"/events/{ev.slug}/programme?room={kigali['main'].id}").text
    assert "Affordable access" in page and "Spotlight one" not in page
    # Nonsense filters are ignored, never a 500.
    assert client.get(f"/events/{ev.slug}/programme?type=zzz&room=abc").status_code == 200


def test_zone_switch_without_javascript(client, kigali):
    ev = kigali["event"]
    resp = client.get(f"/timezone?tz=America/New_York&next=/events/{ev.slug}/programme")
    assert resp.status_code == 302 and "tz=America/New_York" in resp.headers["Set-Cookie"]
    page = client.get(f"/events/{ev.slug}/programme").text
    # 14:00 in Kigali (UTC+2) on Saturday 8 June is 08:00 in New York (UTC-4).
    assert "Sat 08:00–08:45 America/New_York" in page
    assert "14:00–14:45" in page  # the event's own time stays
    assert 'data-start="2030-06-08T12:00:00+00:00"' in page  # for programme.js


def test_session_page_people_in_order_room_time(client, kigali):
    ev, panel = kigali["event"], kigali["panel"]
    page = client.get(f"/events/{ev.slug}/sessions/{panel.id}").text
    order = [page.index(n) for n in ("Mia Moderator", "Panellist 1", "Panellist 2", "Panellist 3")]
    assert order == sorted(order)
    assert "Moderator" in page and "Auditorium" in page and "Saturday 8 June 2030" in page
    assert "14:00–14:45" in page
    assert f"/events/{ev.slug}/sessions/{panel.id}.ics" in page
    assert client.get(f"/events/{ev.slug}/sessions/999999").status_code == 404


def test_print_stylesheet(client, kigali):
    css = client.get("/static/css/programme.css").text
    assert "@media print" in css
    page = client.get(f"/events/{kigali['event'].slug}/programme").text
    assert "css/programme.css" in page


def test_speaker_directory_and_speaker_page(client, kigali):
    ev, mod = kigali["event"], kigali["mod"]
    page = client.get(f"/events/{ev.slug}/speakers").text
    assert page.index("Mia Moderator") < page.index("Panellist 1")
    page = client.get(f"/events/{ev.slug}/speakers/{mod.id}").text
    assert "Opening" in page and "Affordable access" in page and "Director, ITU" in page
    assert client.get(f"/events/{ev.slug}/speakers/999999").status_code == 404


def test_stars_and_my_schedule(app, db, client, make_user, kigali):
    ev, panel = kigali["event"], kigali["panel"]
    user = make_user()
    resp = client.post(f"/events/{ev.slug}/sessions/{panel.id}/star")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login(client, user)
    client.post(f"/events/{ev.slug}/sessions/{panel.id}/star")
    client.post(f"/events/{ev.slug}/sessions/{panel.id}/star")  # idempotent
    page = client.get("/my/schedule").text
    assert "Affordable access" in page and "Spotlight one" not in page
    assert "In my schedule" in client.get(f"/events/{ev.slug}/programme").text
    client.post(f"/events/{ev.slug}/sessions/{panel.id}/unstar")
    assert "Affordable access" not in client.get("/my/schedule").text


def test_nav_links_for_signed_in_users(client, make_user):
    assert "My schedule" not in client.get("/").text
    login(client, make_user())
    page = client.get("/").text
    assert "My schedule" in page and "My sessions" in page


def test_private_links_never_in_public_outputs(app, client, make_user, kigali):
    ev, panel = kigali["event"], kigali["panel"]
    urls = [f"/events/{ev.slug}", f"/events/{ev.slug}/programme",
            f"/events/{ev.slug}/sessions/{panel.id}", f"/events/{ev.slug}/speakers",
            f"/events/{ev.slug}/programme.ics", f"/events/{ev.slug}/sessions/{panel.id}.ics",
            f"/events/{ev.slug}/speakers/{kigali['mod'].id}.ics",
            f"/events/{ev.slug}/schedule.xml", f"/events/{ev.slug}/schedule.json",
            f"/api/v1/events/{ev.slug}/sessions", f"/api/v1/sessions/{panel.id}",
            f"/api/v1/events/{ev.slug}"]
    organizer = make_user(organizer_of=ev)
    for who in (None, organizer):
        c = app.test_client()
        if who:
            login(c, who)
        for url in urls:
            if who and url == f"/events/{ev.slug}/sessions/{panel.id}":
                continue  # the online slot shows organizers their links: its business
            resp = c.get(url)
            assert resp.status_code == 200, url
            for secret in SECRETS:
                assert secret not in resp.text, (url, secret)
    # The organizer's edit form does carry them.
    c = app.test_client()
    login(c, organizer)
    form = c.get(f"/events/{ev.slug}/sessions/{panel.id}/edit").text
    assert "SESSION-SECRET" in form and "SESSIONPASS" in form


def test_fixed_query_counts_for_10_and_300_sessions(app, db, make_event, make_user,
                                                    count_queries):
    from eventsapp.programme.exports import clear_cache

    small, large = make_event(), make_event()
    bulk_programme(small, 10)
    bulk_programme(large, 300)
    user = make_user()
    paths = ["/events/{}/programme", "/api/v1/events/{}/sessions", "/events/{}/programme.ics",
             "/events/{}/schedule.xml", "/events/{}/schedule.json", "/events/{}",
             "/events/{}/speakers"]
    for signed_in in (False, True):
        c = app.test_client()
        if signed_in:
            login(c, user)
        for path in paths:
            counts = []
            for event in (small, large):
                clear_cache()
                with count_queries() as q:
                    resp = c.get(path.format(event.slug))
                assert resp.status_code == 200, path
                counts.append(q.count)
            assert counts[0] == counts[1], (path, signed_in, counts)
            assert counts[0] <= 20, (path, counts)  # the event page has other slots too
    body = app.test_client().get(f"/events/{large.slug}/programme").text
    assert body.count('class="session-item') == 300


def test_exports_are_cached_on_programme_version(app, db, client, make_event, count_queries):
    from eventsapp.programme import services
    from eventsapp.programme.exports import clear_cache

    event = make_event()
    bulk_programme(event, 300)
    clear_cache()
    first = client.get(f"/events/{event.slug}/programme.ics")
    etag = first.headers["ETag"]
    with count_queries() as q:
        again = client.get(f"/events/{event.slug}/programme.ics")
    assert again.data == first.data and q.count <= 2  # the event row, nothing else
    assert client.get(f"/events/{event.slug}/programme.ics",
                      headers={"If-None-Match": etag}).status_code == 304
    s = event.sessions[0]
    services.update_session(event, s.id, {"title": "Renamed session"})
    fresh = client.get(f"/events/{event.slug}/programme.ics")
    assert fresh.headers["ETag"] != etag and b"Renamed session" in fresh.data
