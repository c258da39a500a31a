"""Online participation rules, with an injected clock: who sees the stream link and the
recording, and when a personal join link opens."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eventsapp.extensions import db
from eventsapp.models import Modality, RegistrationStatus, SessionJoin
from eventsapp.online import services
from eventsapp.permissions import can_see_recording, can_see_stream
from tests.permissions.rules_online import make_registration

T0 = datetime(2031, 6, 7, 12, 0, tzinfo=UTC)  # the session's start
STREAM = "https://zoom.example.org/j/123456?pwd=S3cr3t"


@pytest.fixture
def setup(make_event, make_session, make_person, make_user):
    event = make_event(starts_at=T0 - timedelta(hours=2), stream_url="https://default.example.org/live",
                       stream_passcode="EVT-PASS")
    speaker_user = make_user(name="Speaker")
    person = make_person("Sam Speaker", "Org", user_id=speaker_user.id)
    session = make_session(event, starts_at=T0, ends_at=T0 + timedelta(hours=1),
                           stream_url=STREAM, stream_passcode="9876",
                           people=[(person, "panellist")])
    other = make_session(event, starts_at=T0 + timedelta(hours=2),
                         ends_at=T0 + timedelta(hours=3))
    return event, session, other, speaker_user


# ---------------------------------------------------------------- join window


def test_join_window_default_is_15_minutes_before_to_the_end(setup):
    event, session, *_ = setup
    assert services.join_state(event, session, T0 - timedelta(minutes=15, seconds=1)) == "before"
    assert services.join_state(event, session, T0 - timedelta(minutes=15)) == "open"
    assert services.join_state(event, session, T0 + timedelta(minutes=59, seconds=59)) == "open"
    assert services.join_state(event, session, T0 + timedelta(hours=1)) == "ended"


def test_join_window_follows_the_event_setting(setup):
    event, session, *_ = setup
    event.join_opens_minutes_before = 60
    db.session.commit()
    assert services.join_state(event, session, T0 - timedelta(minutes=59)) == "open"
    assert services.join_state(event, session, T0 - timedelta(minutes=61)) == "before"
    event.join_opens_minutes_before = 0
    assert services.join_state(event, session, T0 - timedelta(seconds=1)) == "before"
    assert services.join_state(event, session, T0) == "open"


def test_session_link_wins_over_event_default_and_passcodes_stay_with_their_link(setup):
    event, session, other, _ = setup
    assert services.stream_for(event, session) == services.StreamLink(STREAM, "9876")
    assert services.stream_for(event, other) == services.StreamLink(
        "https://default.example.org/live", "EVT-PASS")
    event.stream_url = None
    assert services.stream_for(event, other) is None


def test_links_that_are_not_http_are_never_used(setup):
    event, session, *_ = setup
    session.stream_url = "javascript:alert(1)"
    assert services.stream_for(event, session) is None
    assert not services.is_http_url("//evil.example.org")
    assert not services.is_http_url("https://a.example.org/\r\nX: y")
    assert services.is_http_url("https://teams.microsoft.com/l/meetup-join/abc")


# ---------------------------------------------------------------- who sees the stream


def test_who_sees_the_stream(setup, make_user):
    event, session, other, speaker_user = setup
    confirmed_user = make_user(name="Confirmed")
    make_registration(event, user=confirmed_user)
    in_person_user = make_user(name="In person")
    make_registration(event, user=in_person_user, modality=Modality.IN_PERSON)
    waiting_user = make_user(name="Waiting")
    make_registration(event, user=waiting_user, status=RegistrationStatus.WAITLISTED)
    pending_user = make_user(name="Pending")
    make_registration(event, user=pending_user, status=RegistrationStatus.PENDING)
    cancelled_user = make_user(name="Cancelled")
    make_registration(event, user=cancelled_user, status=RegistrationStatus.CANCELLED)
    stranger = make_user(name="Stranger")
    organizer = make_user(name="Organizer", organizer_of=event)
    staff = make_user(name="Door", staff_of=event)
    admin = make_user(name="Admin", is_admin=True)
    other_event = type(event)  # noqa: F841 (clarity: registrations below are per event)

    def sees(user, s=session, registration=None):
        # A fresh request cache each time, as each check would be a request of its own.
        from flask import g
        g.pop("_confirmed_registration", None)
        g.pop("_event_roles", None)
        return can_see_stream(user, s, registration)

    assert sees(confirmed_user)
    assert sees(in_person_user)  # in person registrants may follow online too
    assert sees(organizer) and sees(admin)
    assert sees(speaker_user)  # the session's own speaker ...
    assert not sees(speaker_user, other)  # ... not another session's
    for user in (None, stranger, waiting_user, pending_user, cancelled_user, staff):
        assert not sees(user), user and user.name


def test_a_registrants_secret_entitles_only_for_its_own_event(setup, make_event, make_session):
    event, session, *_ = setup
    reg, _ = make_registration(event)
    assert can_see_stream(None, session, reg)
    elsewhere = make_session(make_event(), starts_at=T0)
    assert not can_see_stream(None, elsewhere, reg)
    waiting, _ = make_registration(event, status=RegistrationStatus.WAITLISTED)
    assert not can_see_stream(None, session, waiting)
    reg.join_token = None  # cancelled: the secret died
    assert not can_see_stream(None, session, reg)


def test_confirmed_registration_of_another_event_does_not_entitle(setup, make_event, make_user):
    _, session, *_ = setup
    user = make_user()
    make_registration(make_event(), user=user)
    assert not can_see_stream(user, session)


# ---------------------------------------------------------------- recordings


def test_recording_visibility(setup, make_user):
    event, session, *_ = setup
    session.recording_url = "https://video.example.org/rec/1"
    registrant = make_user()
    make_registration(event, user=registrant)
    stranger = make_user()
    db.session.commit()
    assert not can_see_recording(None, session)
    assert not can_see_recording(stranger, session)
    assert can_see_recording(registrant, session)
    event.recordings_public = True
    assert can_see_recording(None, session) and can_see_recording(stranger, session)


def test_session_view_shows_recording_only_after_the_end(setup, make_user):
    event, session, *_ = setup
    session.recording_url = "https://video.example.org/rec/1"
    event.recordings_public = True
    db.session.commit()
    during = services.session_stream_view(None, event, session, T0 + timedelta(minutes=30))
    assert during.recording_url is None and not during.entitled and during.stream_url is None
    after = services.session_stream_view(None, event, session, T0 + timedelta(hours=1))
    assert after.recording_url == "https://video.example.org/rec/1"
    event.recordings_public = False
    after = services.session_stream_view(None, event, session, T0 + timedelta(hours=2))
    assert after.recording_url is None and after.recording_for_registrants


def test_session_view_for_each_kind_of_viewer(setup, make_user):
    event, session, _, speaker_user = setup
    registrant = make_user()
    reg, _ = make_registration(event, user=registrant)
    organizer = make_user(organizer_of=event)
    now = T0 - timedelta(hours=1)

    def view(user):
        from flask import g
        g.pop("_confirmed_registration", None)
        g.pop("_event_roles", None)
        return services.session_stream_view(user, event, session, now)

    anon = view(None)
    assert anon.has_stream and not anon.entitled
    assert anon.stream_url is None and anon.passcode is None and anon.join_secret is None
    mine = view(registrant)
    # A registrant gets the personal link (it records the join) and the passcode.
    assert mine.entitled and mine.join_secret == reg.join_token and mine.passcode == "9876"
    assert mine.stream_url is None
    org = view(organizer)
    assert org.stream_url == STREAM and org.passcode == "9876" and org.join_secret is None
    spk = view(speaker_user)
    assert spk.stream_url == STREAM


# ---------------------------------------------------------------- opening a join link


def test_open_join_inside_the_window_records_one_join(setup):
    event, session, *_ = setup
    reg, _ = make_registration(event)
    out = services.open_join(reg.join_token, session.id, T0 - timedelta(minutes=10))
    assert out.redirect_to == STREAM
    joins = db.session.query(SessionJoin).all()
    assert [(j.session_id, j.registration_id) for j in joins] == [(session.id, reg.id)]
    assert joins[0].joined_at == T0 - timedelta(minutes=10)


def test_open_join_outside_the_window_records_nothing(setup):
    event, session, *_ = setup
    session.recording_url = "https://video.example.org/rec/9"
    db.session.commit()
    reg, _ = make_registration(event)
    before = services.open_join(reg.join_token, session.id, T0 - timedelta(minutes=16))
    assert before.state == "before" and before.redirect_to is None
    assert before.opens_at == T0 - timedelta(minutes=15)
    after = services.open_join(reg.join_token, session.id, T0 + timedelta(hours=1, minutes=1))
    assert after.state == "ended" and after.redirect_to is None
    assert after.recording_url == "https://video.example.org/rec/9"
    assert db.session.query(SessionJoin).count() == 0


@pytest.mark.parametrize("status,error", [
    (RegistrationStatus.CANCELLED, "NotFound"),  # secrets die with the registration
    (RegistrationStatus.DECLINED, "NotFound"),
    (RegistrationStatus.WAITLISTED, "Forbidden"),
    (RegistrationStatus.PENDING, "Forbidden"),
])
def test_open_join_refuses_registrations_that_are_not_confirmed(setup, status, error):
    from eventsapp import errors

    event, session, *_ = setup
    reg, _ = make_registration(event, status=status)
    secret = reg.join_token or "A" * 32
    with pytest.raises(getattr(errors, error)):
        services.open_join(secret, session.id, T0)
    assert db.session.query(SessionJoin).count() == 0


def test_a_cancelled_registration_that_kept_its_secret_is_gone(setup):
    event, session, *_ = setup
    reg, _ = make_registration(event)
    reg.status = RegistrationStatus.CANCELLED  # join_token left behind by mistake
    db.session.commit()
    with pytest.raises(services.Gone):
        services.open_join(reg.join_token, session.id, T0)


def test_open_join_refuses_other_events_sessions_and_drafts(setup, make_event, make_session):
    from eventsapp.errors import NotFound

    event, session, *_ = setup
    reg, _ = make_registration(event)
    foreign = make_session(make_event(), starts_at=T0, stream_url="https://foreign.example.org")
    draft = make_session(event, starts_at=T0, published=False, stream_url="https://d.example.org")
    for sid in (foreign.id, draft.id, 999999):
        with pytest.raises(NotFound):
            services.open_join(reg.join_token, sid, T0)
    with pytest.raises(NotFound):
        services.open_join("not a secret!", session.id, T0)
    assert db.session.query(SessionJoin).count() == 0


def test_open_join_runs_two_statements_on_the_fast_path(setup, count_queries):
    event, session, *_ = setup
    reg, _ = make_registration(event)
    secret, sid = reg.join_token, session.id
    db.session.commit()
    with count_queries() as q:
        services.open_join(secret, sid, T0)
    # One SELECT (registration, event and session together) and one INSERT.
    assert q.count == 2, q.statements


# ---------------------------------------------------------------- watch page view


def test_watch_view_live_next_and_today_in_the_viewers_zone(setup):
    event, session, other, _ = setup
    reg, _ = make_registration(event)
    now = T0 + timedelta(minutes=5)
    v = services.watch_view(reg, now, "Pacific/Auckland")
    assert [it.session.id for it in v.live] == [session.id]
    assert v.next.session.id == other.id and v.next.state == "before"
    assert v.next.seconds_to_open == int((other.starts_at - timedelta(minutes=15) - now)
                                         .total_seconds())
    # 12:05 UTC is 00:05 the next day in Auckland (NZST, UTC+12): "today" is that day there.
    assert v.today.isoformat() == "2031-06-08"
    assert {it.session.id for it in v.todays} == {session.id, other.id}
    v_utc = services.watch_view(reg, now, "UTC")
    assert v_utc.today.isoformat() == "2031-06-07"


def test_watch_view_on_another_day_has_nothing_today(setup):
    event, *_ = setup
    reg, _ = make_registration(event)
    v = services.watch_view(reg, T0 - timedelta(days=3), "UTC")
    assert v.todays == [] and v.live == [] and v.next is not None
