"""Migration 0012: the single approval switch becomes approval per category (True: every
category; False: none), new settings get the old behaviour, and back.

Drives Alembic on an empty database of each backend (SQLite file; PostgreSQL with
TEST_DATABASE_URL): upgrade to 0007, write events as the app wrote them then, upgrade
to 0012, check, downgrade, check.
"""
from __future__ import annotations

import warnings

import sqlalchemy as sa

from eventsapp.extensions import db as _db

from .test_migration_countries import _insert
from .test_migrations import empty_app, empty_database_url  # noqa: F401  (fixtures)


def _rows(table: str, *columns: str) -> list[tuple]:
    t = sa.table(table, sa.column("id"), *(sa.column(c) for c in columns))
    with _db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(*(t.c[c] for c in columns))
                                               .order_by(t.c.id))]


def _meta(conn) -> sa.MetaData:
    meta = sa.MetaData()
    with warnings.catch_warnings():  # the lower(name) index: not needed to insert rows
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        meta.reflect(conn)
    return meta


def test_approval_switch_becomes_categories_and_back(empty_app):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    upgrade(revision="0007")
    with _db.engine.begin() as conn:
        meta = _meta(conn)
        valid = {"kind": "other", "format": "hybrid", "timezone": "UTC"}
        moderated = _insert(conn, meta, "events", 1, registration_requires_approval=True, **valid)
        _insert(conn, meta, "events", 2, registration_requires_approval=False, **valid)
        _insert(conn, meta, "registrations", 1, event_id=moderated, status="waitlisted",
                modality="in_person", category="participant")

    upgrade(revision="0012")
    assert _rows("events", "approval_categories", "public_categories", "waitlist_promotion",
                 "offer_hours", "online_roles", "privacy_notice") == [
        ("participant,speaker,press,staff,vip", "participant", "immediate", 48, False, ""),
        ("", "participant", "immediate", 48, False, ""),
    ]
    # Read by the model: every category, or none.
    from eventsapp.models import Category, Event

    # Only this column: later migrations add event columns the model already maps.
    cats = list(_db.session.scalars(sa.select(Event.approval_categories).order_by(Event.id)))
    assert cats == [frozenset(Category), frozenset()]
    assert [Event(approval_categories=c).registration_requires_approval for c in cats] == [
        True, False]
    _db.session.rollback()
    # An offer made under 0012 waits again after the downgrade.
    with _db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE registrations SET status = 'offered'"))
        conn.execute(sa.text("UPDATE events SET approval_categories = 'press' WHERE id = "
                             f"{moderated + 1}"))

    downgrade(revision="0011")  # 0012 alone (older downgrades rebuild tables on SQLite)
    assert _rows("events", "registration_requires_approval") == [(True,), (True,)]
    assert _rows("registrations", "status") == [("waitlisted",)]

    upgrade()
    assert _rows("events", "approval_categories")[0] == ("participant,speaker,press,staff,vip",)
