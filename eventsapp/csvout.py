"""The one CSV writer of every export: Excel-friendly and safe against formula injection.

Every export (programme, registrants, pledges, ...) goes through ``csv_text`` or
``csv_response``, so they all behave the same way in a spreadsheet:

- UTF-8 with a byte-order mark, so Excel reads accents and non-Latin scripts right;
- CRLF line ends (RFC 4180);
- a cell that a spreadsheet would run as a formula (starting with ``= + - @``, a tab or
  a carriage return) gets a leading apostrophe; ``unguard`` takes it off again, so an
  importer reads back exactly what was exported.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

BOM = "\ufeff"
# A cell starting with one of these is run as a formula by Excel/LibreOffice/Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: Any) -> str:
    """The value as a cell: booleans as yes/no, None empty, formulas made inert."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unguard(text: str) -> str:
    """The exported value again: the apostrophe that ``guard`` added is removed."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> str:
    """CSV text with a header row, every cell guarded."""
    out = io.StringIO()
    if bom:
        out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([guard(h) for h in header])
    for row in rows:
        writer.writerow([guard(v) for v in row])
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    """A download of CSV text made by ``csv_text``; the file name is ASCII-safe."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in filename)
    resp = Response(text, mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{safe or "export.csv"}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def read_text(data: bytes | str) -> str | None:
    """An upload as text without its byte-order mark (UTF-8, else Windows-1252), or None."""
    if isinstance(data, str):
        return data.lstrip(BOM)
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None
