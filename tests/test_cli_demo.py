"""Command line: create-admin, create-token, demo (shape, idempotent), setup."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db as _db
from eventsapp.models import (
    ApiToken,
    Event,
    EventFormat,
    EventKind,
    EventRole,
    EventRoleKind,
    Person,
    ProgrammeSession,
    Room,
    SessionType,
    User,
)

from .test_migrations import empty_app, empty_database_url  # noqa: F401  (fixtures)


def _cli(app, *args, input=None, env=None):
    return app.test_cli_runner().invoke(args=list(args), input=input, env=env)


# ------------------------------------------------------------------ create-admin, create-token

def test_create_admin_with_password_from_environment(app, db, monkeypatch):
    from werkzeug.security import check_password_hash

    monkeypatch.setenv("ADMIN_PASSWORD", "env-admin-password")
    result = _cli(app, "create-admin", "Admin@Example.org")
    assert result.exit_code == 0, result.output
    assert "env-admin-password" not in result.output
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "admin@example.org"))
    assert user.is_admin
    assert check_password_hash(user.password_hash, "env-admin-password")


def test_create_admin_asks_for_password(app, db, monkeypatch, client):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    result = _cli(app, "create-admin", "asked@example.org", "--name", "Asked Admin",
                  input="prompted-password\nprompted-password\n")
    assert result.exit_code == 0, result.output
    assert "prompted-password" not in result.output
    resp = client.post("/login", data={"email": "asked@example.org", "password": "prompted-password"})
    assert resp.status_code == 302
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.email == "asked@example.org"))
    assert user.is_admin and user.name == "Asked Admin"


def test_create_admin_promotes_existing_account(app, db, make_user, monkeypatch):
    make_user("promote@example.org")
    monkeypatch.setenv("ADMIN_PASSWORD", "a-new-admin-password")
    result = _cli(app, "create-admin", "promote@example.org")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    users = list(db.session.scalars(sa.select(User).where(User.email == "promote@example.org")))
    assert len(users) == 1 and users[0].is_admin


@pytest.mark.parametrize("args, env", [
    (["create-admin", "not-an-email"], {"ADMIN_PASSWORD": "long-enough-password"}),
    (["create-admin", "weak@example.org"], {"ADMIN_PASSWORD": "short"}),
])
def test_create_admin_bad_input_is_a_clear_error(app, db, args, env, monkeypatch):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = _cli(app, *args)
    assert result.exit_code != 0
    assert "Error" in result.output
    assert not isinstance(result.exception, (AttributeError, TypeError, KeyError))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_create_token_prints_a_working_token(app, db, make_user, client, make_event):
    draft = make_event(published=False)
    make_user("tokens@example.org", organizer_of=draft)
    result = _cli(app, "create-token", "tokens@example.org", "--name", "ci")
    assert result.exit_code == 0, result.output
    plain = result.output.strip().splitlines()[-1]
    # The draft is visible only with the organizer's token.
    assert client.get(f"/api/v1/events/{draft.slug}").status_code == 404
    resp = client.get(f"/api/v1/events/{draft.slug}", headers={"Authorization": f"Bearer {plain}"})
    assert resp.status_code == 200
    db.session.expire_all()
    token = db.session.scalar(sa.select(ApiToken))
    assert token.name == "ci" and token.token_hash != plain


def test_create_token_for_unknown_account(app, db):
    result = _cli(app, "create-token", "nobody@example.org")
    assert result.exit_code != 0 and "No account" in result.output


# ------------------------------------------------------------------ demo

def _row_counts() -> dict[str, int]:
    _db.session.expire_all()
    return {t.name: _db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in _db.metadata.sorted_tables}


def test_demo_twice_changes_nothing(app, db):
    first = _cli(app, "demo")
    assert first.exit_code == 0, first.output
    assert "organizer@example.org" in first.output  # the sign-in is shown
    before = _row_counts()
    assert before["events"] == 3 and before["sessions"] > 20
    second = _cli(app, "demo")
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    assert _row_counts() == before


def _event(slug) -> Event:
    return _db.session.scalar(sa.select(Event).where(Event.slug == slug))


def _sessions(event) -> list[ProgrammeSession]:
    return list(_db.session.scalars(sa.select(ProgrammeSession)
                                    .where(ProgrammeSession.event_id == event.id)
                                    .order_by(ProgrammeSession.starts_at)))


@pytest.fixture
def demo(app, db):
    result = _cli(app, "demo")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def test_demo_kigali_shape(demo):
    event = _event("p2c-roundtable-kigali-2022")
    z = ZoneInfo("Africa/Kigali")
    assert event.timezone == "Africa/Kigali" and event.format is EventFormat.HYBRID
    assert event.kind is EventKind.ROUNDTABLE and event.published and not event.is_sample
    assert "Kigali Convention Centre" in event.venue_name
    assert event.starts_at.astimezone(z).date().isoformat() == "2022-06-07"
    assert event.ends_at.astimezone(z).date().isoformat() == "2022-06-09"
    sessions = _sessions(event)
    by_type: dict = {}
    for s in sessions:
        by_type.setdefault(s.type, []).append(s)

    opening = by_type[SessionType.OPENING]
    assert len(opening) == 1
    local = opening[0].starts_at.astimezone(z)
    assert local.date().isoformat() == "2022-06-07" and local.hour >= 12  # the afternoon
    assert sessions[0] is opening[0]
    speakers = {r.person.name for r in opening[0].roles}
    assert speakers == {"Doreen Bogdan-Martin", "Paula Ingabire", "Maria-Francesca Spatolisano",
                        "Juliana Novaes"}
    assert not any(r.person.is_sample for r in opening[0].roles)

    assert sorted(s.number for s in by_type[SessionType.HIGH_LEVEL_PANEL]) == list(range(1, 11))
    assert sorted(s.number for s in by_type[SessionType.SPOTLIGHT]) == [1, 2, 3, 4, 5]
    assert {s.label for s in by_type[SessionType.HIGH_LEVEL_PANEL]} == \
        {f"High-Level Panel {n}" for n in range(1, 11)}
    special = by_type[SessionType.SPECIAL_MESSAGE]
    assert len(special) == 1
    bettel = special[0].roles[0].person
    assert bettel.name == "Xavier Bettel" and "Prime Minister" in bettel.position
    assert "Luxembourg" in bettel.organization + special[0].title
    closing = by_type[SessionType.CLOSING]
    assert len(closing) == 1 and sessions[-1] is closing[0]
    assert closing[0].starts_at.astimezone(z).date().isoformat() == "2022-06-09"
    for s in sessions:
        assert event.starts_at <= s.starts_at < s.ends_at <= event.ends_at, s.title

    # Invented panellists and titles are marked as samples.
    for s in by_type[SessionType.HIGH_LEVEL_PANEL] + by_type[SessionType.SPOTLIGHT]:
        assert "sample" in s.title.lower()
        assert s.roles and all(r.person.is_sample and "Sample" in r.person.name for r in s.roles)
    rooms = list(_db.session.scalars(sa.select(Room).where(Room.event_id == event.id)))
    assert rooms and all("sample" in r.name.lower() for r in rooms)


def test_demo_geneva_shape(demo):
    event = _event("p2c-annual-meeting-2023")
    z = ZoneInfo("Europe/Zurich")
    assert event.timezone == "Europe/Zurich" and event.kind is EventKind.ANNUAL_MEETING
    assert event.format is EventFormat.HYBRID  # in person with a virtual component
    assert "Popov" in event.venue_name and event.city == "Geneva"
    sessions = _sessions(event)
    meeting = sessions[0]
    assert meeting.starts_at == datetime(2023, 12, 12, 14, 0, tzinfo=z)
    assert meeting.ends_at == datetime(2023, 12, 12, 16, 30, tzinfo=z)
    assert meeting.starts_at == datetime(2023, 12, 12, 13, 0, tzinfo=UTC)  # CET
    awards = next(s for s in sessions if s.type is SessionType.AWARDS_CEREMONY)
    assert awards.title == "EQUALS in Tech Awards"
    assert (awards.starts_at, awards.ends_at) == (datetime(2023, 12, 12, 16, 30, tzinfo=z),
                                                  datetime(2023, 12, 12, 17, 30, tzinfo=z))
    reception = next(s for s in sessions if s.type is SessionType.RECEPTION)
    assert reception.starts_at >= awards.ends_at
    assert all(r.person.is_sample for s in sessions for r in s.roles)


def test_demo_upcoming_sample_event_is_open_for_registration(demo):
    from eventsapp.models import utcnow

    event = _event("sample-digital-roundtable")
    now = utcnow()
    assert event.is_sample and event.published and event.format is EventFormat.HYBRID
    assert "sample" in event.title.lower() or "demo" in event.title.lower()
    assert event.starts_at > now
    assert event.registration_opens_at <= now < event.registration_closes_at
    assert event.capacity_in_person and event.capacity_online
    assert len(_sessions(event)) >= 3
    assert all("sample" in s.title.lower() or s.number for s in _sessions(event))


def test_demo_accounts_and_roles(demo, app):
    from eventsapp.demo import DEMO_ATTENDEE, DEMO_CHECKIN, DEMO_ORGANIZER

    organizer = _db.session.scalar(sa.select(User).where(User.email == DEMO_ORGANIZER[0]))
    managed = set(_db.session.scalars(sa.select(EventRole.event_id).where(
        EventRole.user_id == organizer.id, EventRole.role == EventRoleKind.ORGANIZER)))
    assert len(managed) == 3 and not organizer.is_admin
    for email, password in (DEMO_ORGANIZER, DEMO_CHECKIN, DEMO_ATTENDEE):
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302
    assert DEMO_ORGANIZER[0] in demo.output and DEMO_ORGANIZER[1] in demo.output


def test_demo_marks_invented_people_as_samples(demo):
    real = {"Doreen Bogdan-Martin", "Paula Ingabire", "Maria-Francesca Spatolisano",
            "Juliana Novaes", "Xavier Bettel"}
    for person in _db.session.scalars(sa.select(Person)):
        if person.name in real:
            assert not person.is_sample
        else:
            assert person.is_sample, person.name


def test_demo_pages_render(demo, app):
    client = app.test_client()
    home = client.get("/").data.decode()
    for title in ("ITU Partner2Connect Digital Development Roundtable",
                  "Partner2Connect Annual Meeting 2023", "Sample Digital Development Roundtable"):
        assert title in home
    for slug in ("p2c-roundtable-kigali-2022", "p2c-annual-meeting-2023", "sample-digital-roundtable"):
        assert client.get(f"/events/{slug}").status_code == 200
        assert client.get(f"/api/v1/events/{slug}").status_code == 200


# ------------------------------------------------------------------ setup

def test_setup_migrates_an_empty_database_and_loads_demo_once(empty_app):  # noqa: F811
    result = _cli(empty_app, "setup")
    assert result.exit_code == 0, result.output
    assert "alembic_version" in sa.inspect(_db.engine).get_table_names()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 3
    before = _row_counts()
    again = _cli(empty_app, "setup")
    assert again.exit_code == 0, again.output
    assert "up to date" in again.output
    assert _row_counts() == before


def test_setup_does_not_load_demo_into_a_database_with_events(empty_app):  # noqa: F811
    from flask_migrate import upgrade

    upgrade()
    _db.session.add(Event(slug="real-one", title="Real", starts_at=datetime(2030, 1, 1, tzinfo=UTC),
                          ends_at=datetime(2030, 1, 2, tzinfo=UTC)))
    _db.session.commit()
    result = _cli(empty_app, "setup")
    assert result.exit_code == 0, result.output
    assert [e.slug for e in _db.session.scalars(sa.select(Event))] == ["real-one"]
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


# ------------------------------------------------------------------ the README

def test_readme_documents_every_setting_and_the_two_commands():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text()
    source = (root / "eventsapp" / "config.py").read_text()
    names = set(re.findall(r'(?:environ\.get|_bool|_int|_float|_optional_bool)\(\s*"([A-Z_]+)"',
                           source))
    assert {"DATABASE_URL", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "BASE_URL"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in readme)
    assert not missing, f"settings not in the README: {missing}"
    assert "./bin/run" in readme and "./bin/test" in readme
    # Production runs gunicorn with the shipped config (workers, access-log masking).
    assert re.search(r"gunicorn -c gunicorn\.conf\.py wsgi:app", readme)
    assert 'workers = int(os.environ.get("GUNICORN_WORKERS", "4"))' in \
        (root / "gunicorn.conf.py").read_text()
    assert "MAIL_RETRY_BASE_SECONDS" in names  # the _float settings are checked too
    assert readme.rstrip().splitlines()[-1] == "## Features" or "\n## Features\n" in readme
