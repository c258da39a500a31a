"""Shared parts of the fuzz suites (tests/test_fuzz_api.py, tests/test_fuzz_forms.py).

- ``fuzz_world``: the permission tests' world (two events, one user per kind, a room, a
  session with a moderator, registrations, pledges, tokens), built with the same
  ``build_world`` and each ``rules_*.extend_world``, so every route's URL builder has ids.
- ``row_counts``: ``{table: count}`` for every table, in one query, to prove that a
  refused write left nothing behind.
- ``ServerErrors``: collects the app's logged 500s (``eventsapp.errors`` logs each with
  its traceback), so a failure names the line that raised.
"""
from __future__ import annotations

import importlib
import logging
import pkgutil
import traceback
from pathlib import Path

import tests.permissions as perm_pkg
from eventsapp.extensions import db
from tests.permissions.world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Tables a refused request may still write to, by design: none so far. (A row written by
# a 4xx answer is a half-written use case unless it is listed here with the reason.)
WRITES_ON_REFUSAL: frozenset[str] = frozenset()


def rule_modules():
    for info in pkgutil.iter_modules(perm_pkg.__path__):
        if info.name.startswith("rules_"):
            yield importlib.import_module(f"tests.permissions.{info.name}")


def all_rules() -> dict:
    rules: dict = {}
    for module in rule_modules():
        rules.update(module.RULES)
    return rules


def fuzz_world(make_user, make_event, make_room, make_session, make_person):
    w = build_world(make_user, make_event, make_room, make_session, make_person)
    for module in rule_modules():
        if hasattr(module, "extend_world"):
            module.extend_world(w)
    db.session.commit()
    return w


def row_counts() -> dict[str, int]:
    """Rows per table, read on a connection of its own (after the requests committed)."""
    tables = [t.name for t in db.metadata.sorted_tables]
    sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    with db.engine.connect() as conn:
        return {name: n for name, n in conn.exec_driver_sql(sql)}


def count_diff(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {t: (before[t], after.get(t)) for t in before
            if before[t] != after.get(t) and t not in WRITES_ON_REFUSAL}


class ServerErrors(logging.Handler):
    """Remembers the exception of each logged server error (``handle_unexpected``)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self):
        logging.getLogger("eventsapp").addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger("eventsapp").removeHandler(self)

    def take(self) -> str:
        """The head of the last logged traceback (where it raised, and the exception),
        and forget the records."""
        out = ""
        for record in self.records:
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                tb = traceback.extract_tb(exc.__traceback__)
                own = [f for f in tb if "/eventsapp/" in f.filename] or tb
                where = f"{own[-1].filename.split('/eventsapp/')[-1]}:{own[-1].lineno}" if own else "?"
                out = f"{type(exc).__name__}: {str(exc)[:160]} at {where}"
            else:
                out = record.getMessage()[:200]
        self.records.clear()
        return out


def short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} chars)"


def snapshot_ok(before: dict[str, int]) -> str:
    """'' when no table changed since ``before``; else which ones."""
    diff = count_diff(before, row_counts())
    return "" if not diff else ", ".join(f"{t}: {a}->{b}" for t, (a, b) in diff.items())


__all__ = ["ARTIFACTS", "ServerErrors", "all_rules", "count_diff", "fuzz_world", "row_counts",
           "short", "snapshot_ok"]
