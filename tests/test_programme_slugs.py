"""Event short names from titles: accents folded, other scripts transliterated, always
a usable ASCII slug (python-slugify)."""
from __future__ import annotations

import pytest

from eventsapp.programme.services import SLUG_RE, slugify


@pytest.mark.parametrize(("title", "slug"), [
    ("Réunion annuelle de Genève", "reunion-annuelle-de-geneve"),
    ("P2C Annual Meeting 2031", "p2c-annual-meeting-2031"),
    ("  Straße & Café — Zürich!  ", "strasse-cafe-zurich"),
    ("Ежегодное собрание", "ezhegodnoe-sobranie"),
    ("联合国会议", "lian-he-guo-hui-yi"),
])
def test_slug_from_title(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize("title", ["اجتماع الأمم المتحدة", "東京 2031", "Ελληνικά"])
def test_non_latin_titles_give_an_ascii_slug(title):
    slug = slugify(title)
    assert slug and slug != "event" and SLUG_RE.match(slug), slug


@pytest.mark.parametrize("title", ["", "!!!", "—", "\u200b"])
def test_nothing_usable_gives_event(title):
    assert slugify(title) == "event"


def test_long_titles_are_cut_at_a_word_boundary():
    slug = slugify("International conference on " + "telecommunication " * 10)
    assert len(slug) <= 60 and SLUG_RE.match(slug)
    assert slug.endswith("telecommunication")
