"""Finding a time zone by what people call it: a city, a country or an IANA name, in
their own language.

The list is tzdata's ``zone.tab`` (a line per country and zone: the zones people live
in) plus UTC. Each zone is labelled "City (Country)" in the viewer's language: the city is
CLDR's exemplar city (Babel's locale data), the country the name the rest of the app
shows (pycountry's translations, eventsapp/countries.py); its offset from UTC is written
the locale's way by Babel ("UTC+01:00" in French, "GMT+01:00" in English).

A few capitals and UN duty stations lie in a zone named after another city (Geneva and
Bern in Europe/Zurich, Washington in America/New_York...). CLDR names no such city, so
they are listed below (``EXTRA_PLACES``), their names translated in the app's catalogs.

A search folds case, accents and Arabic letter variants, and matches the city and the
country in the viewer's language and in English, and the IANA name (with its former
names: Europe/Kiev, Asia/Calcutta). Whole-name matches come first, then names that start
with the query, then words that do, then names that merely contain it.

Pure: no request. The index is built once per language and day (offsets change with
daylight saving time) and kept.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_gmt
from babel.support import NullTranslations, Translations

from .countries import country_name, english_names

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
MAX_QUERY = 100


def N_(message: str) -> str:
    """Mark for extraction; translated when the index is built."""
    return message


# Places people look for whose zone bears another city's name: capitals and the cities
# where the UN system meets. Zone -> English names (msgids, translated in the catalogs).
EXTRA_PLACES: dict[str, tuple[str, ...]] = {
    "Europe/Zurich": (N_("Geneva"), N_("Bern")),
    "America/New_York": (N_("Washington"),),
    "America/Toronto": (N_("Ottawa"), N_("Montreal")),
    "Asia/Shanghai": (N_("Beijing"),),
    "Asia/Kolkata": (N_("New Delhi"), N_("Mumbai")),
    "Europe/Amsterdam": (N_("The Hague"),),
    "Europe/Berlin": (N_("Bonn"),),
    "Australia/Sydney": (N_("Canberra"),),
    "America/Sao_Paulo": (N_("Brasília"), N_("Rio de Janeiro")),
    "Africa/Lagos": (N_("Abuja"),),
    "Europe/Istanbul": (N_("Ankara"),),
    "Asia/Karachi": (N_("Islamabad"),),
    "Asia/Dubai": (N_("Abu Dhabi"),),
    "Africa/Johannesburg": (N_("Pretoria"), N_("Cape Town")),
    "Pacific/Auckland": (N_("Wellington"),),
    "Asia/Ho_Chi_Minh": (N_("Hanoi"),),
}

# Kinds of names, best first: a tie on how well the query matches goes to the city.
CITY, CITY_EN, COUNTRY, COUNTRY_EN, IANA = range(5)
# How well: the whole name, its start, a word's start, anywhere, every word somewhere.
WHOLE, START, WORD, INSIDE, WORDS = range(5)

_ARABIC = str.maketrans({"\u0649": "\u064a", "\u0629": "\u0647", "\u0640": None})
_PUNCT = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """A search key: no case, accents or punctuation, Arabic letter variants merged
    ("Genève" = "geneve", "New_York" = "new york", "أبوظبي" = "ابوظبي")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(_PUNCT.sub(" ", text.translate(_ARABIC)).split())


@dataclass(frozen=True)
class Zone:
    """One choice: an IANA zone under a name the viewer reads."""
    zone: str     # IANA name, the value applied
    label: str    # "Genève (Suisse)"
    offset: str   # "UTC+01:00", on the day the index was built
    keys: tuple[tuple[int, str], ...] = ()  # (kind, folded name)
    folded: str = ""  # the label as a search key, for sorting


# ---------------------------------------------------------------- tzdata and CLDR data

def _tzdata_file(name: str) -> str:
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # the system's zoneinfo instead
        return Path("/usr/share/zoneinfo", name).read_text("utf-8")


@cache
def zone_countries() -> tuple[tuple[str, str], ...]:
    """(country code, zone) for every line of zone.tab, in its order."""
    rows = []
    for line in _tzdata_file("zone.tab").splitlines():
        if line and not line.startswith("#"):
            code, _coords, zone, *_ = line.split("\t")
            rows.append((code, zone))
    return tuple(rows)


@cache
def _links() -> dict[str, str]:
    """Link name -> zone it names, from tzdata.zi ("L Europe/Kyiv Europe/Kiev")."""
    links = {}
    for line in _tzdata_file("tzdata.zi").splitlines():
        if line.startswith("L "):
            _l, target, name = line.split()[:3]
            links[name] = target
    return links


