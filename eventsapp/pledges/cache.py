"""Per-process caches of what the dashboards and the counter show, keyed on a version
read from the database in one cheap query, so that every app process agrees and no
write is missed (no time-to-live: a changed pledge shows on the very next request).

The version (``data_version``) fingerprints every table the dashboard reads from:

- pledges: count, newest ``updated_at`` and a checksum of every row. Every service that
  writes a pledge, its child rows (entities, places, groups, SDGs), its moderation or
  its progress reports sets ``updated_at``; the checksum also catches what sets no
  timestamp and what a newest-timestamp alone misses (a transaction that took its
  timestamp early and committed late, a session or event deleted, which sets the
  pledges' foreign keys to NULL in the database).
- sessions and events, for the titles, slugs, types and numbers shown and the
  published flag that hides an event's pledges.

PostgreSQL: the checksum is the sum of the rows' ``xmin`` (each committed change writes
a new row version with a new transaction id). Reading it scans the tables (about 3 ms
for 10,000 pledges), so the process remembers the fingerprint together with the
database snapshot it was read in: while no transaction has committed anywhere since
(``pg_current_snapshot()`` unchanged), the fingerprint cannot have changed and the scan
is skipped, inside the same single statement (the subqueries are never executed).
SQLite: the checksum sums the ``updated_at`` values exactly (seconds and microseconds).
"""
from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import cachetools
import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..i18n import current_language

MAX_ENTRIES = 128  # rendered dashboards are ~60 KB: a few MB per process at most
_TABLES = ("pledges", "sessions", "events")
_EXT_KEY = "eventsapp.pledges_cache"


def _pg_table(t: str) -> str:
    return (f"(SELECT concat_ws(',', count(*), extract(epoch FROM max(updated_at)), "
            f"sum(xmin::text::bigint)) FROM {t})")


def _sqlite_table(t: str) -> str:
    return (f"(SELECT count(*) || ',' || ifnull(max(updated_at), '') || ',' "
            f"|| ifnull(sum(CAST(strftime('%s', updated_at) AS INTEGER)), 0) || ',' "
            f"|| ifnull(sum(CAST(substr(updated_at, 21, 6) AS INTEGER)), 0) FROM {t})")


# The CASE keeps the subqueries (InitPlans) from running when the snapshot is the one
# the process last read the fingerprint in.
_PG_VERSION = sa.text(
    "SELECT pg_current_snapshot()::text AS snap, "
    "CASE WHEN pg_current_snapshot()::text = :known THEN NULL ELSE concat_ws('|', "
    + ", ".join(_pg_table(t) for t in _TABLES) + ") END AS fp")
_SQLITE_VERSION = sa.text(
    "SELECT NULL AS snap, " + " || '|' || ".join(_sqlite_table(t) for t in _TABLES) + " AS fp")


def _build(full: tuple, build: Callable[[], Any]) -> Any:
    return build()


class _Cache:
    """One app's cache: the last (snapshot, fingerprint) read, and values by key in a
    least-recently-used cache. The condition makes concurrent misses of one key wait for
    one build instead of all building it; it is also the lock around the LRUCache, which
    is not thread-safe by itself."""

    def __init__(self) -> None:
        self.known: tuple[str, str] = ("", "")
        self.values: cachetools.LRUCache = cachetools.LRUCache(maxsize=MAX_ENTRIES)
        self.get = cachetools.cached(self.values, key=lambda full, build: full,
                                     condition=threading.Condition())(_build)


def _cache() -> _Cache:
    # Per app (hence per database): app.extensions is the place Flask gives for this.
    return current_app.extensions.setdefault(_EXT_KEY, _Cache())


def data_version() -> str:
    """A fingerprint of everything the dashboards show, read in one query."""
    c = _cache()
    if db.engine.dialect.name == "postgresql":
        known_snap, known_fp = c.known  # one tuple: the snapshot and its fingerprint
        snap, fp = db.session.execute(_PG_VERSION, {"known": known_snap}).one()
        if fp is None:
            return known_fp
        c.known = (snap, fp)
        return fp
    return db.session.execute(_SQLITE_VERSION).one()[1]


def _usable() -> bool:
    """Only what is committed may be cached (a view never writes before reading, but a
    caller holding unflushed changes must not store them under the committed version)."""
    s = db.session
    return not (s.new or s.dirty or s.deleted)


def cached(kind: str, key: tuple, build: Callable[[], Any], version: str | None = None,
           *, today: date | None = None) -> tuple[Any, str]:
    """(value, etag) for ``kind``/``key`` at the current data version and language;
    ``build()`` runs once per process, version and language (other threads wait for it
    instead of building too).
    The date is part of the key: which pledges are overdue depends on it."""
    if not _usable():
        return build(), ""
    version = version or data_version()
    # The language too: labels, titles and charts are rendered in the reader's language.
    full = (version, (today or date.today()).isoformat(), current_language(), kind, *key)
    etag = hashlib.sha256(repr(full).encode()).hexdigest()[:32]
    return _cache().get(full, build), etag
