"""countries as ISO 3166-1 alpha-2 codes (existing rows converted; no schema change)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 12:30:00

Every stored country was a name typed or chosen in English ("Rwanda", "Côte d'Ivoire");
the app now stores the alpha-2 code ("RW", "CI") and shows the name. The conversion uses
the app's own lookup (``eventsapp.countries.to_code``), so the migration converts exactly
what a form would accept. A value it does not know ("Atlantis") is kept as it is and
logged: data is never lost, and an organizer can correct it in the app.

Columns converted: events, people, registrations, users and pledging_entities ``country``;
pledge_places ``name``, which holds a country or a region: a country place gets its code,
a region place keeps its region's label (the region key is in ``region``, unchanged).

The columns stay String(100): an unknown value kept as it is would not fit two
characters, and the schema must be the same on every database whatever its data. Once
no old value is left, a later migration may shrink them to String(2).

Downgrade: codes back to English names, spelled as the pledge vocabulary of 0004
spelled them where ISO's name differs, so the older code finds its countries again.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

from eventsapp.countries import UnknownCountry, country_name, is_code, to_code

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

COUNTRY_COLUMNS = [("events", "country"), ("people", "country"), ("registrations", "country"),
                   ("users", "country"), ("pledging_entities", "country"),
                   ("pledge_places", "name")]

# pledge_places rows that name a region, not a country (the labels of 0004's regions).
REGION_LABELS = frozenset({"Africa", "Americas", "Arab States", "Asia-Pacific", "CIS",
                           "Europe", "Global"})

# Names the pledge vocabulary of 0004 used where ISO's English name differs (frozen here:
# the downgrade must give back what that code knew, whatever the app says later).
NAMES_BEFORE_0005 = {
    "CZ": "Czech Republic", "KP": "Korea (Democratic People's Republic of)",
    "KR": "Korea (Republic of)", "LA": "Lao PDR", "FM": "Micronesia", "PS": "Palestine",
    "VA": "Vatican", "VN": "Viet Nam",
}


def _to_code(value: str) -> str | None:
    try:
        return to_code(value)  # a blank value becomes ""
    except UnknownCountry:
        return None


def _to_name(value: str) -> str | None:
    if len(value) != 2 or value != value.upper() or not is_code(value):
        return None
    return NAMES_BEFORE_0005.get(value) or country_name(value)


def _convert(table: str, column: str, convert: Callable[[str], str | None], *,
             what: str) -> None:
    """Rewrite each distinct value of ``table.column`` with ``convert`` (one UPDATE per
    value, whatever the number of rows); a value it cannot convert is kept and logged."""
    conn = op.get_bind()
    t = sa.table(table, sa.column(column, sa.String))
    col = t.c[column]
    values = conn.execute(sa.select(col).where(col.is_not(None), col != "").distinct()).scalars()
    for old in list(values):
        if table == "pledge_places" and old in REGION_LABELS:
            continue
        new = convert(old)
        if new is None:
            log.warning("%s.%s: %r is not a known %s; kept as it is", table, column, old, what)
        elif new != old:
            conn.execute(t.update().where(col == old).values({column: new}))


def upgrade():
    for table, column in COUNTRY_COLUMNS:
        _convert(table, column, _to_code, what="country")


def downgrade():
    for table, column in COUNTRY_COLUMNS:
        _convert(table, column, _to_name, what="country code")
