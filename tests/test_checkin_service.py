"""Check-in service: answers for every kind of scan, once per event-local day, counts."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from eventsapp.badges import services
from eventsapp.badges.counts import checkin_counts
from eventsapp.badges.schemas import CheckinResult
from eventsapp.badges.services import (
    ALREADY,
    CHECKED_IN,
    INVALID,
    check_in,
)
from eventsapp.models import (
    Category,
    CheckIn,
    Modality,
    Registration,
    RegistrationStatus,
)
from eventsapp.security import hash_token, new_token


@pytest.fixture
def make_registration(db):
    """``make_registration(event, **kw) -> (registration, manage_token)``, made directly
    with the model as the registration feature would (secrets included)."""

    def make(event, *, name="Ada Lovelace", organization="Analytical Engines",
             category=Category.PARTICIPANT, modality=Modality.IN_PERSON,
             status=RegistrationStatus.CONFIRMED, email=None):
        token = new_token()
        live = status not in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED)
        reg = Registration(
            event=event, name=name, organization=organization, category=category,
            modality=modality, status=status,
            email=email or f"{uuid.uuid4().hex[:10]}@example.org",
            manage_token_hash=hash_token(token),
            badge_code=new_token() if live else None, join_token=new_token() if live else None)
        db.session.add(reg)
        db.session.commit()
        return reg, token

    return make


def test_checked_in_then_already_checked_in_with_when_and_by_whom(
        db, make_event, make_user, make_registration):
    event = make_event()
    staff = make_user(name="Door Keeper", staff_of=event)
    reg, _ = make_registration(event, name="Paula Ingabire", organization="MINICT",
                               category=Category.VIP)
    code = reg.badge_code
    first_at = datetime(2030, 6, 7, 7, 5, tzinfo=UTC)  # 09:05 in Kigali

    first = check_in(event, code, staff, now=first_at)
    assert first.result == CHECKED_IN
    assert first.registration.name == "Paula Ingabire"
    assert first.registration.organization == "MINICT"
    assert first.registration.category == "vip"
    assert first.checkin.time == "09:05"
    assert first.checkin.checked_in_by == "Door Keeper"

    again = check_in(event, "  " + code + "\n", staff, now=first_at + timedelta(hours=3))
    assert again.result == ALREADY
    assert again.checkin.time == "09:05"  # when the badge was first admitted today
    assert again.checkin.checked_in_by == "Door Keeper"
    assert again.registration.name == "Paula Ingabire"

    rows = db.session.query(CheckIn).all()
    assert len(rows) == 1
    assert rows[0].checked_in_by_id == staff.id
    assert rows[0].checked_in_at == first_at


def test_multi_day_event_once_per_event_local_day(db, make_event, make_user,
                                                  make_registration):
    event = make_event(timezone="Africa/Kigali")  # UTC+2
    staff = make_user(staff_of=event)
    reg, _ = make_registration(event)
    day1_late = datetime(2030, 6, 7, 21, 30, tzinfo=UTC)  # 23:30 on the 7th in Kigali
    day2_early = datetime(2030, 6, 7, 22, 30, tzinfo=UTC)  # 00:30 on the 8th in Kigali
    assert check_in(event, reg.badge_code, staff, now=day1_late).result == CHECKED_IN
    assert check_in(event, reg.badge_code, staff, now=day2_early).result == CHECKED_IN
    assert check_in(event, reg.badge_code, staff,
                    now=day2_early + timedelta(hours=8)).result == ALREADY
    days = sorted(c.day.isoformat() for c in db.session.query(CheckIn).all())
    assert days == ["2030-06-07", "2030-06-08"]


@pytest.mark.parametrize("raw", ["", "   ", "hello", "x" * 5000, "'; DROP TABLE checkins;--",
                                 "https://evil.example/?code=short", "\x00\x01", "ñ" * 40])
def test_garbage_is_unreadable(db, make_event, make_user, raw):
    event = make_event()
    result = check_in(event, raw, make_user(staff_of=event))
    assert result.result == INVALID and result.reason == "unreadable"
    assert CheckinResult().dump(result)["registration"] is None
    assert result.message


def test_none_is_unreadable(db, make_event):
    assert check_in(make_event(), None, None).reason == "unreadable"


@pytest.mark.parametrize("status,reason", [
    (RegistrationStatus.WAITLISTED, "not_confirmed"),
    (RegistrationStatus.PENDING, "not_confirmed"),
])
def test_not_confirmed_registrations_do_not_admit(db, make_event, make_user, make_registration,
                                                  status, reason):
    event = make_event()
    reg, _ = make_registration(event, status=status)
    result = check_in(event, reg.badge_code, make_user(staff_of=event))
    assert (result.result, result.reason) == (INVALID, reason)
    assert db.session.query(CheckIn).count() == 0


def test_online_only_and_other_event_and_unknown(db, make_event, make_user, make_registration):
    event = make_event()
    other = make_event(title="Sister Event")
    staff = make_user(staff_of=event)
    online, _ = make_registration(event, modality=Modality.ONLINE)
    elsewhere, _ = make_registration(other)
    r = check_in(event, online.badge_code, staff)
    assert (r.result, r.reason) == (INVALID, "online_only")
    r = check_in(event, elsewhere.badge_code, staff)
    assert (r.result, r.reason) == (INVALID, "other_event")
    assert "Sister Event" in r.message
    assert CheckinResult().dump(r)["registration"] is None
    r = check_in(event, new_token(), staff)
    assert (r.result, r.reason) == (INVALID, "unknown")
    assert db.session.query(CheckIn).count() == 0


def test_other_event_title_hidden_for_drafts(db, make_event, make_user, make_registration):
    event = make_event()
    draft = make_event(title="Secret Summit", published=False)
    reg, _ = make_registration(draft)
    r = check_in(event, reg.badge_code, make_user(staff_of=event))
    assert r.reason == "other_event"
    assert "Secret Summit" not in r.message


def test_url_form_is_accepted(db, make_event, make_user, make_registration):
    event = make_event()
    reg, _ = make_registration(event)
    url = f"https://events.example.org/events/{event.slug}/checkin?code={reg.badge_code}"
    assert check_in(event, url, make_user(staff_of=event)).result == CHECKED_IN


def test_cancelled_registration_badge_is_revoked_and_says_so(db, make_event, make_user,
                                                             make_registration):
    from eventsapp.registration import services as registration

    event = make_event()
    staff = make_user(staff_of=event)
    reg, _ = make_registration(event)
    old = reg.badge_code
    registration.cancel(reg.id)
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).badge_code is None
    r = check_in(event, old, staff)
    assert (r.result, r.reason) == (INVALID, "cancelled")


def test_reissued_badge_old_code_stops_working(db, make_event, make_user, make_registration):
    event = make_event()
    organizer = make_user(organizer_of=event)
    staff = make_user(staff_of=event)
    reg, _ = make_registration(event)
    old = reg.badge_code
    services.reissue_badge(event, reg.id, organizer)
    new = db.session.get(Registration, reg.id).badge_code
    assert new and new != old
    assert check_in(event, old, staff).reason == "replaced"
    assert check_in(event, new, staff).result == CHECKED_IN


def test_counts_today_and_overall_by_category_against_registered(
        db, make_event, make_user, make_registration):
    event = make_event()
    staff = make_user(staff_of=event)
    day1 = datetime(2030, 6, 7, 8, 0, tzinfo=UTC)
    day2 = day1 + timedelta(days=1)
    speakers = [make_registration(event, category=Category.SPEAKER)[0] for _ in range(3)]
    press = [make_registration(event, category=Category.PRESS)[0] for _ in range(2)]
    make_registration(event, modality=Modality.ONLINE)  # not counted as registered
    make_registration(event, status=RegistrationStatus.WAITLISTED)  # nor this one
    for reg in speakers:
        check_in(event, reg.badge_code, staff, now=day1)
    check_in(event, press[0].badge_code, staff, now=day1)
    check_in(event, speakers[0].badge_code, staff, now=day2)
    check_in(event, press[1].badge_code, staff, now=day2)

    counts = checkin_counts(event, now=day2)
    by = {r.category: r for r in counts.rows}
    assert (by[Category.SPEAKER].registered, by[Category.SPEAKER].today,
            by[Category.SPEAKER].overall) == (3, 1, 3)
    assert (by[Category.PRESS].registered, by[Category.PRESS].today,
            by[Category.PRESS].overall) == (2, 1, 2)
    assert by[Category.PARTICIPANT].registered == 0
    assert (counts.registered, counts.today, counts.overall) == (5, 2, 5)
    data = counts.as_dict()
    assert data["totals"] == {"registered": 5, "today": 2, "overall": 5}


def test_counts_take_a_fixed_number_of_queries(db, make_event, make_user, make_registration,
                                               count_queries):
    event = make_event()
    staff = make_user(staff_of=event)
    for i in range(12):
        reg, _ = make_registration(event, category=list(Category)[i % 5])
        check_in(event, reg.badge_code, staff)
    db.session.commit()
    with count_queries() as q:
        checkin_counts(event)
    assert q.count <= 3
