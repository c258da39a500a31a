"""What a badge shows and where: one layout, drawn by the PNG and the PDF renderers.

The layout works in the renderer's own units (pixels or points) with the origin at the
top left and text placed on its baseline. A painter (see render_png / render_pdf)
supplies measuring and drawing; this module decides sizes and positions only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Protocol

from ..models import Category, Event, Registration
from ..timefmt import format_date_range
from .qr import qr_matrix

# One colour per category, printed as a band with the category's name in white
# (all have at least 4.5:1 contrast with white; the word makes it readable without colour).
CATEGORY_COLOURS: dict[Category, str] = {
    Category.PARTICIPANT: "#1d5fb4",
    Category.SPEAKER: "#c2410c",
    Category.PRESS: "#157f3b",
    Category.STAFF: "#27272a",
    Category.VIP: "#7e22ce",
}
INK = "#111827"
MUTED = "#4b5563"

FONT_DIRS = (
    os.environ.get("BADGE_FONT_DIR", ""),  # the same setting as config's BADGE_FONT_DIR
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
)


def font_file(bold: bool) -> str | None:
    """DejaVu Sans (wide Unicode coverage) if installed, else None (renderers fall back)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for d in FONT_DIRS:
        if d and os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return None


def category_colour(category: Category | str) -> str:
    return CATEGORY_COLOURS.get(Category(category), "#1d5fb4")


@dataclass(frozen=True)
class BadgeData:
    """Everything printed on one badge, as plain values."""

    name: str
    organization: str
    category: Category
    event_title: str
    event_dates: str
    venue: str
    code: str

    @property
    def colour(self) -> str:
        return category_colour(self.category)


def badge_data(registration: Registration, event: Event) -> BadgeData:
    """The badge of a registration that has a valid badge code."""
    if not registration.badge_code:
        raise ValueError("registration has no badge code")
    place = ", ".join(p for p in (event.venue_name, event.city) if p)
    return BadgeData(
        name=registration.name or "",
        organization=registration.organization or "",
        category=registration.category,
        event_title=event.title,
        event_dates=format_date_range(event.starts_at, event.ends_at, event.timezone),
        venue=place,
        code=registration.badge_code,
    )


class Painter(Protocol):
    def measure(self, text: str, bold: bool, size: float) -> float: ...
    def rect(self, x: float, y: float, w: float, h: float, colour: str) -> None: ...
    def text(self, x: float, baseline: float, text: str, bold: bool, size: float,
             colour: str, align: str = "left") -> None: ...
    def qr(self, x: float, y: float, size: float, matrix: list[list[bool]]) -> None: ...


def fit_text(painter: Painter, text: str, bold: bool, max_width: float,
             sizes: tuple[float, float], max_lines: int) -> tuple[float, list[str]]:
    """The largest font size (from sizes[0] down to sizes[1]) at which ``text`` wraps into
    at most ``max_lines`` lines of ``max_width``; at the smallest size, the last line is
    cut with an ellipsis."""
    words = " ".join((text or "").split()).split(" ")
    big, small = sizes
    size = big
    while True:
        lines = _wrap(painter, words, bold, size, max_width)
        if len(lines) <= max_lines and all(painter.measure(ln, bold, size) <= max_width
                                           for ln in lines):
            return size, lines
        if size <= small:
            break
        size = max(small, size * 0.92)
    lines = lines[:max_lines]
    lines = [_ellipsize(painter, ln, bold, size, max_width) for ln in lines]
    if len(_wrap(painter, words, bold, size, max_width)) > max_lines:
        lines[-1] = _ellipsize(painter, lines[-1] + " \u2026", bold, size, max_width)
    return size, lines


