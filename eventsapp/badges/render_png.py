"""A badge as a PNG image (Pillow): A6 portrait at 300 dpi, for phones and printing.

Text is shaped by Pillow's libraqm layout (HarfBuzz and FriBiDi), run by run, each run in
its script's font (design.visual_runs). Without libraqm, Pillow's basic layout neither
joins Arabic letters nor lays them right to left: a warning says so once.
"""
from __future__ import annotations

import io
import logging
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont, features

from .design import BadgeData, Run, RunPainter, draw_badge, font_face

# A6 (105 x 148 mm) at 300 dpi.
WIDTH, HEIGHT, DPI = 1240, 1748, 300


log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _raqm() -> bool:
    if features.check("raqm"):
        return True
    log.warning("Pillow has no libraqm (Debian: libraqm0): Arabic on PNG badges is not shaped")
    return False


@lru_cache(maxsize=128)
def _font(script: str, bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    face = font_face(script, bold)
    if face:
        engine = ImageFont.Layout.RAQM if _raqm() else ImageFont.Layout.BASIC
        return ImageFont.truetype(face.path, size, index=face.index, layout_engine=engine)
    return ImageFont.load_default(size)


def _direction(run: Run) -> str | None:
    # Only libraqm takes a direction; it is the run's own (the runs are already in order).
    return ("rtl" if run.rtl else "ltr") if _raqm() else None


class PilPainter(RunPainter):
    """design.Painter on a Pillow image (pixels, origin top left)."""

    def __init__(self, image: Image.Image):
        self.draw = ImageDraw.Draw(image)

    def run_width(self, run: Run, bold: bool, size: float) -> float:
        return _width(run, bold, max(1, round(size)))

    def draw_run(self, x, baseline, run, bold, size, colour):
        self.draw.text((x, baseline), run.text, font=_font(run.script, bold, max(1, round(size))),
                       fill=colour, anchor="ls", direction=_direction(run))

    def rect(self, x, y, w, h, colour):
        self.draw.rectangle([round(x), round(y), round(x + w) - 1, round(y + h) - 1], fill=colour)

    def qr(self, x, y, size, matrix):
        n = len(matrix)
        box = max(1, int(size // n))  # whole pixels per module: sharp edges for decoders
        off_x = round(x + (size - box * n) / 2)
        off_y = round(y + (size - box * n) / 2)
        self.draw.rectangle([off_x, off_y, off_x + box * n - 1, off_y + box * n - 1], fill="#ffffff")
        from .qr import dark_runs

        for row, col, length in dark_runs(matrix):
            self.draw.rectangle([off_x + col * box, off_y + row * box,
                                 off_x + (col + length) * box - 1, off_y + (row + 1) * box - 1],
                                fill="#000000")


@lru_cache(maxsize=4096)
def _width(run: Run, bold: bool, size: int) -> float:
    # Cached: wrapping and shrinking a name measure the same runs many times.
    return _font(run.script, bold, size).getlength(run.text, direction=_direction(run))


def badge_image(data: BadgeData, width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    image = Image.new("RGB", (width, height), "#ffffff")
    draw_badge(PilPainter(image), 0, 0, width, height, data)
    return image


def badge_png(data: BadgeData) -> bytes:
    """The badge as PNG bytes."""
    buf = io.BytesIO()
    badge_image(data).save(buf, format="PNG", optimize=True, dpi=(DPI, DPI))
    return buf.getvalue()
