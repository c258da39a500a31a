"""Under load: capacity is never exceeded and each freed place goes to exactly one person.

Each thread has its own app context, hence its own session and database connection
(a file SQLite database, or PostgreSQL), and goes through the real HTTP stack.
"""
from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    Category,
    Modality,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventsapp.security import hash_token
from tests.support.registration_paths import fast_path  # noqa: F401 - a fixture


@pytest.fixture
def app_config(app_config, fast_path):  # noqa: F811 - the fixture, over both paths
    # Every thread comes from 127.0.0.1: lift the per-address limit for this module only.
    return {**app_config, "REGISTRATION_RATE_LIMIT": "10000 per minute",
            "REGISTRATION_FAST_PATH": fast_path}


def bulk(db, event, n, *, status=RegistrationStatus.CONFIRMED, modality=Modality.IN_PERSON,
         prefix="filler"):
    """Insert ``n`` registrations; manage tokens are f"{prefix}-{i}"."""
    if n <= 0:
        return
    now = datetime.now(UTC)
    db.session.execute(sa.insert(Registration), [
        {"event_id": event.id, "name": f"{prefix} {i}", "email": f"{prefix}{i}@example.org",
             "organization": "", "position": "", "country": "", "needs": "", "modality": modality,
             "category": Category.PARTICIPANT, "status": status, "consent_listed": False, "source": "form",
             "over_capacity": False, "manage_token_hash": hash_token(f"{prefix}-{i}"),
             "badge_code": f"{prefix}-badge-{i}", "join_token": f"{prefix}-join-{i}",
             "created_at": now, "updated_at": now,
             "waitlisted_at": now + timedelta(milliseconds=i) if status is RegistrationStatus.WAITLISTED else None}
        for i in range(n)])
    db.session.commit()


def run_threads(app, n, fn):
    """Run fn(i, client) in ``n`` threads released together; return results by index."""
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def worker(i):
        try:
            with app.app_context():
                client = app.test_client()
                barrier.wait(timeout=30)
                results[i] = fn(i, client)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def counts(db, event):
    db.session.rollback()
    return Counter(db.session.execute(
        sa.select(Registration.modality, Registration.status)
        .where(Registration.event_id == event.id)).all())


def test_concurrent_registrations_never_exceed_capacity(app, db, make_event):
    event = make_event(capacity_in_person=60, capacity_online=None)
    bulk(db, event, 50)  # 10 places left
    slug = event.slug  # read now: the test's session must not be used from the threads
    n = 60

    def register(i, client):
        # Half want the waiting list when full, half want to be told it is full.
        resp = client.post(f"/api/v1/events/{slug}/registrations", json={
            "name": f"Racer {i}", "email": f"racer{i}@example.org", "modality": "in_person",
            "if_full": "waitlist" if i % 2 else "reject"})
        return resp.status_code, resp.get_json()

    results = run_threads(app, n, register)
    codes = Counter(code for code, _ in results)
    assert set(codes) <= {201, 409}, codes  # no 500, nothing else
    statuses = Counter(body["status"] for code, body in results if code == 201)
    assert statuses["confirmed"] == 10
    for code, body in results:
        if code == 409:
            assert body["error"]["code"] == "full"
    c = counts(db, event)
    assert c[(Modality.IN_PERSON, RegistrationStatus.CONFIRMED)] == 60  # exactly the capacity
    assert c[(Modality.IN_PERSON, RegistrationStatus.WAITLISTED)] == statuses["waitlisted"]
    # Nothing lost: every 201 is a row with its mail, every 409 left nothing behind.
    racers = db.session.scalar(sa.select(sa.func.count()).select_from(Registration)
                               .where(Registration.email.like("racer%")))
    assert racers == codes[201] and codes[201] + codes[409] == n
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == codes[201]
    # Those who asked for the waiting list got it once the places were gone.
    assert statuses["waitlisted"] + 10 == codes[201]


