"""Names in every script, read back from the PNG badge, the PDF badge and the batch sheet
with an OCR engine (Debian's tesseract with its Arabic, Chinese and Russian models).

OCR reads what a person would see: an Arabic name drawn unjoined or left to right, or
a Chinese name drawn as empty boxes, does not come back, whatever the PDF's text layer
says. bin/test installs tesseract; without it these tests fail rather than skip, so a
machine that cannot check the scripts says so.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from eventsapp.badges.design import BadgeData, visual_runs
from eventsapp.badges.render_pdf import badge_pdf, badge_sheets_pdf
from eventsapp.badges.render_png import badge_image
from eventsapp.models import Category
from eventsapp.security import new_token

# (name, organization, tesseract languages, edits allowed in the read-back). Tesseract's
# English model reads accented letters as their base letters: for the accented name the
# edits allowed are its accents, and the letters without accents must match exactly.
CASES = [
    ("Doreen Bogdan-Martin", "International Telecommunication Union", "eng", 1),
    ("José Ramón Müller-Øberg", "Universidad de Córdoba", "eng", 4),
    ("Мария-Франческа Спатолисано", "Организация Объединённых Наций", "rus", 1),
    ("محمد بن عبد الله", "الاتحاد الدولي للاتصالات", "ara", 0),
    ("王小明", "国际电信联盟", "chi_sim", 0),
]
IDS = ["latin", "accented", "russian", "arabic", "chinese"]


def badge(name: str, org: str) -> BadgeData:
    return BadgeData(name=name, organization=org, category=Category.PARTICIPANT,
                     event_title="ITU Partner2Connect Digital Development Roundtable",
                     event_dates="7\u20139 June 2022", venue="Kigali Convention Centre, Kigali",
                     code=new_token())


def ocr(image: Image.Image, lang: str) -> str:
    """What tesseract reads on a 300 dpi image, in logical order (as a person would type it)."""
    assert shutil.which("tesseract"), "tesseract is not installed (bin/test installs it)"
    # At half size: a badge name at 300 dpi is far taller than the text tesseract's models
    # were trained on, and it misreads it (王 as 干, ن as ئ); at 150 dpi it reads it well.
    image = image.convert("L").resize((image.width // 2, image.height // 2), Image.LANCZOS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "badge.png"
        image.save(path, dpi=(150, 150))
        done = subprocess.run(["tesseract", str(path), "stdout", "-l", lang, "--psm", "3"],
                              capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def squeeze(text: str) -> str:
    # Tesseract spaces out CJK characters and sometimes Arabic words: compare without
    # whitespace, and in NFC so a decomposed accent compares equal to a composed one.
    return "".join(unicodedata.normalize("NFC", text).split())


def distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def fold(text: str) -> str:
    """Without accents (é → e, Ø → O)."""
    text = unicodedata.normalize("NFD", text).translate({0xD8: "O", 0xF8: "o"})
    return "".join(c for c in text if not unicodedata.combining(c))


def best_match(expected: str, text: str) -> int:
    """The smallest edit distance between ``expected`` and any stretch of ``text`` as long
    as it (whitespace and line breaks left out: a name may wrap onto two lines)."""
    want, got = squeeze(expected), squeeze(text)
    if len(got) <= len(want):
        return distance(want, got)
    return min(distance(want, got[i:i + len(want)]) for i in range(len(got) - len(want) + 1))


def assert_reads(image: Image.Image, expected: str, lang: str, slack: int) -> None:
    text = ocr(image, lang)
    assert best_match(expected, text) <= slack, f"expected {expected!r}; OCR read:\n{text}"
    # Every letter is there, whatever tesseract made of the accents.
    assert best_match(fold(expected), fold(text)) <= min(slack, 1), text


def pdf_pages(data: bytes, dpi: int = 300) -> list[Image.Image]:
    pdf = pdfium.PdfDocument(data)
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in pdf]
    finally:
        pdf.close()


@pytest.mark.parametrize(("name", "org", "lang", "slack"), CASES, ids=IDS)
def test_png_badge_reads_back(name, org, lang, slack):
    image = badge_image(badge(name, org))
    assert_reads(image, name, lang, slack)
    assert_reads(image, org, lang, slack + 1)


@pytest.mark.parametrize(("name", "org", "lang", "slack"), CASES, ids=IDS)
def test_pdf_badge_reads_back(name, org, lang, slack):
    (page,) = pdf_pages(badge_pdf(badge(name, org)))
    assert_reads(page, name, lang, slack)
    assert_reads(page, org, lang, slack + 1)


def test_batch_sheet_reads_back_arabic_and_chinese():
    people = [CASES[3], CASES[4], CASES[0], CASES[2]]
    (page,) = pdf_pages(badge_sheets_pdf([badge(n, o) for n, o, _, _ in people], per_page=4))
    w, h = page.size
    # 2 x 2 badges: the Arabic one top left, the Chinese one top right.
    assert_reads(page.crop((0, 0, w // 2, h // 2)), CASES[3][0], "ara", 0)
    assert_reads(page.crop((w // 2, 0, w, h // 2)), CASES[4][0], "chi_sim", 0)


def test_runs_split_by_script_in_visual_order():
    # An Arabic line with a Latin name inside: the Arabic words right to left around the
    # Latin one, which keeps its own order.
    runs = visual_runs("محمد John Smith علي")
    assert [r.text for r in runs] == ["علي", " ", "John Smith", " ", "محمد"]
    assert [r.rtl for r in runs] == [True, True, False, True, True]
    assert {r.script for r in runs if r.text.strip()} == {"arabic", "latin"}
    runs = visual_runs("王小明 (ITU)")
    assert [(r.text, r.script) for r in runs][0] == ("王小明", "cjk")
    assert [r.text for r in visual_runs("Doreen Bogdan-Martin")] == ["Doreen Bogdan-Martin"]
