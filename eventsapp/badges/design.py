"""What a badge shows and where: one layout, drawn by the PNG and the PDF renderers.

The layout works in the renderer's own units (pixels or points) with the origin at the
top left and text placed on its baseline. A painter (see render_png / render_pdf)
supplies measuring and drawing; this module decides sizes and positions only.
"""
from __future__ import annotations

import logging
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from flask_babel import force_locale

from ..localefmt import format_parts
from ..models import Category, Event, Registration
from ..registration.mails import registrant_language
from ..timefmt import format_date_range
from .qr import qr_matrix

log = logging.getLogger(__name__)

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

# Where badge fonts are looked for: BADGE_FONT_DIR first (an override folder), then where
# Debian's packages put them (fonts-noto-core, fonts-noto-cjk, fonts-wqy-zenhei,
# fonts-dejavu-core; bin/run and bin/test install them), then other systems' folders.
FONT_DIRS = (
    os.environ.get("BADGE_FONT_DIR", ""),  # the same setting as config's BADGE_FONT_DIR
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/Library/Fonts",
)


@dataclass(frozen=True)
class FontFace:
    """A font file, the face's index in a collection (.ttc), and whether its glyphs are
    PostScript (CFF) outlines, which ReportLab cannot embed."""

    path: str
    index: int = 0
    cff: bool = False


# Per script: (regular file, bold file, index in the collection, CFF outlines), best first.
# Noto Naskh Arabic is the classic text style of Arabic, the one read most easily.
# Noto Sans CJK comes only as CFF collections (face 2 is Simplified Chinese): the PNG
# uses it; the PDF, through ReportLab, needs TrueType outlines and takes WenQuanYi Zen Hei.
# DejaVu Sans closes every list: it covers Latin, Greek, Cyrillic, Arabic and Hebrew.
_DEJAVU = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", 0, False)
SCRIPT_FONTS: dict[str, tuple[tuple[str, str, int, bool], ...]] = {
    "latin": (("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", 0, False), _DEJAVU),
    "arabic": (("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf", 0, False),
               ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf", 0, False), _DEJAVU),
    "hebrew": (("NotoSansHebrew-Regular.ttf", "NotoSansHebrew-Bold.ttf", 0, False), _DEJAVU),
    "cjk": (("NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", 2, True),
            ("wqy-zenhei.ttc", "wqy-zenhei.ttc", 0, False), _DEJAVU),
}
_warned: set[str] = set()


def _find(name: str) -> str | None:
    for d in FONT_DIRS:
        if d and os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    return None


@lru_cache(maxsize=32)
def font_face(script: str, bold: bool, truetype_only: bool = False) -> FontFace | None:
    """The font for a run of ``script`` (see visual_runs), or None when not even DejaVu is
    installed (the renderers then use their built-in font, which covers only Latin).
    ``truetype_only`` skips CFF fonts (for ReportLab)."""
    candidates = [c for c in SCRIPT_FONTS.get(script, SCRIPT_FONTS["latin"])
                  if not (c[3] and truetype_only)]
    for regular, heavy, index, cff in candidates:
        path = _find(heavy if bold else regular)
        if path:
            if (regular, heavy, index, cff) != candidates[0] and script not in _warned:
                _warned.add(script)
                log.warning("badge font for %s text: %s is not installed, using %s (install "
                            "Debian's fonts-noto-core and fonts-noto-cjk)", script,
                            candidates[0][0], path)
            return FontFace(path, index, cff)
    if script not in _warned:
        _warned.add(script)
        log.warning("no badge font for %s text (install Debian's fonts-noto-core, "
                    "fonts-noto-cjk and fonts-dejavu-core)", script)
    return None


def font_file(bold: bool) -> str | None:
    """The Latin font's file (Noto Sans, else DejaVu Sans), or None."""
    face = font_face("latin", bold)
    return face.path if face else None


# Text runs: a line is split into runs of one script (so one font) and one direction,
# put in the order they are drawn left to right. Each renderer shapes a run with
# HarfBuzz (Pillow's libraqm, ReportLab's uharfbuzz), which joins Arabic letters and lays
# a right-to-left run out from its right end; the order of the runs comes from here.

@dataclass(frozen=True)
class Run:
    text: str  # in logical order; the shaper reverses a right-to-left run
    script: str  # a key of SCRIPT_FONTS
    rtl: bool


_BLOCKS = (  # (first, last, script, letters run right to left)
    (0x0590, 0x05FF, "hebrew", True), (0xFB1D, 0xFB4F, "hebrew", True),
    (0x0600, 0x06FF, "arabic", True), (0x0750, 0x077F, "arabic", True),
    (0x0870, 0x08FF, "arabic", True), (0xFB50, 0xFDFF, "arabic", True),
    (0xFE70, 0xFEFF, "arabic", True),
    (0x1100, 0x11FF, "cjk", False), (0x2E80, 0x9FFF, "cjk", False),
    (0xAC00, 0xD7AF, "cjk", False), (0xF900, 0xFAFF, "cjk", False),
    (0xFE30, 0xFE4F, "cjk", False), (0xFF00, 0xFFEF, "cjk", False),
    (0x20000, 0x3FFFF, "cjk", False),
)


def _script(ch: str) -> tuple[str, bool]:
    cp = ord(ch)
    for first, last, script, rtl in _BLOCKS:
        if first <= cp <= last:
            return script, rtl
    return "latin", False


def _classes(text: str) -> list[tuple[str, bool] | None]:
    """Per character: (script, right to left) for letters and digits, None for neutrals
    (spaces, punctuation), which take their direction from their neighbours."""
    out: list[tuple[str, bool] | None] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] == "M" and out:
            out.append(out[-1])  # a combining mark goes with its base letter
        elif cat[0] == "L":
            out.append(_script(ch))
        elif cat[0] == "N":
            # Digits read left to right even in Arabic (Arabic-Indic ones in Arabic's font).
            out.append((_script(ch)[0], False))
        else:
            out.append(None)
    return out


