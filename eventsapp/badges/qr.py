"""QR codes for badges (the qrcode package); pure helpers, no request needed.

What the QR holds: the badge code itself (``Registration.badge_code``, 192 random
bits, URL-safe base64), nothing else. A bare code keeps the symbol small (version 3,
29x29 modules) so it scans fast from a phone screen or a creased paper badge, and a
handheld scanner in keyboard mode types it without ':' or '/' (characters that
keyboard layouts other than US often turn into something else). It carries no
personal data and no host name, so badges keep working if the site moves.

The desk and the API also accept the URL form, ``<site>/events/<slug>/checkin?code=<code>``
(what a phone's own camera app would open): see ``extract_code``.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

# new_token(24) gives 32 characters; accept 22+ (128 bits) so other token sizes still work.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_INPUT = 2000


def _qr(data: str, border: int = 4) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border, box_size=1)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def qr_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """The QR symbol as rows of dark (True) / light modules, quiet zone included."""
    return _qr(data, border).get_matrix()


def qr_image(data: str, box_size: int = 10, border: int = 4) -> Image.Image:
    """A black-on-white PIL image of the QR code (``box_size`` pixels per module)."""
    matrix = qr_matrix(data, border)
    n = len(matrix)
    small = Image.new("1", (n, n), 1)
    px = small.load()
    assert px is not None  # typed Optional; a new in-memory image always has pixel access
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                px[x, y] = 0
    # Nearest-neighbour scaling keeps the modules square and sharp.
    return small.resize((n * box_size, n * box_size), Image.Resampling.NEAREST).convert("L")


def dark_runs(matrix: list[list[bool]]):
    """(row, first column, length) of each horizontal run of dark modules: drawing runs
    instead of single modules keeps a page of badges small and fast to render."""
    for y, row in enumerate(matrix):
        x = 0
        n = len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def extract_code(raw: str | None) -> str | None:
    """The badge code in what a scanner or a person typed: the bare code, or a URL that
    carries it as ``?code=...``. None when unreadable."""
    if raw is None or not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text or len(text) > MAX_INPUT:
        return None
    if CODE_RE.match(text):
        return text
    if "://" in text or text.startswith("/"):
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        for candidate in parse_qs(parts.query).get("code", [])[:1]:
            candidate = candidate.strip()
            if CODE_RE.match(candidate):
                return candidate
    return None
