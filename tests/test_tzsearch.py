"""Finding a time zone by city, country or IANA name in the viewer's language
(eventsapp/tzsearch.py): what a person types in each of the six languages finds the zone,
labelled in that language; accents and case do not count; better matches come first; and
a zone whose clock reads as the event's adds no second time."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eventsapp import tzsearch
from eventsapp.tzsearch import exact, fold, index, label, search

from .support.i18n import ensure_compiled


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    # The places CLDR does not name (Geneva...) are translated in the app's catalogs.
    ensure_compiled()
    tzsearch._catalog.cache_clear()
    tzsearch._index.cache_clear()


GENEVA, KIGALI, NEW_YORK = "Europe/Zurich", "Africa/Kigali", "America/New_York"

# What a person types, in their language, and the label they should read.
TYPED = [
    ("fr", "Genève", GENEVA, "Genève (Suisse)"),
    ("fr", "Kigali", KIGALI, "Kigali (Rwanda)"),
    ("fr", "New York", NEW_YORK, "New York (États-Unis)"),
    ("ar", "جنيف", GENEVA, "جنيف (سويسرا)"),
    ("ar", "كيغالي", KIGALI, "كيغالي (رواندا)"),
    ("ar", "نيويورك", NEW_YORK, "نيويورك (الولايات المتّحدة)"),
    ("zh", "日内瓦", GENEVA, "日内瓦（瑞士）"),
    ("zh", "基加利", KIGALI, "基加利（卢旺达）"),
    ("zh", "纽约", NEW_YORK, "纽约（美国）"),
    ("ru", "Женева", GENEVA, "Женева (Швейцария)"),
    ("ru", "Кигали", KIGALI, "Кигали (Руанда)"),
    ("ru", "Нью-Йорк", NEW_YORK, "Нью-Йорк (Соединённые штаты)"),
    ("es", "Ginebra", GENEVA, "Ginebra (Suiza)"),
    ("es", "Nueva York", NEW_YORK, "Nueva York (Estados Unidos)"),
    ("en", "Geneva", GENEVA, "Geneva (Switzerland)"),
    ("en", "Kigali", KIGALI, "Kigali (Rwanda)"),
]


@pytest.mark.parametrize(("lang", "typed", "zone", "shown"), TYPED)
def test_a_city_in_the_viewers_language_finds_its_zone(lang, typed, zone, shown):
    first = search(typed, lang)[0]
    assert (first.zone, first.label) == (zone, shown)
    assert exact(typed, lang) == zone  # named outright: applied without a choice


@pytest.mark.parametrize(("lang", "typed", "zone"), [
    ("fr", "Suisse", GENEVA), ("fr", "Switzerland", GENEVA), ("fr", "Rwanda", KIGALI),
    ("ar", "سويسرا", GENEVA), ("ar", "Rwanda", KIGALI), ("zh", "瑞士", GENEVA),
    ("zh", "卢旺达", KIGALI), ("ru", "Швейцария", GENEVA), ("ru", "Руанда", KIGALI),
    ("es", "Suiza", GENEVA), ("en", "Rwandese Republic", KIGALI),
])
def test_a_country_in_the_viewers_language_or_in_english(lang, typed, zone):
    assert search(typed, lang)[0].zone == zone
    assert exact(typed, lang) == zone  # a country with one zone is that zone


@pytest.mark.parametrize(("lang", "typed"), [
    ("fr", "États-Unis"), ("ar", "الولايات المتحدة"), ("zh", "美国"),
    ("en", "United States"), ("en", "USA"), ("ru", "Соединенные Штаты"),
])
def test_a_country_with_several_zones_offers_them_all(lang, typed):
    found = [z.zone for z in search(typed, lang, limit=100)]
    assert NEW_YORK in found and "America/Los_Angeles" in found and "America/Chicago" in found
    assert exact(typed, lang) is None  # several zones: the viewer chooses


@pytest.mark.parametrize(("typed", "zone"), [
    ("America/New_York", NEW_YORK), ("america/new_york", NEW_YORK), ("new_york", NEW_YORK),
    ("Europe/Kiev", "Europe/Kyiv"), ("Kiev", "Europe/Kyiv"), ("Asia/Calcutta", "Asia/Kolkata"),
    ("UTC", "UTC"),
])
def test_iana_names_and_their_former_names(typed, zone):
    assert search(typed, "fr")[0].zone == zone


def test_kyiv_and_kolkata_get_cldr_city_names_filed_under_former_ids():
    # CLDR files these cities under Europe/Kiev and Asia/Calcutta.
    assert label("Europe/Kyiv", "zh") == "基辅（乌克兰）"
    assert label("Asia/Kolkata", "ar") == "كالكتا (الهند)"
    # ... but Toronto is not named after a former zone of its own (America/Montreal).
    assert label("America/Toronto", "fr") == "Toronto (Canada)"


@pytest.mark.parametrize(("lang", "typed", "zone"), [
    ("fr", "GENEVE", GENEVA), ("fr", "geneve", GENEVA), ("en", "GENÈVE", None),
    ("ru", "ЖЕНЕВА", GENEVA), ("fr", "etats unis", NEW_YORK), ("es", "brasilia", "America/Sao_Paulo"),
    ("ar", "ابوظبي", "Asia/Dubai"), ("ar", "أبوظبي", "Asia/Dubai"), ("fr", "  hanoi ", "Asia/Ho_Chi_Minh"),
])
def test_accents_case_and_letter_variants_do_not_count(lang, typed, zone):
    found = [z.zone for z in search(typed, lang, limit=100)]
    if zone is None:  # English reads no French name
        assert GENEVA not in found
    else:
        assert zone in found


def test_fold():
    assert fold("  Genève\u2019s  Zürich_Nord ") == "geneve s zurich nord"
    assert fold("Нью-Йорк") == fold("нью йорк")
    assert fold("أبوظبي") == fold("ابوظبي")
    assert fold("日内瓦（瑞士）") == "日内瓦 瑞士"


@pytest.mark.parametrize(("lang", "typed"), [("fr", "par"), ("en", "new"), ("zh", "新"),
                                             ("fr", "saint")])
def test_names_that_start_with_the_query_come_first(lang, typed):
    found = search(typed, lang, limit=60)
    starts = [fold(z.label).startswith(fold(typed)) for z in found]
    assert any(starts) and not all(starts), [z.label for z in found]
    # Every label that starts with the query is listed before every one that does not.
    assert starts == sorted(starts, reverse=True), [z.label for z in found]


def test_the_whole_name_comes_before_longer_ones():
    assert search("Paris", "fr")[0].zone == "Europe/Paris"
    assert search("London", "en")[0].zone == "Europe/London"
    # One line per zone even where several names match (Zurich, Geneva, Bern).
    zones = [z.zone for z in search("Suisse", "fr")]
    assert zones.count(GENEVA) == 1


@pytest.mark.parametrize("typed", ["Atlantis", "zzzz", "Гондор", "", "   ", "!!!"])
def test_an_unknown_query_finds_nothing(typed):
    assert search(typed, "fr") == []
    assert exact(typed, "fr") is None


def test_a_long_query_is_cut_not_refused():
    assert search("Genève" * 1000, "fr") == []


@pytest.mark.parametrize("lang", ["ar", "en", "es", "fr", "ru", "zh"])
def test_every_zone_is_labelled_with_an_offset(lang):
    entries = index(lang)
    zones = {e.zone for e in entries}
    assert {z for _c, z in tzsearch.zone_countries()} | {"UTC"} == zones
    for e in entries:
        assert e.label and e.offset and e.keys, e
    # The offset is written the locale's way.
    zurich = next(e for e in entries if e.zone == GENEVA)
    assert zurich.offset.endswith(("+01:00", "+02:00"))


def test_offsets_follow_daylight_saving_time():
    summer = next(e for e in index("fr", date(2030, 6, 7)) if e.zone == GENEVA)
    winter = next(e for e in index("fr", date(2030, 1, 7)) if e.zone == GENEVA)
    assert (summer.offset, winter.offset) == ("UTC+02:00", "UTC+01:00")


def test_label_of_zones_outside_the_list():
    assert label("US/Eastern", "fr") == "New York (États-Unis)"  # a link: by its target
    assert label("Etc/GMT+5", "fr") == "Etc/GMT+5"                # no city: its IANA name


JUNE = datetime(2030, 6, 7, 12, tzinfo=UTC)
JANUARY = datetime(2030, 1, 7, 12, tzinfo=UTC)


def test_the_events_own_zone_adds_no_second_time():
    assert tzsearch.own_time_differs(None, KIGALI, JUNE) is False
    assert tzsearch.own_time_differs(KIGALI, KIGALI, JUNE) is False
    # Africa/Kigali is a link to Africa/Maputo in tzdata: the same zone.
    assert tzsearch.canonical(KIGALI) == "Africa/Maputo"
    assert tzsearch.own_time_differs("Africa/Maputo", KIGALI, JUNE) is False
    # Another zone that reads the same time then: nothing to add either.
    assert tzsearch.own_time_differs("Europe/Paris", GENEVA, JUNE, JANUARY) is False
    assert tzsearch.own_time_differs(NEW_YORK, KIGALI, JUNE) is True
    # Europe/London reads as Africa/Abidjan (UTC) in January, not in June.
    assert tzsearch.own_time_differs("Europe/London", "Africa/Abidjan", JANUARY) is False
    assert tzsearch.own_time_differs("Europe/London", "Africa/Abidjan", JUNE) is True


def test_same_clock_over_an_events_span():
    march = datetime(2030, 3, 20, tzinfo=UTC)
    april = datetime(2030, 4, 5, tzinfo=UTC)
    assert tzsearch.same_clock("Europe/Paris", GENEVA, march, april)
    assert tzsearch.same_clock(GENEVA, GENEVA, None, None)
    # London moves to summer time on 31 March: from then on it reads otherwise than UTC.
    assert not tzsearch.same_clock("Europe/London", "Africa/Abidjan", march, april)
    assert tzsearch.same_clock("Europe/London", "Africa/Abidjan", march,
                               datetime(2030, 3, 30, tzinfo=UTC))
    assert not tzsearch.same_clock("Europe/Paris", GENEVA, None, None)  # no span: not one zone


def test_the_names_of_one_zone_include_its_links_both_ways():
    names = tzsearch.same_zone_names("Africa/Kigali")
    assert {"Africa/Kigali", "Africa/Maputo", "Africa/Harare"} <= set(names)
    assert "Europe/Zurich" not in names
    assert tzsearch.same_zone_names("Africa/Harare") == names