def _logical_runs(text: str, base_rtl: bool) -> list[Run]:
    classes = _classes(text)
    runs: list[Run] = []
    i, n = 0, len(text)
    while i < n:
        j = i
        cls = classes[i]
        if cls is None:
            while j < n and classes[j] is None:
                j += 1
            before = classes[i - 1] if i else None
            after = classes[j] if j < n else None
            if before is not None and before == after:
                # Between two runs of the same script and direction (the space between two
                # Arabic words): part of them, so the shaper sees the words together.
                runs[-1] = Run(runs[-1].text + text[i:j], runs[-1].script, runs[-1].rtl)
                i = j
                continue
            # Elsewhere neutrals take the paragraph's direction (Unicode bidi rule N2).
            scripts = [_script(c)[0] for c in text[i:j]]
            script = next((s for s in scripts if s != "latin"), "latin")
            _append(runs, Run(text[i:j], script, base_rtl))
        else:
            while j < n and classes[j] == cls:
                j += 1
            _append(runs, Run(text[i:j], cls[0], cls[1]))
        i = j
    return runs


def _append(runs: list[Run], run: Run) -> None:
    if runs and (runs[-1].script, runs[-1].rtl) == (run.script, run.rtl):
        runs[-1] = Run(runs[-1].text + run.text, run.script, run.rtl)
    else:
        runs.append(run)


def paragraph_rtl(text: str) -> bool:
    """Whether ``text`` reads right to left: its first letter does (bidi rules P2, P3)."""
    first = next((ch for ch in text if unicodedata.category(ch)[0] == "L"), None)
    return bool(first and _script(first)[1])


@lru_cache(maxsize=4096)
def visual_runs(text: str) -> tuple[Run, ...]:
    """``text`` (one line) as runs in drawing order, left to right. The paragraph's
    direction is that of its first letter (Unicode bidi rules P2, P3); runs get bidi
    levels and are reordered by rule L2, run by run (the shaper orders inside a run)."""
    text = unicodedata.normalize("NFC", text)
    base_rtl = paragraph_rtl(text)
    runs = _logical_runs(text, base_rtl)
    base = 1 if base_rtl else 0
    levels = [base if r.rtl == base_rtl else base + 1 for r in runs]
    for level in range(max(levels, default=0), 0, -1):
        k = 0
        while k < len(runs):
            if levels[k] < level:
                k += 1
                continue
            end = k
            while end < len(runs) and levels[end] >= level:
                end += 1
            runs[k:end] = runs[k:end][::-1]
            levels[k:end] = levels[k:end][::-1]
            k = end
    return tuple(runs)


class RunPainter:
    """measure() and text() of design.Painter for renderers that draw one run at a time:
    they provide run_width() and draw_run() (a run's shaped width and drawing)."""

    def run_width(self, run: Run, bold: bool, size: float) -> float:
        raise NotImplementedError

    def draw_run(self, x: float, baseline: float, run: Run, bold: bool, size: float,
                 colour: str) -> None:
        raise NotImplementedError

    def measure(self, text: str, bold: bool, size: float) -> float:
        return sum(self.run_width(r, bold, size) for r in visual_runs(text))

    def text(self, x: float, baseline: float, text: str, bold: bool, size: float,
             colour: str, align: str = "left") -> None:
        runs = visual_runs(text)
        widths = [self.run_width(r, bold, size) for r in runs]
        if align == "center":
            x -= sum(widths) / 2
        elif align == "right":
            x -= sum(widths)
        for run, width in zip(runs, widths, strict=True):
            self.draw_run(x, baseline, run, bold, size, colour)
            x += width


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
    # The category's name as printed, and the language of the badge's words (category,
    # dates, the PDF's title); badge_data sets both, in the registrant's language.
    category_label: str = ""
    language: str = "en"

    @property
    def colour(self) -> str:
        return category_colour(self.category)

    @property
    def band_label(self) -> str:
        return (self.category_label or self.category.label).upper()


