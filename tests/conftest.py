"""Test fixtures. Every test runs on SQLite and, with TEST_DATABASE_URL set, also on
PostgreSQL (in a database of its own created for this run, so parallel runs on one
server do not collide).

Fixtures that make data return callables: ``make_event(...)``, ``make_user(...)``.
"""
from __future__ import annotations

import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from eventsapp import create_app
from eventsapp.extensions import db as _db

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: the test is about SQLite itself")
    config.addinivalue_line("markers", "postgres_only: the test is about PostgreSQL itself")
    config.addinivalue_line("markers", "fuzz: generated and junk input over every route (select with -m fuzz)")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(autouse=True)
def _backend_markers(request):
    if "backend" not in request.fixturenames:
        return
    be = request.getfixturevalue("backend")
    if request.node.get_closest_marker("sqlite_only") and be != "sqlite":
        pytest.skip("SQLite only")
    if request.node.get_closest_marker("postgres_only") and be != "postgresql":
        pytest.skip("PostgreSQL only")


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory) -> str:
    """A database with the schema, for this run and backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        yield from _with_schema(url)
        return
    base = sa.make_url(_pg_url(PG_URL))
    name = f"ea_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield from _with_schema(base.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _with_schema(url: str):
    app = create_app(_test_config(url))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    yield url


def _test_config(url: str, **extra) -> dict:
    cfg = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": secrets.token_hex(32),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "MAIL_SERVER": "",
        "INSTANCE_PATH": str(Path(os.environ.get("PYTEST_TMP", "/tmp")) / "eventsapp-test-instance"),
    }
    cfg.update(extra)
    return cfg


def _wipe(engine) -> None:
    """Empty every table (faster than recreating the schema for each test)."""
    tables = [t.name for t in _db.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                 + " RESTART IDENTITY CASCADE")
        else:
            for t in reversed(tables):
                conn.exec_driver_sql(f'DELETE FROM "{t}"')


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Override in a test module (or update in a test before ``app``) to change settings."""
    return _test_config(database_url, INSTANCE_PATH=str(tmp_path / "instance"),
                        UPLOAD_FOLDER=str(tmp_path / "uploads"))


