"""Compiled catalogs for tests run without bin/test (which compiles them first)."""
from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "eventsapp" / "translations"


def ensure_compiled() -> None:
    """Build each missing or stale .mo, as `pybabel compile -d eventsapp/translations` does."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with open(po, "rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        # Written whole then renamed: a parallel worker never reads half a file.
        tmp = mo.with_suffix(f".mo.{id(buf)}.tmp")
        tmp.write_bytes(buf.getvalue())
        tmp.replace(mo)
