"""Lists, counts and USD amounts in the viewer's language (eventsapp/localefmt.py): the
separators and forms CLDR gives each of the six languages, bidi isolation of items and
amounts written the other way, and the pages that use them."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from flask import render_template, render_template_string
from flask_babel import refresh
from markupsafe import Markup, escape

from eventsapp.localefmt import (
    format_items,
    format_number,
    format_parts,
    format_usd_short,
    part_separator,
)
from eventsapp.timefmt import format_usd

from .support.i18n import ensure_compiled
from .support.pledges_support import bulk_pledges, make_pledge

FSI, PDI = "\u2068", "\u2069"

# Items in each language's own script, so no isolation is involved here.
LISTS = {
    "en": (["Rwanda", "Kenya", "Uganda"], "Rwanda, Kenya and Uganda", "Rwanda and Kenya",
           ["Director", "ITU"], "Director, ITU"),
    "fr": (["Rwanda", "Kenya", "Ouganda"], "Rwanda, Kenya et Ouganda", "Rwanda et Kenya",
           ["Directrice", "UIT"], "Directrice, UIT"),
    "es": (["Ruanda", "Kenia", "Uganda"], "Ruanda, Kenia y Uganda", "Ruanda y Kenia",
           ["Directora", "UIT"], "Directora, UIT"),
    "ru": (["Руанда", "Кения", "Уганда"], "Руанда, Кения и Уганда", "Руанда и Кения",
           ["Директор", "МСЭ"], "Директор, МСЭ"),
    "zh": (["卢旺达", "肯尼亚", "乌干达"], "卢旺达、肯尼亚和乌干达", "卢旺达和肯尼亚",
           ["主任", "国际电联"], "主任，国际电联"),
    "ar": (["رواندا", "كينيا", "أوغندا"], "رواندا وكينيا وأوغندا", "رواندا وكينيا",
           ["مدير", "الاتحاد الدولي للاتصالات"], "مدير، الاتحاد الدولي للاتصالات"),
}


@contextmanager
def _ctx(app, lang: str):
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        refresh()  # the test's app context may hold another test's language
        yield


@pytest.mark.parametrize("lang", sorted(LISTS))
def test_lists_in_each_language(app, lang):
    items, joined, two, parts, parts_joined = LISTS[lang]
    with _ctx(app, lang):
        assert format_items(items) == joined
        assert format_items(items[:2]) == two
        assert format_items(items[:1]) == items[0]
        assert format_parts(parts) == parts_joined
        # Empty parts (no position, no city) leave no stray separator.
        assert format_parts([parts[0], "", None, parts[1]]) == parts_joined
        assert format_parts(["", parts[1]]) == parts[1]
        assert format_items([]) == ""
    # An explicit language wins over the viewer's.
    assert format_items(items, lang) == joined


def test_the_separators_are_the_scripts_own():
    assert part_separator("ar") == "\u060c "  # Arabic comma
    assert part_separator("zh") == "\uff0c"  # full-width comma
    assert {part_separator(lang) for lang in ("en", "fr", "es", "ru")} == {", "}
    # Outside a request (CLI, mail worker): English.
    assert format_items(["a", "b", "c"]) == "a, b and c"


def test_an_item_written_the_other_way_is_isolated(app):
    with _ctx(app, "ar"):
        # Latin names on an Arabic page: isolated, so "،" and the order follow the page.
        assert format_parts(["Kigali Convention Centre", "Kigali", "رواندا"]) == (
            f"{FSI}Kigali Convention Centre{PDI}\u060c {FSI}Kigali{PDI}\u060c رواندا")
        assert format_parts(["Director", "ITU"], isolate=False) == "Director\u060c ITU"
    with _ctx(app, "en"):
        assert format_items(["ITU", "الاتحاد"]) == f"ITU and {FSI}الاتحاد{PDI}"
        assert FSI not in format_items(["ITU", "UNDP", "GSMA"])


def test_html_filters_escape_items_and_use_bdi(app):
    page = ("{{ ['Test Centre', 'Kigali', 'رواندا']|list_parts }}|"
            "{{ ['<b>bold</b>', link]|list_items }}")
    link = '<a href="/p/1">Mia</a>'
    with _ctx(app, "ar"):
        html = render_template_string(page, link=link)
        assert html == ("<bdi>Test Centre</bdi>\u060c <bdi>Kigali</bdi>\u060c رواندا|"
                        "<bdi>&lt;b&gt;bold&lt;/b&gt;</bdi> و<bdi>&lt;a href=&#34;/p/1&#34;&gt;Mia"
                        "&lt;/a&gt;</bdi>")
    with _ctx(app, "en"):
        html = render_template_string(page, link=Markup(link))
        # English pages: plain text where nothing is written the other way; markup kept.
        assert html == ("Test Centre, Kigali, <bdi>رواندا</bdi>|"
                        '&lt;b&gt;bold&lt;/b&gt; and <a href="/p/1">Mia</a>')


# (full 2,000,000; compact 7.8 billion; compact 250 million; 12,500 stays in full)
MONEY = {
    "en": ("USD 2,000,000", "USD 7.8 bn", "USD 250.0 m", "USD 12,500"),
    "fr": ("2\u202f000\u202f000\xa0$US", "7,8\xa0Md\xa0$US", "250\xa0M\xa0$US", "12\u202f500\xa0$US"),
    "es": ("2.000.000\xa0US$", "7800\xa0M\xa0US$", "250\xa0M\xa0US$", "12.500\xa0US$"),
    "ru": ("2\xa0000\xa0000\xa0$", "7,8\xa0млрд\xa0$", "250\xa0млн\xa0$", "12\xa0500\xa0$"),
    "zh": ("US$2,000,000", "US$78亿", "US$2.5亿", "US$12,500"),
    "ar": ("\u200f2,000,000\xa0US$", "7.8\xa0مليار\xa0US$", "250\xa0مليون\xa0US$",
           "\u200f12,500\xa0US$"),
}


@pytest.mark.parametrize("lang", sorted(MONEY))
def test_money_in_each_language(app, lang):
    full, billions, millions, small = MONEY[lang]
    with _ctx(app, lang):
        assert format_usd(Decimal(2_000_000)) == full
        assert format_usd_short(Decimal(7_800_000_000)) == billions
        assert format_usd_short(Decimal(250_000_000)) == millions
        assert format_usd_short(Decimal(12_500)) == small
        # The filters say the same (English and left-to-right pages: the bare text).
        shown = render_template_string("{{ a|usd }}|{{ b|usd_short }}",
                                       a=Decimal(2_000_000), b=Decimal(7_800_000_000))
    if lang == "ar":
        assert shown == f"<bdi>{full}</bdi>|<bdi>{billions}</bdi>"
    else:
        assert shown == f"{full}|{billions}".replace("&", "&amp;")
    # Latin digits in every language, Arabic included (Babel's "ar"; the scripts ask the
    # browser for the same), never Arabic-Indic ones.
    assert not re.search("[\u0660-\u0669\u06f0-\u06f9]", full + billions + small)


@pytest.mark.parametrize("lang, expected", [
    ("en", "1,234,567"), ("fr", "1\u202f234\u202f567"), ("es", "1.234.567"),
    ("ru", "1\xa0234\xa0567"), ("zh", "1,234,567"), ("ar", "1,234,567")])
def test_counts_in_each_language(app, lang, expected):
    with _ctx(app, lang):
        assert format_number(1234567) == expected
        assert render_template_string("{{ n|number }}", n=1234567) == expected


def test_text_templates_get_isolates_not_tags(app, make_event):
    event = make_event(venue_name="Kigali Convention Centre", city="Kigali")
    with _ctx(app, "ar"):
        text = render_template("mail/_event.txt", event=event, event_url="https://x.test/e")
    assert f"{FSI}Kigali Convention Centre{PDI}\u060c {FSI}Kigali{PDI}" in text
    assert "<bdi>" not in text


def test_speaker_lines_of_calendar_files(app):
    from eventsapp.programme.text import person_line

    role = SimpleNamespace(person=SimpleNamespace(name="Jane Doe", position="Director",
                                                  organization="ITU"))
    assert person_line(role) == "Jane Doe (Director, ITU)"
    with _ctx(app, "zh"):
        assert person_line(role) == "Jane Doe (Director，ITU)"
    role.person.position = ""
    assert person_line(role) == "Jane Doe (ITU)"


def test_badge_place_line_takes_its_scripts_separator():
    from eventsapp.badges.design import place_line

    assert place_line("Kigali Convention Centre", "Kigali") == "Kigali Convention Centre, Kigali"
    assert place_line("مركز الملك عبدالعزيز", "الرياض") == "مركز الملك عبدالعزيز\u060c الرياض"
    assert place_line("国家会议中心", "北京") == "国家会议中心\uff0c北京"
    assert place_line("Popov Room", None) == "Popov Room"
    assert place_line(None, "") == ""


# ---------------------------------------------------------------- pages

def test_event_page_in_arabic_joins_the_place_with_the_arabic_comma(client, make_event):
    ensure_compiled()
    event = make_event(venue_name="Kigali Convention Centre", city="Kigali", country="RW",
                       venue_address="KG 2 Roundabout")
    page = client.get(f"/events/{event.slug}", headers={"Accept-Language": "ar"}).text
    where = re.search(r"<dd><bdi>Kigali Convention Centre</bdi>(.*?)</dd>", page).group(1)
    assert where == "\u060c <bdi>KG 2 Roundabout</bdi>\u060c <bdi>Kigali</bdi>\u060c رواندا"
    english = client.get(f"/events/{event.slug}", headers={"Accept-Language": "en"}).text
    assert "<dd>Kigali Convention Centre, KG 2 Roundabout, Kigali, Rwanda</dd>" in english
    # The card in the list of events too.
    home = client.get("/", headers={"Accept-Language": "ar"}).text
    assert "<bdi>Kigali Convention Centre</bdi>\u060c <bdi>Kigali</bdi>\u060c رواندا" in home


def test_pledge_page_lists_in_arabic_and_french(client, make_event):
    ensure_compiled()
    # Places in the order of their codes: the page keeps the database's order.
    pledge = make_pledge(make_event(), countries=("KE", "RW", "UG"), sdgs=(9, 4),
                         groups=("youth", "women_girls"))
    url = f"/pledges/{pledge.id}"
    ar = client.get(url, headers={"Accept-Language": "ar"}).text
    fr = client.get(url, headers={"Accept-Language": "fr"}).text
    en = client.get(url, headers={"Accept-Language": "en"}).text

    def dd(page, term):
        return re.search(rf"<dt>{term}</dt><dd>(.*?)</dd>", page, re.S).group(1)

    # Places: the countries in the page's language, joined by the language's "and".
    assert _first_dd_with(ar, "رواندا").startswith("كينيا ورواندا وأوغندا")
    assert _first_dd_with(fr, "Rwanda").startswith("Kenya, Rwanda et Ouganda")
    assert _first_dd_with(en, "Rwanda").startswith("Kenya, Rwanda and Uganda")
    # SDGs in order, no "; " left.
    sdgs_en = dd(en, "SDGs")
    assert sdgs_en.index("SDG 4") < sdgs_en.index("SDG 9") and ";" not in sdgs_en
    assert " and SDG 9" in sdgs_en


def _first_dd_with(page: str, text: str) -> str:
    return next(m for m in re.findall(r"<dd>(.*?)</dd>", page, re.S) if text in m)


@pytest.mark.parametrize("lang", ["fr", "ar", "es"])
def test_live_counter_numbers_agree(client, make_event, lang):
    """The wall's page, its JSON feed (what pledges.js writes) and the event page's counter
    show the same figures, in the page's language."""
    event = make_event()
    bulk_pledges(1001, event)
    make_pledge(event, amount="2500000", title="Big pledge")
    headers = {"Accept-Language": lang}
    wall = client.get(f"/events/{event.slug}/pledges/wall", headers=headers).text
    feed = client.get(f"/events/{event.slug}/pledges/wall.json", headers=headers).get_json()
    event_page = client.get(f"/events/{event.slug}", headers=headers).text

    def stat(page, attr, name):
        return re.search(rf'{attr}="{name}">(.*?)</dd>', page).group(1)

    assert feed["pledges"] == 1002
    assert feed["pledges_display"] == {"fr": "1\u202f002", "ar": "1,002", "es": "1.002"}[lang]
    assert stat(wall, "data-wall-stat", "pledges") == escape(feed["pledges_display"])
    assert stat(wall, "data-wall-stat", "entities") == escape(feed["entities_display"])
    assert stat(wall, "data-wall-stat", "amount") == escape(feed["amount_display"])
    assert stat(event_page, "data-pledge-stat", "pledges") == escape(feed["pledges_display"])
    amount = stat(event_page, "data-pledge-stat", "amount")
    assert re.sub("</?bdi>", "", amount) == escape(feed["amount_display"])
    with client.application.test_request_context("/", headers=headers):
        assert feed["amount_display"] == format_usd(Decimal(feed["amount_usd"]))


def test_wall_feed_lists_entities_in_the_readers_language(client, make_event, make_session):
    from .support.pledges_support import entity

    event = make_event()
    session = make_session(event, starts_at=datetime.now(UTC) - timedelta(hours=1))
    make_pledge(event, session=session, entities=[entity("ITU"), entity("UNDP"), entity("GSMA")])
    url = f"/events/{event.slug}/pledges/wall.json"
    zh = client.get(url, headers={"Accept-Language": "zh"}).get_json()
    assert zh["latest"][0]["entities_display"] == "ITU、UNDP和GSMA"
    ar = client.get(url, headers={"Accept-Language": "ar"}).get_json()
    assert ar["latest"][0]["entities_display"] == f"{FSI}ITU{PDI} و{FSI}UNDP{PDI} و{FSI}GSMA{PDI}"