def _wrap(painter: Painter, words: list[str], bold: bool, size: float, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if not current or painter.measure(trial, bold, size) <= width:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines or [""]


def _ellipsize(painter: Painter, line: str, bold: bool, size: float, width: float) -> str:
    if painter.measure(line, bold, size) <= width:
        return line
    while line and painter.measure(line + "\u2026", bold, size) > width:
        line = line[:-1]
    return line.rstrip() + "\u2026"


def draw_badge(p: Painter, x: float, y: float, w: float, h: float, data: BadgeData) -> None:
    """Draw one badge in the box (x, y, w, h): portrait or landscape by its shape."""
    p.rect(x, y, w, h, "#ffffff")
    if h >= w:
        _portrait(p, x, y, w, h, data)
    else:
        _landscape(p, x, y, w, h, data)


def _lines(p: Painter, lines: list[str], bold: bool, size: float, colour: str,
           cx: float, top: float, align: str, leading: float = 1.18) -> float:
    """Draw lines from ``top`` down; return the y below the last line."""
    yy = top
    for line in lines:
        yy += size * 0.95
        p.text(cx, yy, line, bold, size, colour, align)
        yy += size * (leading - 0.95)
    return yy


def _portrait(p: Painter, x: float, y: float, w: float, h: float, d: BadgeData) -> None:
    m = 0.07 * w
    inner = w - 2 * m
    cx = x + w / 2
    stripe = 0.018 * h
    band = 0.12 * h
    p.rect(x, y, w, stripe, d.colour)

    top = y + stripe + 0.7 * m
    size, lines = fit_text(p, d.event_title, True, inner, (0.068 * w, 0.045 * w), 2)
    top = _lines(p, lines, True, size, INK, cx, top, "center")
    sub = " \u00b7 ".join(s for s in (d.event_dates, d.venue) if s)
    size, lines = fit_text(p, sub, False, inner, (0.045 * w, 0.032 * w), 2)
    header_bottom = _lines(p, lines, False, size, MUTED, cx, top + 0.01 * h, "center")

    band_top = y + h - band
    q = min(0.5 * w, (band_top - header_bottom) * 0.5)
    qr_top = band_top - 0.035 * h - q
    p.qr(cx - q / 2, qr_top, q, qr_matrix(d.code))

    name_size, name_lines = fit_text(p, d.name, True, inner, (0.115 * w, 0.06 * w), 2)
    org_size, org_lines = fit_text(p, d.organization, False, inner, (0.062 * w, 0.042 * w), 2) \
        if d.organization else (0, [])
    block = len(name_lines) * name_size * 1.15 + len(org_lines) * org_size * 1.2 \
        + (0.02 * h if org_lines else 0)
    space_top, space_bottom = header_bottom, qr_top
    top = space_top + max(0.0, (space_bottom - space_top - block) / 2)
    top = _lines(p, name_lines, True, name_size, INK, cx, top, "center", 1.15)
    if org_lines:
        _lines(p, org_lines, False, org_size, MUTED, cx, top + 0.02 * h, "center", 1.2)

    p.rect(x, band_top, w, band, d.colour)
    label = d.category.label.upper()
    size, lines = fit_text(p, label, True, inner, (0.1 * w, 0.05 * w), 1)
    p.text(cx, band_top + band / 2 + size * 0.36, lines[0], True, size, "#ffffff", "center")


def _landscape(p: Painter, x: float, y: float, w: float, h: float, d: BadgeData) -> None:
    m = 0.06 * h
    band = 0.17 * h
    band_top = y + h - band
    q = band_top - y - 2 * m
    p.qr(x + w - m - q, y + m, q, qr_matrix(d.code))

    left = x + 1.2 * m
    inner = w - q - 3.4 * m
    top = y + m
    size, lines = fit_text(p, d.event_title, True, inner, (0.075 * h, 0.055 * h), 2)
    top = _lines(p, lines, True, size, INK, left, top, "left")
    sub = " \u00b7 ".join(s for s in (d.event_dates, d.venue) if s)
    size, lines = fit_text(p, sub, False, inner, (0.055 * h, 0.042 * h), 1)
    header_bottom = _lines(p, lines, False, size, MUTED, left, top + 0.005 * h, "left")

    name_size, name_lines = fit_text(p, d.name, True, inner, (0.13 * h, 0.075 * h), 2)
    org_size, org_lines = fit_text(p, d.organization, False, inner, (0.075 * h, 0.05 * h), 2) \
        if d.organization else (0, [])
    block = len(name_lines) * name_size * 1.15 + len(org_lines) * org_size * 1.2
    top = header_bottom + max(0.0, (band_top - m * 0.5 - header_bottom - block) / 2)
    top = _lines(p, name_lines, True, name_size, INK, left, top, "left", 1.15)
    if org_lines:
        _lines(p, org_lines, False, org_size, MUTED, left, top, "left", 1.2)

    p.rect(x, band_top, w, band, d.colour)
    label = d.category.label.upper()
    size, lines = fit_text(p, label, True, w - 2 * m, (0.11 * h, 0.06 * h), 1)
    p.text(x + w / 2, band_top + band / 2 + size * 0.36, lines[0], True, size, "#ffffff",
           "center")