class FreshContextClient(FlaskClient):
    """Each request in an app context of its own, as in production.

    Flask reuses an already pushed app context for requests; tests push one for their
    factories, so without this ``g`` (and Flask-Login's cached user) and the database
    session would leak from one request into the next.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first: its changes become visible to the request,
        # and (SQLite keeps a snapshot per transaction) later reads see the request's.
        _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = FreshContextClient
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        _db.session.remove()
        _wipe(_db.engine)
        _db.engine.dispose()
        ctx.pop()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


# ---------------------------------------------------------------- factories

@pytest.fixture
def make_user(app):
    from werkzeug.security import generate_password_hash

    from eventsapp.models import EventRole, EventRoleKind, User

    counter = {"n": 0}
    # One hash for all factory users: hashing is deliberately slow.
    default_hash = generate_password_hash("correct-horse-battery")

    def make(email: str | None = None, *, name: str = "Test User", password: str | None = None,
             is_admin: bool = False, organizer_of=(), staff_of=()) -> User:
        counter["n"] += 1
        user = User(email=(email or f"user{counter['n']}-{uuid.uuid4().hex[:6]}@example.org").lower(),
                    name=name, is_admin=is_admin,
                    password_hash=generate_password_hash(password) if password else default_hash)
        _db.session.add(user)
        for ev in _as_list(organizer_of):
            _db.session.add(EventRole(user=user, event=ev, role=EventRoleKind.ORGANIZER))
        for ev in _as_list(staff_of):
            _db.session.add(EventRole(user=user, event=ev, role=EventRoleKind.CHECKIN_STAFF))
        _db.session.commit()
        return user

    return make


def _as_list(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


@pytest.fixture
def make_event(app):
    from eventsapp.models import Event, EventFormat, EventKind

    counter = {"n": 0}

    def make(**kw) -> Event:
        counter["n"] += 1
        start = kw.pop("starts_at", None) or datetime.now(UTC).replace(
            microsecond=0, second=0, minute=0) + timedelta(days=30)
        values = dict(
            slug=f"event-{counter['n']}-{uuid.uuid4().hex[:6]}", title=f"Test event {counter['n']}",
            kind=EventKind.ROUNDTABLE, format=EventFormat.HYBRID, timezone="Africa/Kigali",
            venue_name="Test Centre", city="Kigali", country="RW",
            starts_at=start, ends_at=start + timedelta(days=2), published=True,
            capacity_in_person=100, capacity_online=None,
            registration_opens_at=datetime.now(UTC) - timedelta(days=1),
            registration_closes_at=start,
        )
        values.update(kw)
        if "ends_at" not in kw:
            values["ends_at"] = values["starts_at"] + timedelta(days=2)
        event = Event(**values)
        _db.session.add(event)
        _db.session.commit()
        return event

    return make


@pytest.fixture
def make_room(app):
    from eventsapp.models import Room

    def make(event, name: str = "Main Hall", capacity: int | None = 500) -> Room:
        room = Room(event=event, name=name, capacity=capacity)
        _db.session.add(room)
        _db.session.commit()
        return room

    return make


@pytest.fixture
def make_person(app):
    from eventsapp.models import Person

    def make(name: str = "Ada Speaker", organization: str = "Org", **kw) -> Person:
        person = Person(name=name, organization=organization, **kw)
        _db.session.add(person)
        _db.session.commit()
        return person

    return make


@pytest.fixture
def make_session(app):
    from eventsapp.models import ProgrammeSession, SessionRole, SessionType

    counter = {"n": 0}

    def make(event, *, people=(), **kw) -> ProgrammeSession:
        counter["n"] += 1
        start = kw.pop("starts_at", None) or event.starts_at + timedelta(hours=counter["n"])
        values = dict(event=event, type=SessionType.HIGH_LEVEL_PANEL, number=counter["n"],
                      title=f"Session {counter['n']}", starts_at=start,
                      ends_at=start + timedelta(minutes=45), published=True)
        values.update(kw)
        s = ProgrammeSession(**values)
        for i, item in enumerate(people):
            person, role = item if isinstance(item, tuple) else (item, "panellist")
            s.roles.append(SessionRole(person=person, role=role, position=i))
        _db.session.add(s)
        _db.session.commit()
        return s

    return make


def login(client, user) -> None:
    """Sign a user in on a test client without the password round trip."""
    from eventsapp.auth.services import start_login_session

    key = start_login_session(user, remember=False)  # a server-side login session
    with client.session_transaction() as sess:
        sess["_user_id"] = key
        sess["_fresh"] = True


@pytest.fixture
def login_as(client):
    def do(user):
        login(client, user)
        return client

    return do


@pytest.fixture
def api_token(app):
    """make a bearer token for a user: ``headers = api_token(user)``."""
    from eventsapp.auth.services import create_api_token

    def make(user) -> dict:
        _, plain = create_api_token(user, "test")
        return {"Authorization": f"Bearer {plain}"}

    return make


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...`` then ``q.count`` is the number of SQL statements
    the app ran (in any session) inside the block."""
    from contextlib import contextmanager

    from sqlalchemy import event as sa_event

    @contextmanager
    def counting():
        class Counter:
            count = 0
            statements: list[str] = []

        c = Counter()
        c.statements = []

        def before(conn, cursor, statement, *args):
            if statement.strip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                     "RELEASE", "PRAGMA")):
                return
            c.count += 1
            c.statements.append(statement)

        engine = _db.engine
        sa_event.listen(engine, "before_cursor_execute", before)
        try:
            yield c
        finally:
            sa_event.remove(engine, "before_cursor_execute", before)

    return counting


# Feature fixtures shared by several modules, registered here so test modules use them
# by name without importing them.
from tests.support.pledges_support import panel  # noqa: E402, F401
from tests.support.smtp import smtp_server  # noqa: E402, F401
