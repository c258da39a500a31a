"""Badges as PDF (reportlab): one badge on an A6 page, or A4 sheets of 1, 4 or 8.

Text and QR codes are vector graphics, so a sheet of a thousand badges stays small
and prints sharp at any size. Light grey cut lines frame each badge on a sheet.

Text is drawn run by run (design.visual_runs), each run in its script's embedded font.
Arabic and Hebrew runs are shaped by ReportLab's HarfBuzz support (uharfbuzz): joined
letter forms, laid out right to left. Other runs need no shaping and are drawn as is.
"""
from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from functools import lru_cache

from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import ShapedStr, TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas

from .design import BadgeData, Run, RunPainter, draw_badge, font_face
from .qr import dark_runs

log = logging.getLogger(__name__)
PER_PAGE_CHOICES = (1, 4, 8)
# Scripts whose letters change form or order when shaped.
SHAPED_SCRIPTS = frozenset({"arabic", "hebrew"})


@lru_cache(maxsize=16)
def _font_name(script: str, bold: bool) -> str:
    """The registered name of the script's font (TrueType outlines: ReportLab embeds no
    CFF); Helvetica when none is installed, which only covers Western European text."""
    face = font_face(script, bold, truetype_only=True)
    if not face:
        return "Helvetica-Bold" if bold else "Helvetica"
    name = f"EABadge-{script}-{'Bold' if bold else 'Regular'}"
    try:
        pdfmetrics.getFont(name)
    except KeyError:
        pdfmetrics.registerFont(TTFont(name, face.path, subfontIndex=face.index))
    return name


def _shaped(run: Run, font: str) -> bool:
    if run.script not in SHAPED_SCRIPTS:
        return False
    shapable = bool(getattr(pdfmetrics.getFont(font), "shapable", False))
    if not shapable:
        log.warning("uharfbuzz is missing: %s text on PDF badges is not shaped", run.script)
    return shapable


@lru_cache(maxsize=4096)
def _glyphs(run: Run, bold: bool, size: float) -> tuple[str, float]:
    """The run as ReportLab draws it and its width. A shaped run is a ShapedStr: its
    characters name the shaped glyphs (contextual forms get private-use code points) in
    drawing order, with HarfBuzz's positions. We call ReportLab's shaper ourselves:
    canvas.drawString(shaping=True) shapes only when rlbidi is installed too."""
    font = _font_name(run.script, bold)
    if _shaped(run, font):
        text = shapeStr(run.text, font, size, force=True)
        if isinstance(text, ShapedStr):
            return text, sum(sd.x_advance for sd in text.__shapeData__) * size / 1000
    return run.text, pdfmetrics.stringWidth(run.text, font, size)


class PdfPainter(RunPainter):
    """design.Painter on a reportlab canvas (points; flips y to reportlab's bottom-up)."""

    def __init__(self, canvas: Canvas, page_height: float):
        self.c = canvas
        self.ph = page_height

    def run_width(self, run: Run, bold: bool, size: float) -> float:
        return _glyphs(run, bold, size)[1]

    def draw_run(self, x, baseline, run, bold, size, colour):
        font = _font_name(run.script, bold)
        self.c.setFillColor(HexColor(colour))
        self.c.setFont(font, size)
        # Already shaped (HarfBuzz takes the direction from the script, Arabic right to left).
        self.c.drawString(x, self.ph - baseline, _glyphs(run, bold, size)[0])

    def rect(self, x, y, w, h, colour):
        self.c.setFillColor(HexColor(colour))
        self.c.rect(x, self.ph - y - h, w, h, stroke=0, fill=1)

    def qr(self, x, y, size, matrix):
        n = len(matrix)
        box = size / n
        self.rect(x, y, size, size, "#ffffff")
        self.c.setFillColor(HexColor("#000000"))
        path = self.c.beginPath()
        top = self.ph - y
        for row, col, length in dark_runs(matrix):
            # A hair of overlap between rows, so no white seams show at any zoom.
            path.rect(x + col * box, top - (row + 1) * box, length * box, box + 0.01)
        self.c.drawPath(path, stroke=0, fill=1)


def _grid(per_page: int) -> tuple[int, int]:
    """(columns, rows) of badges on an A4 portrait sheet."""
    return {1: (1, 1), 4: (2, 2), 8: (2, 4)}[per_page]


def badge_pdf(data: BadgeData) -> bytes:
    """One badge on an A6 page (prints at badge-holder size, reads on a phone)."""
    buf = io.BytesIO()
    w, h = A6
    c = Canvas(buf, pagesize=A6, pageCompression=1)
    with force_locale(data.language):  # the badge's language, like its printed words
        c.setTitle(_("Badge: %(name)s", name=data.name))
    c.setAuthor("eventsapp")
    draw_badge(PdfPainter(c, h), 0, 0, w, h, data)
    c.showPage()
    c.save()
    return buf.getvalue()


def badge_sheets_pdf(badges: Iterable[BadgeData], per_page: int = 4,
                     title: str | None = None) -> bytes:
    """A4 sheets with ``per_page`` badges each (1, 4 or 8), in the order given.

    4 per page: A6 badges (105 x 148 mm), 8 per page: 105 x 74 mm; both tile the page
    edge to edge, for a guillotine. 1 per page: one large badge with a 10 mm margin.
    """
    if per_page not in PER_PAGE_CHOICES:
        raise ValueError("per_page must be 1, 4 or 8")
    cols, rows = _grid(per_page)
    pw, ph = A4
    if per_page == 1:
        margin = 10 * mm
        cell_w, cell_h = pw - 2 * margin, ph - 2 * margin
        origin_x = origin_y = margin
    else:
        cell_w, cell_h = pw / cols, ph / rows
        origin_x = origin_y = 0
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(title or _("Badges"))
    c.setAuthor("eventsapp")
    painter = PdfPainter(c, ph)
    i = -1
    for i, data in enumerate(badges):
        slot = i % per_page
        if slot == 0 and i:
            c.showPage()
        col, row = slot % cols, slot // cols
        x = origin_x + col * cell_w
        y = origin_y + row * cell_h
        draw_badge(painter, x, y, cell_w, cell_h, data)
        c.setStrokeColor(HexColor("#c8c8c8"))
        c.setLineWidth(0.4)
        c.setDash(2, 2)
        c.rect(x, ph - y - cell_h, cell_w, cell_h, stroke=1, fill=0)
        c.setDash()
    if i >= 0:
        c.showPage()
    c.save()
    return buf.getvalue()
