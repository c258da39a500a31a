"""Badge images and PDFs, read back with a real QR decoder (zxing-cpp; PDFs rendered to
images with pypdfium2). Pure helpers: no request needed."""
from __future__ import annotations

import io
import logging
import shutil

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from reportlab.lib.pagesizes import A6
from reportlab.pdfgen.canvas import Canvas

from eventsapp.badges import design
from eventsapp.badges.design import CATEGORY_COLOURS, BadgeData, fit_text
from eventsapp.badges.qr import extract_code, qr_image, qr_matrix
from eventsapp.badges.render_pdf import PdfPainter, badge_pdf, badge_sheets_pdf
from eventsapp.badges.render_png import HEIGHT, WIDTH, PilPainter, badge_png
from eventsapp.models import Category
from eventsapp.security import new_token


def decode_image(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)
            if r.format == zxingcpp.BarcodeFormat.QRCode]


def decode_pdf(data: bytes, dpi: int = 200) -> list[list[tuple[str, tuple[int, int]]]]:
    """Per page: (decoded text, (x, y) of the code's top-left corner) in reading order."""
    pdf = pdfium.PdfDocument(data)
    pages = []
    try:
        for page in pdf:
            image = page.render(scale=dpi / 72).to_pil()
            found = []
            for r in zxingcpp.read_barcodes(image):
                p = r.position.top_left
                found.append((r.text, (p.x, p.y)))
            # Reading order: rows of badges top to bottom, then left to right.
            found.sort(key=lambda t: (round(t[1][1] / 100), t[1][0]))
            pages.append(found)
            page.close()
    finally:
        pdf.close()
    return pages


def badge(name="Doreen Bogdan-Martin", org="ITU", category=Category.SPEAKER) -> BadgeData:
    return BadgeData(name=name, organization=org, category=category,
                     event_title="ITU Partner2Connect Digital Development Roundtable",
                     event_dates="7\u20139 June 2022", venue="Kigali Convention Centre, Kigali",
                     code=new_token())


def test_qr_holds_only_the_code():
    code = new_token()
    assert len(code) >= 22  # 128+ bits of URL-safe base64
    assert decode_image(qr_image(code, box_size=8)) == [code]
    # Version 3 (29 modules) + a 4-module quiet zone each side: small and quick to scan.
    assert len(qr_matrix(code)) == 37


def test_png_badge_decodes_to_its_code():
    data = badge()
    png = badge_png(data)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT)
    assert decode_image(image) == [data.code]


@pytest.mark.parametrize("category", list(Category))
def test_png_badge_has_its_category_colour_band(category):
    data = badge(category=category)
    image = Image.open(io.BytesIO(badge_png(data))).convert("RGB")
    # The band fills the bottom of the badge; sample its left edge, clear of the label.
    colour = "#{:02x}{:02x}{:02x}".format(*image.getpixel((10, HEIGHT - 20)))
    assert colour == CATEGORY_COLOURS[category]
    assert len(set(CATEGORY_COLOURS.values())) == len(Category)  # one colour each


def test_long_and_non_latin_names_fit_and_still_decode():
    data = badge(name="Ἀλέξανδρος Παπαδόπουλος-Κωνσταντινίδης Jean-Baptiste de la Fontaine "
                      "Montmorency-Laval", org="Организация Объединённых Наций " * 4)
    assert decode_image(Image.open(io.BytesIO(badge_png(data)))) == [data.code]
    assert [c for c, _ in decode_pdf(badge_pdf(data))[0]] == [data.code]


def test_single_badge_pdf_decodes():
    data = badge()
    pages = decode_pdf(badge_pdf(data))
    assert len(pages) == 1
    assert [c for c, _ in pages[0]] == [data.code]


@pytest.mark.parametrize("per_page,pages", [(1, 9), (4, 3), (8, 2)])
def test_sheets_hold_n_per_page_in_the_given_order(per_page, pages):
    badges = [badge(name=f"Person {i:02d}", category=list(Category)[i % 5]) for i in range(9)]
    decoded = decode_pdf(badge_sheets_pdf(badges, per_page))
    assert len(decoded) == pages
    assert [len(p) for p in decoded] == [min(per_page, 9 - k * per_page) for k in range(pages)]
    assert [c for page in decoded for c, _ in page] == [b.code for b in badges]


def test_sheets_are_a4():
    pdf = pdfium.PdfDocument(badge_sheets_pdf([badge()], 8))
    try:
        w, h = pdf[0].get_size()
    finally:
        pdf.close()
    assert (round(w), round(h)) == (595, 842)


def test_bad_per_page_is_refused():
    with pytest.raises(ValueError):
        badge_sheets_pdf([badge()], 3)


