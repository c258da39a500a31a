"""Migration 0013: the invitations tables come and go, and nothing else changes (no
table is copied: registrations and what references them survive both ways).

Drives Alembic on an empty database of each backend (SQLite file; PostgreSQL with
TEST_DATABASE_URL): upgrade to 0012, write an event with a registration and its
check-in, upgrade to 0013, use the new tables, downgrade 0013 alone, check, upgrade again.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db as _db

from .test_migration_countries import _insert
from .test_migration_registration_settings import _meta, _rows
from .test_migrations import empty_app, empty_database_url  # noqa: F401  (fixtures)


def _tables() -> set[str]:
    return set(sa.inspect(_db.engine).get_table_names())


def test_invitations_tables_up_and_down(empty_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    upgrade(revision="0012")
    assert not {"invitations", "invitation_uses"} & _tables()
    with _db.engine.begin() as conn:
        meta = _meta(conn)
        event = _insert(conn, meta, "events", 1, kind="other", format="hybrid", timezone="UTC")
        reg = _insert(conn, meta, "registrations", 1, event_id=event, status="confirmed",
                      modality="in_person", category="participant")
        _insert(conn, meta, "checkins", 1, registration_id=reg, event_id=event)

    upgrade(revision="0013")
    assert {"invitations", "invitation_uses"} <= _tables()
    with _db.engine.begin() as conn:
        meta = _meta(conn)
        inv = _insert(conn, meta, "invitations", 1, event_id=event, label="VIP", category="vip",
                      skips_approval=True, code_hash="a" * 64, max_uses=None)
        _insert(conn, meta, "invitation_uses", 1, invitation_id=inv, registration_id=reg)
    # Read back through the models.
    from eventsapp.models import Category, Invitation, InvitationUse

    [model] = _db.session.scalars(sa.select(Invitation)).all()
    assert (model.label, model.category, model.max_uses, model.skips_approval) == (
        "VIP", Category.VIP, None, True)
    assert _db.session.scalar(sa.select(InvitationUse.registration_id)) == reg
    _db.session.rollback()
    # One use per registration.
    with pytest.raises(sa.exc.IntegrityError), _db.engine.begin() as conn:
        _insert(conn, _meta(conn), "invitation_uses", 2, invitation_id=inv, registration_id=reg)

    downgrade(revision="0012")  # 0013 alone
    assert not {"invitations", "invitation_uses"} & _tables()
    assert _rows("registrations", "status") == [("confirmed",)]
    assert _rows("checkins", "registration_id") == [(reg,)]

    upgrade()
    assert {"invitations", "invitation_uses"} <= _tables()
    assert _rows("invitations", "label") == []
