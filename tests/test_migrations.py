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
