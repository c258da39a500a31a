"""Under load: an invitation is never used more often than it allows. 16 threads bring
the same code at once (through the real HTTP stack, each with its own app context,
session and PostgreSQL connection); the uses are counted under the event lock.

PostgreSQL only: SQLite serialises every write transaction, so there is no race to lose.
"""
from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from eventsapp.models import Category, InvitationUse, Registration, RegistrationStatus
from eventsapp.registration import invitations

from .test_registration_concurrency import run_threads

pytestmark = pytest.mark.postgres_only

THREADS = 16


@pytest.fixture
def app_config(app_config):
    # Every thread comes from 127.0.0.1, and the refused ones count as wrong codes.
    return {**app_config, "REGISTRATION_RATE_LIMIT": "10000 per minute",
            "INVITATION_CODE_RATE_LIMIT": "10000 per hour", "REGISTRATION_FAST_PATH": True}


@pytest.mark.parametrize("max_uses", [1, 5])
def test_concurrent_uses_never_exceed_the_limit(app, db, make_event, make_user, max_uses):
    event = make_event(capacity_in_person=None, approval_categories=frozenset(Category))
    created = invitations.create_invitation(
        event, {"label": "Race", "category": "vip", "max_uses": max_uses, "skips_approval": True},
        make_user(organizer_of=event))
    slug, code, inv_id = event.slug, created.code, created.invitation.id
    db.session.commit()

    def register(i, client):
        resp = client.post(f"/api/v1/events/{slug}/registrations", json={
            "name": f"Racer {i}", "email": f"racer{i}@example.org", "modality": "in_person",
            "invitation": code})
        body = resp.get_json()
        return resp.status_code, (body.get("error") or {}).get("code")

    results = run_threads(app, THREADS, register)
    outcome = Counter(results)
    assert outcome == {(201, None): max_uses, (422, "invitation_used_up"): THREADS - max_uses}, \
        outcome
    db.session.rollback()
    rows = db.session.execute(sa.select(Registration.category, Registration.status).where(
        Registration.event_id == event.id)).all()
    assert Counter(rows) == {(Category.VIP, RegistrationStatus.CONFIRMED): max_uses}
    assert db.session.scalar(sa.select(sa.func.count(InvitationUse.id)).where(
        InvitationUse.invitation_id == inv_id)) == max_uses
