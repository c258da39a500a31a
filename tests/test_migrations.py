"""Migrations: an EMPTY database upgraded to head matches the models exactly.

Runs on an empty SQLite file and, with TEST_DATABASE_URL, on an empty PostgreSQL
database created for the test (and dropped after).
"""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from eventsapp import create_app
from eventsapp.extensions import db as _db

from .conftest import PG_URL, _pg_url, _test_config


@pytest.fixture
def empty_database_url(backend, tmp_path):
    """The URL of a brand-new, empty database of the current backend."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    base = sa.make_url(_pg_url(PG_URL))
    name = f"ea_mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def empty_app(empty_database_url, tmp_path):
    """An app on the empty database (no create_all: only migrations make tables)."""
    app = create_app(_test_config(empty_database_url, INSTANCE_PATH=str(tmp_path / "instance")))
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        _db.session.remove()
        _db.engine.dispose()
        ctx.pop()


def _diff(app) -> list:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    opts = dict(app.extensions["migrate"].configure_args)
    opts.setdefault("compare_type", True)
    opts.pop("process_revision_directives", None)
    opts.pop("render_item", None)
    with _db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(mc, _db.metadata)


def test_upgrade_empty_database_to_head_matches_models(empty_app):
    from flask_migrate import upgrade

    assert sa.inspect(_db.engine).get_table_names() == []
    upgrade()
    assert "alembic_version" in sa.inspect(_db.engine).get_table_names()
    diff = _diff(empty_app)
    assert diff == [], "models and migrations differ (run `flask db migrate`):\n" + \
        "\n".join(map(str, diff))


def test_migrations_have_a_single_head(empty_app):
    from alembic.script import ScriptDirectory

    config = empty_app.extensions["migrate"].migrate.get_config()
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_upgrade_then_downgrade_to_base_and_back(empty_app):
    from flask_migrate import downgrade, upgrade

    upgrade()
    downgrade(revision="base")
    assert set(sa.inspect(_db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "events" in sa.inspect(_db.engine).get_table_names()


def _row_counts(tables) -> dict[str, int]:
    with _db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                for t in tables}


def test_downgrading_and_upgrading_again_keeps_the_data(empty_app):
    """With the demo's events, sessions, people, registrations and pledges in the
    database, going down to the first revision and back up loses no row of the tables
    both ends have. On SQLite, the older revisions rebuild tables (batch mode): with
    foreign keys enforced, dropping the old ``events`` table would delete every row that
    references it, so the migrations run with enforcement off (migrations/env.py)."""
    from flask_migrate import downgrade, upgrade

    from eventsapp.demo import load_demo

    upgrade()
    load_demo()
    _db.session.commit()
    _db.session.remove()
    kept = ["users", "events", "rooms", "people", "sessions", "session_roles",
            "registrations", "pledges", "pledging_entities"]
    before = _row_counts(kept)
    assert before["events"] >= 3 and before["session_roles"] > 0, before
    downgrade(revision="0001")
    assert _row_counts(kept) == before
    upgrade()
    assert _row_counts(kept) == before
    with _db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
