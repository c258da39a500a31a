"""The offer expiry job run by several workers at once: each expired offer is expired
once, each freed place is offered to exactly one person, and nobody gets a mail twice;
an acceptance racing the expiry either confirms or is refused, never both.

Each thread has its own app context, hence its own session and database connection (a
file SQLite database, or PostgreSQL), as separate processes would.
"""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from eventsapp.models import (
    OutboxMessage,
    PromotionMode,
    Registration,
    RegistrationStatus,
)
from eventsapp.registration import services
from eventsapp.registration.offers import expire_offers

from .test_registration_concurrency import bulk, run_threads


def offering_event(make_event, db, *, seats: int, waiting: int, offered: int):
    """An offering event whose ``seats`` places are held by ``offered`` offers already
    expired (tokens "offer-i") and confirmed people; ``waiting`` people wait ("wait-i")."""
    event = make_event(capacity_in_person=seats, waitlist_promotion=PromotionMode.OFFER,
                       offer_hours=48)
    bulk(db, event, seats - offered, prefix=f"seat{event.id}")
    bulk(db, event, offered, status=RegistrationStatus.OFFERED, prefix=f"offer{event.id}")
    bulk(db, event, waiting, status=RegistrationStatus.WAITLISTED, prefix=f"wait{event.id}")
    past = datetime.now(UTC) - timedelta(minutes=5)
    db.session.execute(sa.update(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.OFFERED)
        .values(offer_expires_at=past))
    db.session.commit()
    return event


def by_status(db, event) -> Counter:
    db.session.rollback()
    return Counter(db.session.scalars(sa.select(Registration.status).where(
        Registration.event_id == event.id)))


def test_concurrent_expiry_runs_pass_each_place_to_exactly_one(app, db, make_event):
    events = [offering_event(make_event, db, seats=5, waiting=12, offered=4) for _ in range(3)]
    now = datetime.now(UTC)
    reports = run_threads(app, 6, lambda i, client: expire_offers(now))
    assert sum(r.expired for r in reports) == 12  # 4 per event, each once
    assert sum(r.promoted for r in reports) == 12
    for event in events:
        c = by_status(db, event)
        assert c[RegistrationStatus.CONFIRMED] == 1
        assert c[RegistrationStatus.OFFERED] == 4  # never more than the freed places
        assert c[RegistrationStatus.CANCELLED] == 4
        assert c[RegistrationStatus.WAITLISTED] == 8
        offered = set(db.session.scalars(sa.select(Registration.email).where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.OFFERED)))
        # First come, first served: the first four of the waiting list.
        assert offered == {f"wait{event.id}{i}@example.org" for i in range(4)}
    kinds = Counter(db.session.scalars(sa.select(OutboxMessage.kind)))
    assert kinds == {"registration_offer_expired": 12, "registration_offered": 12}
    per_person = Counter(db.session.execute(
        sa.select(OutboxMessage.to_address, OutboxMessage.kind)).all())
    assert set(per_person.values()) == {1}  # no duplicate mail
    # Nothing is left for another run.
    assert expire_offers(now).expired == 0


def test_accepting_while_the_job_expires_is_one_or_the_other(app, db, make_event):
    """An offer accepted at its deadline while the job expires it: confirmed and kept, or
    expired and passed on; never confirmed AND passed on."""
    event = offering_event(make_event, db, seats=1, waiting=3, offered=1)
    reg_id = db.session.scalar(sa.select(Registration.id).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.OFFERED))
    deadline = datetime.now(UTC) + timedelta(minutes=5)
    db.session.execute(sa.update(Registration).where(Registration.id == reg_id)
                       .values(offer_expires_at=deadline))
    db.session.commit()
    at = deadline - timedelta(seconds=1)  # the acceptance's clock: in time

    def race(i, client):
        if i % 2:
            return expire_offers(deadline)  # the job's clock: due
        try:
            return services.accept_offer(reg_id, now=at).status
        except services.OfferExpired:
            return "expired"

    results = run_threads(app, 2, race)
    c = by_status(db, event)
    assert c[RegistrationStatus.CONFIRMED] + c[RegistrationStatus.OFFERED] == 1  # one place
    if results[0] == "expired":  # the job came first: the next person has the offer
        assert c[RegistrationStatus.OFFERED] == 1 and results[1].expired == 1
    else:  # accepted first: the job found nothing due (or skipped the locked event)
        assert results[0] is RegistrationStatus.CONFIRMED
        assert c[RegistrationStatus.CONFIRMED] == 1 and results[1].expired == 0
        assert c[RegistrationStatus.WAITLISTED] == 3


def test_concurrent_expiry_and_cancellations_never_overfill(app, db, make_event):
    """Runs of the job and cancellations of confirmed people at once: the places held
    (confirmed and offered) never exceed the capacity."""
    event = offering_event(make_event, db, seats=6, waiting=20, offered=3)
    now = datetime.now(UTC)

    event_id = event.id  # read now: the test's session must not be used from the threads

    def work(i, client):
        if i < 3:
            return expire_offers(now)
        return client.post(f"/r/seat{event_id}-{i - 3}/cancel", data={"confirm": "y"}).status_code

    results = run_threads(app, 6, work)
    assert results[3:] == [302] * 3
    # On PostgreSQL a run skips an event a cancellation holds: the next run takes it.
    db.session.rollback()
    expire_offers(now)
    c = by_status(db, event)
    assert c[RegistrationStatus.CONFIRMED] + c[RegistrationStatus.OFFERED] == 6
    assert c[RegistrationStatus.CONFIRMED] == 0 and c[RegistrationStatus.CANCELLED] == 6
    assert c[RegistrationStatus.WAITLISTED] == 14
    per_person = Counter(db.session.execute(
        sa.select(OutboxMessage.to_address, OutboxMessage.kind)).all())
    assert set(per_person.values()) == {1}
    assert Counter(db.session.scalars(sa.select(OutboxMessage.kind))) == {
        "registration_offer_expired": 3, "registration_cancelled": 3, "registration_offered": 6}