def canonical(zone: str) -> str:
    """The zone a link stands for (Africa/Kigali -> Africa/Maputo); a zone itself."""
    links, seen = _links(), set()
    while zone in links and zone not in seen:
        seen.add(zone)
        zone = links[zone]
    return zone


@cache
def same_zone_names(zone: str) -> tuple[str, ...]:
    """Every name that stands for the same zone as ``zone`` (itself, its target and the
    other links to it: Africa/Kigali, Africa/Maputo, Africa/Harare...), so the page's
    script can tell "the event's own zone" as the server's ``canonical`` does."""
    target = canonical(zone)
    return tuple(sorted({zone, target} | {name for name in _links() if canonical(name) == target}))


@cache
def _former_names() -> dict[str, tuple[str, ...]]:
    """Zone -> its other names that are no zone.tab entry of their own (Europe/Kiev,
    Europe/Uzhgorod for Europe/Kyiv; Asia/Calcutta for Asia/Kolkata), from Babel's
    aliases and tzdata's links: people still type them."""
    listed = {z for _c, z in zone_countries()}
    out: dict[str, set[str]] = {}
    for aliases in (get_global("zone_aliases"), _links()):
        for name, target in aliases.items():
            if name not in listed:
                out.setdefault(target, set()).add(name)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _last(zone: str) -> str:
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@cache
def _cldr_ids(zone: str) -> tuple[str, ...]:
    """The IDs CLDR may file the zone's city under: its own, or a former one for the same
    city (CLDR keeps Asia/Calcutta for Kolkata, Europe/Kiev for Kyiv), told from other
    former names (Europe/Uzhgorod, America/Montreal) by the English name of the city."""
    english = Locale.parse("en").time_zones
    same = fold(_last(zone))
    ids = [zone]
    for name in _former_names().get(zone, ()):
        city = fold(str((english.get(name) or {}).get("city") or _last(name)))
        if city.startswith(same) or same.startswith(city):
            ids.append(name)
    return tuple(ids)


def _city(locale: Locale, zone: str) -> str | None:
    for name in _cldr_ids(zone):
        city = (locale.time_zones.get(name) or {}).get("city")
        if city:
            return str(city)
    return None


@cache
def _catalog(lang: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [lang], "messages")


# ---------------------------------------------------------------- the index

def _offset(zone: str, at: datetime, lang: str) -> str:
    return get_timezone_gmt(at.astimezone(ZoneInfo(zone)), width="long", locale=lang)


def _country_keys(code: str, lang: str, locale: Locale) -> list[tuple[int, str]]:
    keys = [(COUNTRY, country_name(code, lang))]
    territory = locale.territories.get(code)
    if territory:
        keys.append((COUNTRY, territory))
    keys += [(COUNTRY_EN, country_name(code, "en"))] + [(COUNTRY_EN, n) for n in english_names(code)]
    return keys


def _entry(zone: str, label: str, at: datetime, lang: str, keys: Iterable) -> Zone:
    seen: dict[str, int] = {}
    for kind, text in [(CITY, label), *keys]:
        key = fold(text)
        if key and kind < seen.get(key, IANA + 1):
            seen[key] = kind
    return Zone(zone, label, _offset(zone, at, lang), tuple((k, t) for t, k in seen.items()),
                fold(label))


def _build(lang: str, at: datetime) -> tuple[Zone, ...]:
    locale, english = Locale.parse(lang), Locale.parse("en")
    tr = _catalog(lang)
    place = tr.gettext("%(city)s (%(country)s)")
    entries = []
    for code, zone in zone_countries():
        city_en = _city(english, zone) or _last(zone)
        city = _city(locale, zone) or city_en
        country = country_name(code, lang)
        keys = [(CITY, city), (CITY_EN, city_en), *_country_keys(code, lang, locale)]
        keys += [(IANA, name) for name in (zone, *_former_names().get(zone, ()))]
        entries.append(_entry(zone, place % {"city": city, "country": country}, at, lang, keys))
        for extra in EXTRA_PLACES.get(zone, ()):
            name = tr.gettext(extra)
            entries.append(_entry(zone, place % {"city": name, "country": country}, at, lang,
                                  [(CITY, name), (CITY_EN, extra)]))
    utc = (locale.time_zones.get("Etc/UTC") or {}).get("long", {}).get("standard")
    entries.append(_entry("UTC", str(utc or "UTC"), at, lang,
                          [(CITY, "UTC"), (IANA, "Etc/UTC"), (IANA, "GMT")]))
    return tuple(entries)


