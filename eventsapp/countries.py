"""Countries as ISO 3166-1 alpha-2 codes: codes in the database and the API, names out.

Codes and names come from pycountry (the ISO 3166 data, maintained by Debian's
iso-codes), never from a list of our own. Input accepts a code (alpha-2 or alpha-3,
any case), an English name, a common or official name ("Rwanda", "Rwandese Republic",
"côte d'ivoire"); everything is stored as the alpha-2 code ("RW"). Names are given in
English by default; ``country_name(code, language)`` gives the name in one of the six
languages from pycountry's translations, and the ``country_name`` template filter
(``local_country_name``) gives it in the request's language.

Regions are defined sets of codes: ``region_of(code)`` gives a country's ITU-D region
(the lists below are written by name, as ITU publishes them, and turned into codes once;
a test checks that every name resolves and that every ISO country either has a region or
is knowingly outside one). ``is_ldc(code)``: the UN's least developed countries.
"""
from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

import pycountry
from flask_babel import gettext as _

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
    "lao pdr": "LA", "republic of korea": "KR", "uae": "AE", "east timor": "TL",
    "sao tome": "ST", "syria arab republic": "SY",
}

# English names where ISO's reads oddly in a sentence or a list.
_NAMES_EN = {"CD": "Democratic Republic of the Congo"}


class UnknownCountry(ValueError):
    """Not a country ISO 3166-1 knows."""


def _fold(text: str) -> str:
    """A lookup key: accents, case, curly apostrophes and a leading "the" do not count
    ("Türkiye" = "turkiye", "The Gambia" = "Gambia")."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    text = " ".join("".join(c for c in text if not unicodedata.combining(c)).casefold().split())
    return text[4:] if text.startswith("the ") else text


@cache
def _by_key() -> dict[str, str]:
    out: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                out[_fold(value)] = c.alpha_2
    out.update({_fold(k): v for k, v in _ALIASES.items()})
    out.update({_fold(v): k for k, v in _NAMES_EN.items()})
    return out


def _lookup(text: str) -> str | None:
    code = _by_key().get(_fold(text))
    if code is None and len(text) <= 100:  # (no country name is longer; bounds the regex)
        # The UN writes "Korea (Republic of)" where ISO writes "Korea, Republic of".
        m = re.fullmatch(r"([^()]+?)\s*\(([^()]+)\)", text)
        if m:
            code = _by_key().get(_fold(f"{m[1]}, {m[2]}"))
    return code


def english_names(code: str) -> list[str]:
    """Every English name the app knows a country by: ISO's names, common spellings
    ("USA", "UK"), for searches that take what people type."""
    code = code.upper()
    return [key for key, value in _by_key().items() if value == code]


def to_code(value: str | None) -> str:
    """The alpha-2 code of ``value`` ("" for empty), or UnknownCountry."""
    text = " ".join((value or "").split())
    if not text:
        return ""
    code = _lookup(text)
    if code is None:
        raise UnknownCountry(_("Unknown country “%(name)s”: use a country name or its "
                               "ISO 3166 code, e.g. RW for Rwanda.", name=text[:60]))
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
    name = _NAMES_EN.get(country.alpha_2) or getattr(country, "common_name", None) \
        or country.name
    if language == "en":
        return name
    translation = _translation(language)
    common = getattr(country, "common_name", None)
    if common:  # "Bolivia" reads better than "Bolivia, Plurinational State of"
        translated = translation.gettext(common)
        if translated != common:
            return translated
    return translation.gettext(country.name)


def local_country_name(code: str | None) -> str:
    """``country_name`` in the request's language (English outside a request): the
    templates' ``country_name`` filter."""
    from .i18n import current_language

    return country_name(code, current_language())


def choices(language: str = "en") -> list[tuple[str, str]]:
    """(code, name) for every country, sorted by name, for select boxes."""
    pairs = [(c.alpha_2, country_name(c.alpha_2, language)) for c in pycountry.countries]
    return sorted(pairs, key=lambda p: p[1].casefold())


# ---------------------------------------------------------------- regions as defined sets

