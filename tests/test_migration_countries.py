"""Migration 0005: stored country names become ISO 3166-1 alpha-2 codes, and back.

Drives Alembic on an empty database of each backend (SQLite file; PostgreSQL with
TEST_DATABASE_URL): upgrade to 0004, write rows as the app wrote them then (names),
upgrade to 0005, check the codes, downgrade, check the names.
"""
from __future__ import annotations

import warnings
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from eventsapp.extensions import db as _db

from .test_migrations import empty_app, empty_database_url  # noqa: F401  (fixtures)

# name written before 0005 -> code after it ("Atlantis" is no country: kept as it is).
NAMES_TO_CODES = {
    "Rwanda": "RW", "Switzerland": "CH", "Côte d'Ivoire": "CI", "United States": "US",
    "Atlantis": "Atlantis", "": "",
    # Names of 0004's pledge vocabulary that ISO spells otherwise: the downgrade gives
    # them back as they were, so the older code finds its countries again.
    "Viet Nam": "VN", "Korea (Republic of)": "KR",
}
COUNTRY_COLUMNS = [("events", "country"), ("people", "country"), ("registrations", "country"),
                   ("users", "country"), ("pledging_entities", "country"),
                   ("pledge_places", "name")]


def _filler(col: sa.Column, n: int, table: str):
    """A value for a NOT NULL column the test does not care about, unique per row."""
    t = col.type
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, sa.DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(t, sa.Date):
        return date(2026, 1, 1)
    if isinstance(t, sa.Numeric) and not isinstance(t, sa.Integer):
        return Decimal(0)
    if isinstance(t, sa.Integer):
        return 0
    text = f"{table[:3]}{col.name[:6]}{n}"
    length = getattr(t, "length", None)
    return text[-length:] if length else text


def _insert(conn, meta: sa.MetaData, table: str, n: int, **values) -> int:
    t = meta.tables[table]
    row = {c.name: _filler(c, n, table) for c in t.columns
           if not c.nullable and not c.primary_key and c.server_default is None}
    row.update(values)
    return conn.execute(t.insert().values(row).returning(t.c.id)).scalar_one()


def _write_names(conn) -> None:
    meta = sa.MetaData()
    with warnings.catch_warnings():  # the lower(name) index: not needed to insert rows
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        meta.reflect(conn)
    event_id = _insert(conn, meta, "events", 0, country="")
    pledge_id = _insert(conn, meta, "pledges", 0, amount_usd=None)
    for n, name in enumerate(NAMES_TO_CODES, start=1):
        _insert(conn, meta, "events", n, country=name)
        _insert(conn, meta, "people", n, country=name)
        _insert(conn, meta, "registrations", n, country=name, event_id=event_id)
        _insert(conn, meta, "users", n, country=name)
        _insert(conn, meta, "pledging_entities", n, country=name)
        _insert(conn, meta, "pledge_places", n, name=name, pledge_id=pledge_id,
                region="africa" if name else "")
    # A region place keeps its label; a user with no country stays without one.
    _insert(conn, meta, "pledge_places", 99, name="Global", pledge_id=pledge_id, region="global")
    _insert(conn, meta, "users", 99, country=None)


def _values(table: str, column: str) -> list:
    t = sa.table(table, sa.column("id"), sa.column(column))
    with _db.engine.connect() as conn:
        return list(conn.execute(sa.select(t.c[column]).order_by(t.c.id)).scalars())


def test_country_names_become_codes_and_back(empty_app, capsys):  # noqa: F811
    from flask_migrate import downgrade, upgrade

    upgrade(revision="0004")
    with _db.engine.begin() as conn:
        _write_names(conn)
    names = list(NAMES_TO_CODES)
    codes = list(NAMES_TO_CODES.values())
    expected_up = {
        ("events", "country"): [""] + codes,
        ("users", "country"): codes + [None],
        ("pledge_places", "name"): codes + ["Global"],
    }
    expected_down = {
        ("events", "country"): [""] + names,
        ("users", "country"): names + [None],
        ("pledge_places", "name"): names + ["Global"],
    }

    capsys.readouterr()
    upgrade(revision="0005")
    for key in COUNTRY_COLUMNS:
        assert _values(*key) == expected_up.get(key, codes), key
    # Every unknown value is named in the log (alembic.ini: to stderr), once per column.
    log = capsys.readouterr().err
    assert log.count("'Atlantis' is not a known country") == len(COUNTRY_COLUMNS), log

    downgrade(revision="0004")
    for key in COUNTRY_COLUMNS:
        assert _values(*key) == expected_down.get(key, names), key

    upgrade()  # and up again to head: the same codes
    assert _values("people", "country") == codes
