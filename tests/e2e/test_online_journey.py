"""An online registrant opens the watch page: a countdown before the join window, the
join button inside it (the session's times are moved in the database between loads)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db
from eventsapp.models import ProgrammeSession, SessionJoin
from tests.permissions.rules_online import make_registration

pytestmark = pytest.mark.e2e


def _now():
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def online_event(make_event, make_session):
    now = _now()
    event = make_event(title="Online Roundtable", starts_at=now - timedelta(hours=1),
                       timezone="Europe/Zurich")
    session = make_session(event, title="Connecting the unconnected",
                           starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=3))
    reg, manage = make_registration(event, name="Olga Online")
    return event, session, reg, manage


def test_registrant_sees_countdown_then_join_button(page, live_url, online_event):
    _, session, reg, manage = online_event
    # The stream is this very site, so following the join button stays local.
    session.stream_url = f"{live_url}/?from=stream"
    db.session.commit()
    sid = session.id

    # From the manage link's address to the watch page.
    page.goto(f"{live_url}/r/{manage}/watch")
    assert page.url.endswith(f"/join/{reg.join_token}/watch")
    assert "Watch online" in page.locator("h1").inner_text()
    nxt = page.locator(".online-next")
    assert "Connecting the unconnected" in nxt.inner_text()
    countdown = nxt.locator("[data-countdown]")
    assert countdown.is_visible()
    assert "Join opens in" in countdown.inner_text()
    assert not nxt.locator("a.join-button").is_visible()
    assert "Nothing is live right now" in page.locator(".online-live").inner_text()
    page.screenshot(path="/tmp/online_watch_before.png", full_page=True)

    # The session moves to now: the join window is open.
    now = _now()
    db.session.execute(sa.update(ProgrammeSession).where(ProgrammeSession.id == sid).values(
        starts_at=now - timedelta(minutes=2), ends_at=now + timedelta(minutes=45)))
    db.session.commit()
    page.reload()
    live = page.locator(".online-live")
    assert "Connecting the unconnected" in live.inner_text() and "Live now" in live.inner_text()
    join = live.get_by_role("link", name="Join now")
    assert join.is_visible()
    assert live.locator("[data-countdown]").count() == 0
    page.screenshot(path="/tmp/online_watch_open.png", full_page=True)
    join.click()
    page.wait_for_url(f"{live_url}/?from=stream")
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionJoin)
                             .where(SessionJoin.session_id == sid)) == 1


def test_countdown_reveals_the_join_button_when_the_window_opens(page, live_url, online_event):
    _, session, reg, _ = online_event
    now = _now()
    # The window (15 minutes before the start) opens a moment after the page loads: a few
    # seconds, so a busy CI machine still shows the countdown first (2 s was flaky).
    session.starts_at = now + timedelta(minutes=15, seconds=6)
    session.ends_at = now + timedelta(hours=1)
    session.stream_url = f"{live_url}/?from=stream"
    db.session.commit()
    page.goto(f"{live_url}/join/{reg.join_token}/{session.id}")
    assert page.locator("[data-countdown]").is_visible()
    button = page.get_by_role("link", name="Join now")
    button.wait_for(state="visible", timeout=12000)
    assert not page.locator("[data-countdown]").is_visible()


def test_watch_page_on_a_phone_shows_local_times(phone_page, live_url, online_event):
    _, _, reg, _ = online_event
    phone_page.goto(f"{live_url}/join/{reg.join_token}/watch?tz=Asia/Tokyo")
    body = phone_page.locator("main").inner_text()
    assert "Asia/Tokyo" in body
    assert phone_page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    phone_page.screenshot(path="/tmp/online_watch_phone.png", full_page=True)