def test_concurrent_cancellations_each_place_goes_to_exactly_one(app, db, make_event):
    event = make_event(capacity_in_person=10)
    bulk(db, event, 10, prefix="seat")
    bulk(db, event, 25, status=RegistrationStatus.WAITLISTED, prefix="wait")
    n = 10

    def cancel(i, client):
        return client.post(f"/r/seat-{i}/cancel", data={"confirm": "y"}).status_code

    assert run_threads(app, n, cancel) == [302] * n
    c = counts(db, event)
    assert c[(Modality.IN_PERSON, RegistrationStatus.CONFIRMED)] == 10
    assert c[(Modality.IN_PERSON, RegistrationStatus.CANCELLED)] == 10
    assert c[(Modality.IN_PERSON, RegistrationStatus.WAITLISTED)] == 15
    promoted = set(db.session.scalars(sa.select(Registration.email).where(
        Registration.status == RegistrationStatus.CONFIRMED)))
    assert promoted == {f"wait{i}@example.org" for i in range(10)}  # first come, first served
    mails = Counter(db.session.scalars(sa.select(OutboxMessage.kind)))
    assert mails == {"registration_cancelled": 10, "registration_promoted": 10}
    per_person = Counter(db.session.scalars(sa.select(OutboxMessage.to_address).where(
        OutboxMessage.kind == "registration_promoted")))
    assert set(per_person.values()) == {1}


def test_concurrent_cancellations_of_the_same_registration(app, db, make_event):
    event = make_event(capacity_in_person=1)
    bulk(db, event, 1, prefix="seat")
    bulk(db, event, 5, status=RegistrationStatus.WAITLISTED, prefix="wait")

    def cancel(i, client):
        return client.post("/r/seat-0/cancel", data={"confirm": "y"},
                           follow_redirects=True).get_data(as_text=True)

    pages = run_threads(app, 8, cancel)
    assert sum("already cancelled" in p for p in pages) == 7
    c = counts(db, event)
    assert c[(Modality.IN_PERSON, RegistrationStatus.CONFIRMED)] == 1  # one promotion only
    assert c[(Modality.IN_PERSON, RegistrationStatus.WAITLISTED)] == 4


def test_concurrent_switches_to_in_person_respect_capacity(app, db, make_event):
    event = make_event(capacity_in_person=3)
    bulk(db, event, 20, modality=Modality.ONLINE, prefix="online")

    def switch(i, client):
        client.post(f"/r/online-{i}/modality", data={"modality": "in_person", "confirm": "1"})

    run_threads(app, 20, switch)
    c = counts(db, event)
    assert c[(Modality.IN_PERSON, RegistrationStatus.CONFIRMED)] == 3
    assert c[(Modality.ONLINE, RegistrationStatus.CONFIRMED)] == 17


def test_concurrent_focal_point_approvals_never_exceed_the_quota(app, db, make_event, make_user):
    """N threads approve N different pending delegates of one organization whose quota
    is 3: exactly 3 are confirmed, the others are told the quota is reached."""
    from eventsapp.auth.services import create_api_token
    from eventsapp.models import FocalPoint, Organization, StakeholderType

    event = make_event(capacity_in_person=100)
    org = Organization(event_id=event.id, name="Racing NGO", kind=StakeholderType.CIVIL_SOCIETY,
                       max_registrations=3)
    db.session.add(org)
    db.session.flush()
    focal = make_user(name="Racing Focal")
    db.session.add(FocalPoint(organization_id=org.id, user_id=focal.id))
    db.session.commit()
    n = 12
    bulk(db, event, n, status=RegistrationStatus.PENDING, prefix="delegate")
    db.session.execute(sa.update(Registration).where(Registration.event_id == event.id)
                       .values(organization_id=org.id))
    db.session.commit()
    ids = list(db.session.scalars(sa.select(Registration.id).where(
        Registration.event_id == event.id).order_by(Registration.id)))
    headers = {"Authorization": f"Bearer {create_api_token(focal, 'race')[1]}"}
    base = f"/api/v1/events/{event.slug}/organizations/{org.id}/registrations"

    def approve(i, client):
        resp = client.post(f"{base}/{ids[i]}/approve", headers=headers, json={})
        return resp.status_code, resp.get_json()

    results = run_threads(app, n, approve)
    codes = Counter(code for code, _ in results)
    assert codes == {200: 3, 409: n - 3}, codes
    assert all(body["error"]["code"] == "quota_reached" for code, body in results if code == 409)
    c = counts(db, event)
    assert c[(Modality.IN_PERSON, RegistrationStatus.CONFIRMED)] == 3
    assert c[(Modality.IN_PERSON, RegistrationStatus.PENDING)] == n - 3
    mails = Counter(db.session.scalars(sa.select(OutboxMessage.kind)))
    assert mails == {"registration_approved": 3}
