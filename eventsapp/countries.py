"""Countries as ISO 3166-1 alpha-2 codes: codes in the database and the API, names out.

Codes and names come from pycountry (the ISO 3166 data, maintained by Debian's
iso-codes), never from a list of our own. Input accepts a code (alpha-2 or alpha-3,
any case), an English name, a common or official name ("Rwanda", "Rwandese Republic",
"côte d'ivoire"); everything is stored as the alpha-2 code ("RW"). Names are given in
English today; pycountry ships the translations the languages issue will use
(``country_name(code, language)``).
"""
from __future__ import annotations

import gettext
from functools import cache

import pycountry

# Names people commonly type that ISO spells otherwise.
_ALIASES = {
    "uk": "GB", "united kingdom": "GB", "great britain": "GB", "britain": "GB",
    "usa": "US", "united states": "US", "united states of america": "US",
    "russia": "RU", "south korea": "KR", "korea": "KR", "north korea": "KP",
    "iran": "IR", "syria": "SY", "laos": "LA", "vietnam": "VN", "viet nam": "VN",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD",
    "czech republic": "CZ", "ivory coast": "CI", "cote d'ivoire": "CI",
    "cape verde": "CV", "swaziland": "SZ", "burma": "MM", "turkey": "TR", "türkiye": "TR",
    "drc": "CD", "dr congo": "CD", "democratic republic of the congo": "CD",
    "republic of the congo": "CG", "congo": "CG", "palestine": "PS",
    "state of palestine": "PS", "micronesia": "FM", "brunei": "BN", "taiwan": "TW",
    "vatican": "VA", "holy see": "VA", "macedonia": "MK", "north macedonia": "MK",
}


class UnknownCountry(ValueError):
    """Not a country ISO 3166-1 knows."""


@cache
def _by_key() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                out[value.casefold()] = c.alpha_2
    out.update({k.casefold(): v for k, v in _ALIASES.items()})
    return out


def to_code(value: str | None) -> str:
    """The alpha-2 code of ``value`` ("" for empty), or UnknownCountry."""
    text = " ".join((value or "").split())
    if not text:
        return ""
    code = _by_key().get(text.casefold())
    if code is None:
        raise UnknownCountry(f"Unknown country “{text[:60]}”: use a country name or its "
                             "ISO 3166 code, e.g. RW for Rwanda.")
    return code


def is_code(value: str | None) -> bool:
    return bool(value) and pycountry.countries.get(alpha_2=str(value).upper()) is not None


@cache
def _translation(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language],
                               fallback=True)


def country_name(code: str | None, language: str = "en") -> str:
    """The country's name in ``language`` ("" for no country; an unknown value is shown
    as stored, so a row written before codes existed still reads)."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=str(code).upper())
    if country is None:
        return str(code)
    name = getattr(country, "common_name", None) or country.name
    if language == "en":
        return name
    return _translation(language).gettext(country.name)


def choices(language: str = "en") -> list[tuple[str, str]]:
    """(code, name) for every country, sorted by name, for select boxes."""
    pairs = [(c.alpha_2, country_name(c.alpha_2, language)) for c in pycountry.countries]
    return sorted(pairs, key=lambda p: p[1].casefold())