# ITU-D regions: ITU's Member States (and Palestine) by the region of the Development
# Sector. Written by name, as ITU lists them, so a reader can check the list; turned into
# codes once (``_region_by_code``). A name that stops resolving fails tests/test_countries.py.
_ITU_D_REGIONS: dict[str, tuple[str, ...]] = {
    "africa": (
        "Angola", "Benin", "Botswana", "Burkina Faso", "Burundi", "Cabo Verde", "Cameroon",
        "Central African Republic", "Chad", "Congo", "Côte d'Ivoire",
        "Democratic Republic of the Congo", "Equatorial Guinea", "Eritrea", "Eswatini",
        "Ethiopia", "Gabon", "Gambia", "Ghana", "Guinea", "Guinea-Bissau", "Kenya",
        "Lesotho", "Liberia", "Madagascar", "Malawi", "Mali", "Mauritius", "Mozambique",
        "Namibia", "Niger", "Nigeria", "Rwanda", "Sao Tome and Principe", "Senegal",
        "Seychelles", "Sierra Leone", "South Africa", "South Sudan", "Tanzania", "Togo",
        "Uganda", "Zambia", "Zimbabwe",
    ),
    "arab_states": (
        "Algeria", "Bahrain", "Comoros", "Djibouti", "Egypt", "Iraq", "Jordan", "Kuwait",
        "Lebanon", "Libya", "Mauritania", "Morocco", "Oman", "Palestine", "Qatar",
        "Saudi Arabia", "Somalia", "Sudan", "Syria", "Tunisia", "United Arab Emirates",
        "Yemen",
    ),
    "americas": (
        "Antigua and Barbuda", "Argentina", "Bahamas", "Barbados", "Belize", "Bolivia",
        "Brazil", "Canada", "Chile", "Colombia", "Costa Rica", "Cuba", "Dominica",
        "Dominican Republic", "Ecuador", "El Salvador", "Grenada", "Guatemala", "Guyana",
        "Haiti", "Honduras", "Jamaica", "Mexico", "Nicaragua", "Panama", "Paraguay", "Peru",
        "Saint Kitts and Nevis", "Saint Lucia", "Saint Vincent and the Grenadines",
        "Suriname", "Trinidad and Tobago", "United States", "Uruguay", "Venezuela",
    ),
    "asia_pacific": (
        "Afghanistan", "Australia", "Bangladesh", "Bhutan", "Brunei Darussalam", "Cambodia",
        "China", "Fiji", "India", "Indonesia", "Iran", "Japan", "Kiribati",
        "Korea (Republic of)", "Korea (Democratic People's Republic of)", "Lao PDR",
        "Malaysia", "Maldives", "Marshall Islands", "Micronesia", "Mongolia", "Myanmar",
        "Nauru", "Nepal", "New Zealand", "Pakistan", "Palau", "Papua New Guinea",
        "Philippines", "Samoa", "Singapore", "Solomon Islands", "Sri Lanka", "Thailand",
        "Timor-Leste", "Tonga", "Tuvalu", "Vanuatu", "Viet Nam",
    ),
    "cis": (
        "Armenia", "Azerbaijan", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russian Federation",
        "Tajikistan", "Turkmenistan", "Uzbekistan",
    ),
    "europe": (
        "Albania", "Andorra", "Austria", "Belgium", "Bosnia and Herzegovina", "Bulgaria",
        "Croatia", "Cyprus", "Czech Republic", "Denmark", "Estonia", "Finland", "France",
        "Georgia", "Germany", "Greece", "Hungary", "Iceland", "Ireland", "Israel", "Italy",
        "Latvia", "Liechtenstein", "Lithuania", "Luxembourg", "Malta", "Moldova", "Monaco",
        "Montenegro", "Netherlands", "North Macedonia", "Norway", "Poland", "Portugal",
        "Romania", "San Marino", "Serbia", "Slovakia", "Slovenia", "Spain", "Sweden",
        "Switzerland", "Türkiye", "Ukraine", "United Kingdom", "Vatican",
    ),
}

# ISO 3166-1 entries in no ITU-D region: territories and areas that are not ITU Member
# States (Taiwan, Hong Kong, Macao, overseas and uninhabited territories). Listed, so that
# a country ISO adds (or a name dropped from the lists above) is noticed by the tests.
OUTSIDE_ITU_D_REGIONS: frozenset[str] = frozenset("""
    AI AQ AS AW AX BL BM BQ BV CC CK CW CX EH FK FO GF GG GI GL GP GS GU HK HM IM IO JE
    KY MF MO MP MQ MS NC NF NU PF PM PN PR RE SH SJ SX TC TF TK TW UM VG VI WF YT
""".split())

# Least developed countries (UN list, December 2024).
_LDC_NAMES: tuple[str, ...] = (
    "Afghanistan", "Angola", "Bangladesh", "Benin", "Burkina Faso", "Burundi", "Cambodia",
    "Central African Republic", "Chad", "Comoros", "Democratic Republic of the Congo",
    "Djibouti", "Eritrea", "Ethiopia", "Gambia", "Guinea", "Guinea-Bissau", "Haiti",
    "Kiribati", "Lao PDR", "Lesotho", "Liberia", "Madagascar", "Malawi", "Mali", "Mauritania",
    "Mozambique", "Myanmar", "Nepal", "Niger", "Rwanda", "Senegal", "Sierra Leone",
    "Solomon Islands", "Somalia", "South Sudan", "Sudan", "Tanzania", "Timor-Leste", "Togo",
    "Tuvalu", "Uganda", "Yemen", "Zambia",
)


@cache
def _region_by_code() -> dict[str, str]:
    return {to_code(name): region for region, names in _ITU_D_REGIONS.items()
            for name in names}


def region_of(code: str | None) -> str:
    """The ITU-D region key of a country ("africa", ...), "" when it has none."""
    return _region_by_code().get(str(code or "").upper(), "")


def countries_in(region: str) -> list[str]:
    """The codes of the countries of an ITU-D region, sorted by English name."""
    codes = [c for c, r in _region_by_code().items() if r == region]
    return sorted(codes, key=lambda c: country_name(c).casefold())


@cache
def _ldcs() -> frozenset[str]:
    return frozenset(to_code(name) for name in _LDC_NAMES)


def is_ldc(code: str | None) -> bool:
    """Whether the country is one of the UN's least developed countries."""
    return str(code or "").upper() in _ldcs()


def region_map() -> dict[str, str]:
    """{code: ITU-D region key} for every country in a region."""
    return dict(_region_by_code())


def ldc_codes() -> frozenset[str]:
    """The least developed countries' codes."""
    return _ldcs()