@lru_cache(maxsize=24)
def _index(lang: str, day: date) -> tuple[Zone, ...]:
    return _build(lang, datetime.combine(day, time(12), UTC))


def index(lang: str, day: date | None = None) -> tuple[Zone, ...]:
    """Every zone (and extra place) labelled in ``lang``, offsets as on ``day`` (today)."""
    return _index(lang, day or datetime.now(UTC).date())


# ---------------------------------------------------------------- searching

def _score(key: str, query: str) -> int | None:
    if key == query:
        return WHOLE
    if key.startswith(query):
        return START
    if f" {query}" in f" {key}":
        return WORD
    if query in key and _inside_ok(query):
        return INSIDE
    return None


def _inside_ok(query: str) -> bool:
    """Matches inside a word only for queries long enough to mean something ("utc" is in
    "dutch"), or in scripts written without spaces (纽约 in 美国纽约)."""
    return len(query) >= 4 or any(unicodedata.east_asian_width(c) in "WF" for c in query)


def _rank(entry: Zone, query: str) -> tuple[int, int] | None:
    best = None
    for kind, key in entry.keys:
        score = _score(key, query)
        if score is not None and (best is None or (score, kind) < best):
            best = (score, kind)
    if best is None and " " in query:
        # "york usa": each word starts a word of some name.
        words = " ".join(key for _k, key in entry.keys)
        if all(f" {w}" in f" {words}" for w in query.split()):
            best = (WORDS, CITY)
    return best


def _ranked(query: str, lang: str, day: date | None) -> list[tuple[tuple, Zone]]:
    q = fold(query[:MAX_QUERY])
    if not q:
        return []
    found: dict[str, tuple[tuple, Zone]] = {}
    for entry in index(lang, day):
        rank = _rank(entry, q)
        if rank is None:
            continue
        key = (*rank, entry.folded)
        if entry.zone not in found or key < found[entry.zone][0]:
            found[entry.zone] = (key, entry)
    return sorted(found.values(), key=lambda pair: pair[0])


def search(query: str, lang: str, limit: int = 20, day: date | None = None) -> list[Zone]:
    """The zones matching ``query`` in ``lang``, best first, one line per zone."""
    return [entry for _key, entry in _ranked(query, lang, day)[:limit]]


def exact(query: str, lang: str) -> str | None:
    """The one zone ``query`` names outright ("Kigali", "Suisse", a label as shown),
    else None (no zone, or several: "États-Unis")."""
    whole = {entry.zone for key, entry in _ranked(query, lang, None) if key[0] == WHOLE}
    return whole.pop() if len(whole) == 1 else None


def label(zone: str, lang: str) -> str:
    """The zone's name in ``lang`` ("Zurich (Suisse)"); an unlisted zone (Etc/GMT+5,
    US/Eastern) by the zone it links to, else by its IANA name."""
    for name in (zone, canonical(zone)):
        for entry in index(lang):
            if entry.zone == name and (CITY, fold(entry.label)) in entry.keys:
                return entry.label
    return zone


# ---------------------------------------------------------------- same clock

def _offsets_differ(a: str, b: str, instants: Iterable[datetime]) -> bool:
    try:
        za, zb = ZoneInfo(a), ZoneInfo(b)
    except (ZoneInfoNotFoundError, ValueError):
        return True
    return any(t.astimezone(za).utcoffset() != t.astimezone(zb).utcoffset() for t in instants)


def own_time_differs(viewer: str | None, event_zone: str, *instants: datetime | None) -> bool:
    """Whether the viewer's clock reads otherwise than the event's at these instants: a
    "your time" line is shown only then (none for the event's own zone, nor for a zone
    that keeps the same time: Africa/Maputo for Africa/Kigali)."""
    if not viewer or canonical(viewer) == canonical(event_zone):
        return False
    return _offsets_differ(viewer, event_zone, [t for t in instants if t is not None])


def same_clock(viewer: str | None, event_zone: str, start: datetime | None,
               end: datetime | None) -> bool:
    """Whether the two zones read the same time all through ``start``-``end`` (checked
    hour by hour, for at most 62 days; without a span, whether they are one zone)."""
    if not viewer or canonical(viewer) == canonical(event_zone):
        return True
    if start is None or end is None:
        return False
    hours = min(int((end - start).total_seconds() // 3600), 62 * 24)
    instants = [start + timedelta(hours=h) for h in range(max(hours, 0) + 1)] + [end]
    return not _offsets_differ(viewer, event_zone, instants)
