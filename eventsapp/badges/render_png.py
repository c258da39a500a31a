"""A badge as a PNG image (Pillow): A6 portrait at 300 dpi, for phones and printing."""
from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from .design import BadgeData, draw_badge, font_file

# A6 (105 x 148 mm) at 300 dpi.
WIDTH, HEIGHT, DPI = 1240, 1748, 300


@lru_cache(maxsize=64)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = font_file(bold)
    if path:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


class PilPainter:
    """design.Painter on a Pillow image (pixels, origin top left)."""

    def __init__(self, image: Image.Image):
        self.draw = ImageDraw.Draw(image)

    def measure(self, text: str, bold: bool, size: float) -> float:
        return _font(bold, max(1, round(size))).getlength(text)

    def rect(self, x, y, w, h, colour):
        self.draw.rectangle([round(x), round(y), round(x + w) - 1, round(y + h) - 1], fill=colour)

    def text(self, x, baseline, text, bold, size, colour, align="left"):
        anchor = {"left": "ls", "center": "ms", "right": "rs"}[align]
        self.draw.text((x, baseline), text, font=_font(bold, max(1, round(size))), fill=colour,
                       anchor=anchor)

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


def badge_image(data: BadgeData, width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    image = Image.new("RGB", (width, height), "#ffffff")
    draw_badge(PilPainter(image), 0, 0, width, height, data)
    return image


def badge_png(data: BadgeData) -> bytes:
    """The badge as PNG bytes."""
    buf = io.BytesIO()
    badge_image(data).save(buf, format="PNG", optimize=True, dpi=(DPI, DPI))
    return buf.getvalue()
