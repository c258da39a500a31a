"""The same badge checked in by 20 concurrent requests: exactly one checked_in, the rest
already_checked_in (file SQLite and PostgreSQL: each thread its own app context and
database connection)."""
from __future__ import annotations

import threading
from collections import Counter

from eventsapp.badges.services import check_in
from eventsapp.extensions import db as _db
from eventsapp.models import CheckIn, Event, User

from .test_checkin_service import make_registration  # noqa: F401  (fixture)

N = 20


def _race(app, fn) -> list:
    barrier = threading.Barrier(N)
    results: list = [None] * N

    def worker(i):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results[i] = fn()
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results[i] = exc
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_twenty_concurrent_service_calls_admit_once(app, db, make_event, make_user,
                                                    make_registration):  # noqa: F811
    event = make_event()
    staff = make_user(staff_of=event)
    reg, _ = make_registration(event)
    event_id, staff_id, code = event.id, staff.id, reg.badge_code
    db.session.commit()

    def scan():
        ev = _db.session.get(Event, event_id)
        user = _db.session.get(User, staff_id)
        return check_in(ev, code, user).result

    results = _race(app, scan)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert Counter(results) == {"checked_in": 1, "already_checked_in": N - 1}
    db.session.rollback()
    assert db.session.query(CheckIn).filter_by(registration_id=reg.id).count() == 1


def test_twenty_concurrent_api_requests_admit_once(app, db, make_event, make_user,
                                                   make_registration, api_token):  # noqa: F811
    event = make_event()
    staff = make_user(staff_of=event)
    headers = api_token(staff)
    reg, _ = make_registration(event)
    url = f"/api/v1/events/{event.slug}/checkins"
    code = reg.badge_code
    db.session.commit()

    def scan():
        resp = app.test_client().post(url, json={"code": code}, headers=headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return resp.get_json()["result"]

    results = _race(app, scan)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert Counter(results) == {"checked_in": 1, "already_checked_in": N - 1}
    db.session.rollback()
    assert db.session.query(CheckIn).filter_by(registration_id=reg.id).count() == 1
