"""The PostgreSQL rush path inserts registrations with hand-written SQL
(``registration.services._PLACE_AND_INSERT``) so the event lock is held for the
server's work only. It bypasses the ORM's column defaults, so a column added to the
model must be added there too: this test fails until it is."""
from __future__ import annotations

import re

from eventsapp.models import Registration
from eventsapp.registration.services import _PLACE_AND_INSERT

# Columns the fast path deliberately leaves to the database (id) or NULL: a new
# registration has never been printed, cancelled, decided, erased or had its secrets
# rotated.
LEFT_OUT = {"id", "badge_printed_at", "cancelled_at", "decided_by_id", "erased_at",
            "secrets_rotated_at"}


def test_rush_insert_names_every_registration_column():
    m = re.search(r"INSERT INTO registrations \(([^)]*)\)", _PLACE_AND_INSERT.text)
    assert m, "the fast path's INSERT was not found"
    inserted = {c.strip() for c in m.group(1).split(",")}
    columns = {c.name for c in Registration.__table__.columns}
    assert inserted | LEFT_OUT == columns, (
        f"missing from the fast path: {sorted(columns - inserted - LEFT_OUT)}; "
        f"unknown: {sorted(inserted - columns)}")
