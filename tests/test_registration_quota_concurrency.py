"""Focal points approving at the same time, through the pages: an organization's quotas
(approved registrations, in-person seats) are never exceeded, and every approval that
got in is a registration with its mail.

Each thread has its own app context (its own session and database connection) and its
own signed-in test client, and goes through the whole HTTP stack. PostgreSQL only: on
SQLite writers queue on the database file, so there is no race to lose.
"""
from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    FocalPoint,
    Modality,
    Organization,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    StakeholderType,
)
from eventsapp.security import hash_token, new_token

from .conftest import login

pytestmark = pytest.mark.postgres_only


def run_threads(app, users, fn):
    """fn(i, client) in one thread per user (each signed in as that user on its own
    client), released together; the results by index."""
    n = len(users)
    barrier = threading.Barrier(n)
    results: list = [None] * n
    errors: list = []

    def worker(i, user_id):
        try:
            with app.app_context():
                from eventsapp.extensions import db
                from eventsapp.models import User

                client = app.test_client()
                login(client, db.session.get(User, user_id))
                db.session.commit()
                barrier.wait(timeout=30)
                results[i] = fn(i, client)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i, uid)) for i, uid in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


def delegation(db, make_event, make_user, *, pending, focal_points, modality=Modality.IN_PERSON,
               **quotas):
    event = make_event(capacity_in_person=500, capacity_online=500)
    org = Organization(event_id=event.id, name="Racing Delegation",
                       kind=StakeholderType.GOVERNMENT, **quotas)
    db.session.add(org)
    db.session.flush()
    users = [make_user(f"focal{i}@example.org") for i in range(focal_points)]
    db.session.add_all([FocalPoint(organization_id=org.id, user_id=u.id) for u in users])
    regs = []
    for i in range(pending):
        reg = Registration(event_id=event.id, name=f"Delegate {i}", email=f"d{i}@example.org",
                           organization="Racing Delegation", organization_id=org.id,
                           modality=modality if i % 3 else Modality.IN_PERSON,
                           status=RegistrationStatus.PENDING,
                           manage_token_hash=hash_token(new_token()), badge_code=new_token(),
                           join_token=new_token())
        db.session.add(reg)
        regs.append(reg)
    db.session.commit()
    return org.id, [u.id for u in users], [r.id for r in regs]


def outcome(db, org_id):
    db.session.rollback()
    rows = db.session.execute(sa.select(Registration.status, Registration.modality).where(
        Registration.organization_id == org_id)).all()
    mails = Counter(db.session.scalars(sa.select(OutboxMessage.kind)))
    return Counter(rows), mails


def test_concurrent_approvals_never_exceed_the_approved_quota(app, db, make_event, make_user):
    org_id, users, regs = delegation(db, make_event, make_user, pending=16, focal_points=16,
                                     modality=Modality.ONLINE, max_registrations=5)

    def approve(i, client):
        return client.post(f"/my/delegations/{org_id}/registrations/{regs[i]}/approve",
                           data={}).status_code

    assert set(run_threads(app, users, approve)) == {302}  # no 500
    rows, mails = outcome(db, org_id)
    approved = rows[(RegistrationStatus.CONFIRMED, Modality.ONLINE)] + rows[
        (RegistrationStatus.CONFIRMED, Modality.IN_PERSON)]
    assert approved == 5  # exactly the quota: no more, and none refused while room was left
    assert sum(n for (status, _m), n in rows.items()
               if status is RegistrationStatus.PENDING) == 11
    assert mails == {"registration_approved": 5}


def test_concurrent_approvals_never_exceed_the_seats_in_the_room(app, db, make_event, make_user):
    org_id, users, regs = delegation(db, make_event, make_user, pending=12, focal_points=12,
                                     max_in_room=3)

    def approve(i, client):
        return client.post(f"/my/delegations/{org_id}/registrations/{regs[i]}/approve",
                           data={}).status_code

    assert set(run_threads(app, users, approve)) == {302}
    rows, mails = outcome(db, org_id)
    assert rows[(RegistrationStatus.CONFIRMED, Modality.IN_PERSON)] == 3
    assert rows[(RegistrationStatus.PENDING, Modality.IN_PERSON)] == 9
    assert mails == {"registration_approved": 3}


def test_focal_point_and_organizer_racing_on_the_last_place(app, db, make_event, make_user):
    """The last place of the quota, wanted by the focal points' page and the organizers'
    approval at once: one of them gets it."""
    org_id, users, regs = delegation(db, make_event, make_user, pending=8, focal_points=4,
                                     max_registrations=1)
    event = db.session.get(Organization, org_id).event
    slug = event.slug
    organizers = [make_user(f"org{i}@example.org", organizer_of=event).id for i in range(4)]

    def approve(i, client):
        if i < 4:
            return client.post(f"/my/delegations/{org_id}/registrations/{regs[i]}/approve",
                               data={}).status_code
        return client.post(f"/events/{slug}/registrations/{regs[i]}/approve",
                           data={}).status_code

    codes = run_threads(app, users + organizers, approve)
    assert all(code in (302, 409) for code in codes), codes
    rows, mails = outcome(db, org_id)
    counted = sum(n for (status, _m), n in rows.items()
                  if status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED))
    assert counted == 1
    assert mails == {"registration_approved": 1}