@pytest.mark.parametrize("raw,expected", [
    ("abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345"),
    ("  abcdefghijklmnopqrstuvwxyz012345\r\n", "abcdefghijklmnopqrstuvwxyz012345"),
    ("https://x.org/events/e/checkin?code=abcdefghijklmnopqrstuvwxyz012345",
     "abcdefghijklmnopqrstuvwxyz012345"),
    ("/events/e/checkin?code=abcdefghijklmnopqrstuvwxyz012345&x=1",
     "abcdefghijklmnopqrstuvwxyz012345"),
    ("https://x.org/events/p2c-roundtable-kigali-2022", None),
    ("short", None), ("", None), (None, None), ("a b c d e f g h i j k l m n o p", None),
    ("x" * 65, None), ("http://[::1", None),
])
def test_extract_code(raw, expected):
    assert extract_code(raw) == expected


def test_long_arabic_and_mixed_names_wrap_by_shaped_width():
    # Wrapping measures shaped runs (joined Arabic is narrower than isolated letters):
    # every line fits, in both renderers, and the badge still scans.
    name = "عبد الرحمن بن محمد بن إبراهيم John Smith آل عبد العزيز الهاشمي القرشي"
    org = "الاتحاد الدولي للاتصالات " * 3
    data = badge(name=name, org=org)
    assert decode_image(Image.open(io.BytesIO(badge_png(data)))) == [data.code]
    assert [c for c, _ in decode_pdf(badge_pdf(data))[0]] == [data.code]
    canvas = Canvas(io.BytesIO(), pagesize=A6)
    for painter in (PilPainter(Image.new("RGB", (WIDTH, HEIGHT))), PdfPainter(canvas, A6[1])):
        width = 300.0
        size, lines = fit_text(painter, name, True, width, (40.0, 20.0), 2)
        assert len(lines) == 2 and all(painter.measure(ln, True, size) <= width for ln in lines)
    # Shaped: the joined word is not the sum of its letters' isolated widths.
    pdf_painter = PdfPainter(canvas, A6[1])
    word = "محمد"
    assert pdf_painter.measure(word, True, 20) != pytest.approx(
        sum(pdf_painter.measure(ch, True, 20) for ch in word))


def test_pdf_embeds_the_fonts_of_each_script():
    pdf = badge_sheets_pdf([badge(name="محمد بن عبد الله"), badge(name="王小明"),
                            badge(name="Мария Спатолисано")], 4)
    for font in (b"NotoNaskhArabic-Bold", b"WenQuanYiZenHei", b"NotoSans-Bold"):
        assert font in pdf


def test_badge_fonts_fall_back_with_a_warning(monkeypatch, tmp_path, caplog):
    dejavu = "/usr/share/fonts/truetype/dejavu"
    monkeypatch.setattr(design, "FONT_DIRS", (str(tmp_path), dejavu))
    monkeypatch.setattr(design, "_warned", set())
    design.font_face.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="eventsapp.badges.design"):
            face = design.font_face("arabic", True)
        assert face and face.path == f"{dejavu}/DejaVuSans-Bold.ttf"
        assert "NotoNaskhArabic-Regular.ttf is not installed" in caplog.text
        # BADGE_FONT_DIR's folder comes first: a font there is taken over the system's.
        shutil.copy(f"{dejavu}/DejaVuSans.ttf", tmp_path / "NotoSans-Regular.ttf")
        design.font_face.cache_clear()
        assert design.font_face("latin", False) == design.FontFace(
            str(tmp_path / "NotoSans-Regular.ttf"))
    finally:
        design.font_face.cache_clear()


class RecordingPainter(design.RunPainter):
    """Measures every character as 1 unit and records the runs drawn."""

    def __init__(self):
        self.drawn: list[tuple[float, str]] = []

    def run_width(self, run, bold, size):
        return len(run.text) * size * 0.5

    def draw_run(self, x, baseline, run, bold, size, colour):
        self.drawn.append((x + self.run_width(run, bold, size), run.text))

    def rect(self, x, y, w, h, colour):
        pass

    def qr(self, x, y, size, matrix):
        pass


def test_landscape_badges_start_arabic_lines_at_the_right_edge():
    p = RecordingPainter()
    design.draw_badge(p, 0, 0, 300, 150, badge(name="محمد", org="ITU"))
    right_ends = {text: end for end, text in p.drawn}
    # The header's lines (Latin) start at the column's left edge and fit in the column:
    # the Arabic name ends at or beyond all of them, the Latin organization well before.
    header = [t for t in right_ends if t.startswith(("ITU ", "Partner2Connect", "7"))]
    assert header
    assert all(right_ends["محمد"] >= right_ends[t] for t in header)
    assert right_ends["ITU"] < right_ends["محمد"] - 20
