"""Badges as PDF (reportlab): one badge on an A6 page, or A4 sheets of 1, 4 or 8.

Text and QR codes are vector graphics, so a sheet of a thousand badges stays small
and prints sharp at any size. Light grey cut lines frame each badge on a sheet.
"""
from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .design import BadgeData, draw_badge, font_file
from .qr import dark_runs

PER_PAGE_CHOICES = (1, 4, 8)
_FONTS: dict[bool, str] = {}


def _font_name(bold: bool) -> str:
    """DejaVu Sans embedded when available (names in any Latin, Greek or Cyrillic
    script); else Helvetica, which only covers Western European text."""
    if bold not in _FONTS:
        path = font_file(bold)
        name = "Helvetica-Bold" if bold else "Helvetica"
        if path:
            name = "EABadgeSans-Bold" if bold else "EABadgeSans"
            try:
                pdfmetrics.getFont(name)
            except KeyError:
                pdfmetrics.registerFont(TTFont(name, path))
        _FONTS[bold] = name
    return _FONTS[bold]


class PdfPainter:
    """design.Painter on a reportlab canvas (points; flips y to reportlab's bottom-up)."""

    def __init__(self, canvas: Canvas, page_height: float):
        self.c = canvas
        self.ph = page_height

    def measure(self, text, bold, size):
        return pdfmetrics.stringWidth(text, _font_name(bold), size)

    def rect(self, x, y, w, h, colour):
        self.c.setFillColor(HexColor(colour))
        self.c.rect(x, self.ph - y - h, w, h, stroke=0, fill=1)

    def text(self, x, baseline, text, bold, size, colour, align="left"):
        self.c.setFillColor(HexColor(colour))
        self.c.setFont(_font_name(bold), size)
        yy = self.ph - baseline
        if align == "center":
            self.c.drawCentredString(x, yy, text)
        elif align == "right":
            self.c.drawRightString(x, yy, text)
        else:
            self.c.drawString(x, yy, text)

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
    c.setTitle(f"Badge: {data.name}")
    c.setAuthor("eventsapp")
    draw_badge(PdfPainter(c, h), 0, 0, w, h, data)
    c.showPage()
    c.save()
    return buf.getvalue()


def badge_sheets_pdf(badges: Iterable[BadgeData], per_page: int = 4,
                     title: str = "Badges") -> bytes:
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
    c.setTitle(title)
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