def badge_data(registration: Registration, event: Event) -> BadgeData:
    """The badge of a registration that has a valid badge code. Its words are in the
    language the registrant registered in, whoever prints it (the attendee, the desk, an
    organizer's batch): the fonts cover every script of the six languages."""
    if not registration.badge_code:
        raise ValueError("registration has no badge code")
    place = place_line(event.venue_name, event.city)
    language = registrant_language(registration)
    with force_locale(language):
        category_label = registration.category.label
    return BadgeData(
        name=registration.name or "",
        organization=registration.organization or "",
        category=registration.category,
        event_title=event.title,
        event_dates=format_date_range(event.starts_at, event.ends_at, event.timezone,
                                      lang=language),
        venue=place,
        code=registration.badge_code,
        category_label=category_label,
        language=language,
    )


# The separator of a place's parts follows the script the place is written in: the
# badge's own words are English whoever prints it, but a venue typed in Arabic reads
# "مركز المؤتمرات، الرياض" and one in Chinese "国家会议中心，北京".
_SCRIPT_LANGUAGE = {"arabic": "ar", "cjk": "zh"}


def place_line(*parts: str | None) -> str:
    """Venue and city as one line, with the separator of their script."""
    text = "".join(p for p in parts if p)
    first = next((ch for ch in text if unicodedata.category(ch)[0] == "L"), None)
    lang = _SCRIPT_LANGUAGE.get(_script(first)[0], "en") if first else "en"
    # No bidi isolates: the badge lays out directions itself (visual_runs).
    return format_parts(parts, lang, isolate=False)


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
           cx: float, align: str, top: float, leading: float = 1.18) -> float:
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
    top = _lines(p, lines, True, size, INK, cx, "center", top)
    sub = " \u00b7 ".join(s for s in (d.event_dates, d.venue) if s)
    size, lines = fit_text(p, sub, False, inner, (0.045 * w, 0.032 * w), 2)
    header_bottom = _lines(p, lines, False, size, MUTED, cx, "center", top + 0.01 * h)

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
    top = _lines(p, name_lines, True, name_size, INK, cx, "center", top, 1.15)
    if org_lines:
        _lines(p, org_lines, False, org_size, MUTED, cx, "center", top + 0.02 * h, 1.2)

    p.rect(x, band_top, w, band, d.colour)
    label = d.band_label
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

    def start(text: str) -> tuple[float, str]:
        # The text column's reading edge: right for a right-to-left line (Arabic).
        return (left + inner, "right") if paragraph_rtl(text) else (left, "left")

    top = y + m
    size, lines = fit_text(p, d.event_title, True, inner, (0.075 * h, 0.055 * h), 2)
    top = _lines(p, lines, True, size, INK, *start(d.event_title), top)
    sub = " \u00b7 ".join(s for s in (d.event_dates, d.venue) if s)
    size, lines = fit_text(p, sub, False, inner, (0.055 * h, 0.042 * h), 1)
    header_bottom = _lines(p, lines, False, size, MUTED, *start(sub), top + 0.005 * h)

    name_size, name_lines = fit_text(p, d.name, True, inner, (0.13 * h, 0.075 * h), 2)
    org_size, org_lines = fit_text(p, d.organization, False, inner, (0.075 * h, 0.05 * h), 2) \
        if d.organization else (0, [])
    block = len(name_lines) * name_size * 1.15 + len(org_lines) * org_size * 1.2
    top = header_bottom + max(0.0, (band_top - m * 0.5 - header_bottom - block) / 2)
    top = _lines(p, name_lines, True, name_size, INK, *start(d.name), top, 1.15)
    if org_lines:
        _lines(p, org_lines, False, org_size, MUTED, *start(d.organization), top, 1.2)

    p.rect(x, band_top, w, band, d.colour)
    label = d.band_label
    size, lines = fit_text(p, label, True, w - 2 * m, (0.11 * h, 0.06 * h), 1)
    p.text(x + w / 2, band_top + band / 2 + size * 0.36, lines[0], True, size, "#ffffff",
           "center")
