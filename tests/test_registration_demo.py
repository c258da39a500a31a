"""Demo data: sample registrations on the upcoming sample event, loaded idempotently."""
from __future__ import annotations

import sqlalchemy as sa

from eventsapp.demo import load_demo
from eventsapp.models import Event, Registration, RegistrationStatus


def test_demo_adds_marked_sample_registrations_once(app, db):
    load_demo()
    event = db.session.scalar(sa.select(Event).where(Event.slug == "sample-digital-roundtable"))
    regs = list(db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id)))
    assert len(regs) >= 5
    for reg in regs:
        assert reg.name.startswith("Sample Attendee ") and reg.email.endswith("@example.org")
    statuses = {r.status for r in regs}
    assert RegistrationStatus.CONFIRMED in statuses and RegistrationStatus.PENDING in statuses
    alive = [r for r in regs if r.status is RegistrationStatus.CONFIRMED]
    assert all(r.badge_code and r.join_token for r in alive)
    report = load_demo()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)
                             .where(Registration.event_id == event.id)) == len(regs)
    assert "sample registrations" not in str(report)


def test_sample_participants_are_listed_on_the_public_page(app, db, client):
    load_demo()
    page = client.get("/events/sample-digital-roundtable/participants").get_data(as_text=True)
    assert "Sample Attendee 1" in page and "Sample Attendee 3" not in page  # 3 did not consent
