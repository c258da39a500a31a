"""The vocabularies of a pledge, defined once and used to validate every input
(forms, API, CSV import) and to label every breakdown.

A value is given by its key ("private_sector") or its label ("Private sector"),
in any case; it is stored by key.
"""
from __future__ import annotations

from ..models import FocusArea, PledgeType, ProgressStatus, Sector

SECTORS: dict[str, str] = dict(Sector.choices())
TYPES: dict[str, str] = dict(PledgeType.choices())
FOCUS_AREAS: dict[str, str] = dict(FocusArea.choices())
PROGRESS_STATUSES: dict[str, str] = dict(ProgressStatus.choices())

# Pillars of each focus area of the Partner2Connect action framework.
PILLARS: dict[str, dict[str, str]] = {
    "access": {
        "infrastructure": "Infrastructure",
        "affordability": "Affordability",
        "cybersecurity": "Cybersecurity",
        "policy_regulation": "Enabling policy and regulation",
    },
    "adoption": {
        "skills": "Digital skills",
        "digital_inclusion": "Digital inclusion",
        "local_content": "Local content and services",
    },
    "value_creation": {
        "ecosystems": "Digital ecosystems",
        "entrepreneurship": "Entrepreneurship and innovation",
        "digital_public_goods": "Digital public goods",
    },
    "accelerate": {
        "digital_transformation": "Digital transformation",
        "partnerships_finance": "Partnerships and finance",
        "investment": "Investment",
    },
}
ALL_PILLARS: dict[str, str] = {k: v for group in PILLARS.values() for k, v in group.items()}

BENEFICIARY_GROUPS: dict[str, str] = {
    "women_girls": "Women and girls",
    "youth": "Youth",
    "children": "Children",
    "older_persons": "Older persons",
    "persons_with_disabilities": "Persons with disabilities",
    "refugees_displaced": "Refugees and displaced people",
    "rural_communities": "Rural communities",
    "indigenous_peoples": "Indigenous peoples",
    "smes": "Small and medium enterprises",
    "general_public": "General public",
}

SDGS: dict[int, str] = {
    1: "No poverty", 2: "Zero hunger", 3: "Good health and well-being",
    4: "Quality education", 5: "Gender equality", 6: "Clean water and sanitation",
    7: "Affordable and clean energy", 8: "Decent work and economic growth",
    9: "Industry, innovation and infrastructure", 10: "Reduced inequalities",
    11: "Sustainable cities and communities", 12: "Responsible consumption and production",
    13: "Climate action", 14: "Life below water", 15: "Life on land",
    16: "Peace, justice and strong institutions", 17: "Partnerships for the goals",
}

# ITU-D regions, plus "global" for pledges without a geographic focus.
REGIONS: dict[str, str] = {
    "africa": "Africa",
    "americas": "Americas",
    "arab_states": "Arab States",
    "asia_pacific": "Asia-Pacific",
    "cis": "CIS",
    "europe": "Europe",
    "global": "Global",
}

_COUNTRIES_BY_REGION: dict[str, list[str]] = {
    "africa": [
        "Angola", "Benin", "Botswana", "Burkina Faso", "Burundi", "Cabo Verde", "Cameroon",
        "Central African Republic", "Chad", "Congo", "Côte d'Ivoire",
        "Democratic Republic of the Congo", "Equatorial Guinea", "Eritrea", "Eswatini",
        "Ethiopia", "Gabon", "Gambia", "Ghana", "Guinea", "Guinea-Bissau", "Kenya",
        "Lesotho", "Liberia", "Madagascar", "Malawi", "Mali", "Mauritius", "Mozambique",
        "Namibia", "Niger", "Nigeria", "Rwanda", "Sao Tome and Principe", "Senegal",
        "Seychelles", "Sierra Leone", "South Africa", "South Sudan", "Tanzania", "Togo",
        "Uganda", "Zambia", "Zimbabwe",
    ],
    "arab_states": [
        "Algeria", "Bahrain", "Comoros", "Djibouti", "Egypt", "Iraq", "Jordan", "Kuwait",
        "Lebanon", "Libya", "Mauritania", "Morocco", "Oman", "Palestine", "Qatar",
        "Saudi Arabia", "Somalia", "Sudan", "Syria", "Tunisia", "United Arab Emirates",
        "Yemen",
    ],
    "americas": [
        "Antigua and Barbuda", "Argentina", "Bahamas", "Barbados", "Belize", "Bolivia",
        "Brazil", "Canada", "Chile", "Colombia", "Costa Rica", "Cuba", "Dominica",
        "Dominican Republic", "Ecuador", "El Salvador", "Grenada", "Guatemala", "Guyana",
        "Haiti", "Honduras", "Jamaica", "Mexico", "Nicaragua", "Panama", "Paraguay", "Peru",
        "Saint Kitts and Nevis", "Saint Lucia", "Saint Vincent and the Grenadines",
        "Suriname", "Trinidad and Tobago", "United States", "Uruguay", "Venezuela",
    ],
    "asia_pacific": [
        "Afghanistan", "Australia", "Bangladesh", "Bhutan", "Brunei Darussalam", "Cambodia",
        "China", "Fiji", "India", "Indonesia", "Iran", "Japan", "Kiribati",
        "Korea (Republic of)", "Korea (Democratic People's Republic of)", "Lao PDR",
        "Malaysia", "Maldives", "Marshall Islands", "Micronesia", "Mongolia", "Myanmar",
        "Nauru", "Nepal", "New Zealand", "Pakistan", "Palau", "Papua New Guinea",
        "Philippines", "Samoa", "Singapore", "Solomon Islands", "Sri Lanka", "Thailand",
        "Timor-Leste", "Tonga", "Tuvalu", "Vanuatu", "Viet Nam",
    ],
    "cis": [
        "Armenia", "Azerbaijan", "Belarus", "Kazakhstan", "Kyrgyzstan", "Russian Federation",
        "Tajikistan", "Turkmenistan", "Uzbekistan",
    ],
    "europe": [
        "Albania", "Andorra", "Austria", "Belgium", "Bosnia and Herzegovina", "Bulgaria",
        "Croatia", "Cyprus", "Czech Republic", "Denmark", "Estonia", "Finland", "France",
        "Georgia", "Germany", "Greece", "Hungary", "Iceland", "Ireland", "Israel", "Italy",
        "Latvia", "Liechtenstein", "Lithuania", "Luxembourg", "Malta", "Moldova", "Monaco",
        "Montenegro", "Netherlands", "North Macedonia", "Norway", "Poland", "Portugal",
        "Romania", "San Marino", "Serbia", "Slovakia", "Slovenia", "Spain", "Sweden",
        "Switzerland", "Türkiye", "Ukraine", "United Kingdom", "Vatican",
    ],
}
COUNTRY_REGION: dict[str, str] = {
    country: region for region, names in _COUNTRIES_BY_REGION.items() for country in names
}
COUNTRIES: list[str] = sorted(COUNTRY_REGION)

_COUNTRY_ALIASES = {
    "usa": "United States", "us": "United States", "united states of america": "United States",
    "uk": "United Kingdom", "great britain": "United Kingdom",
    "ivory coast": "Côte d'Ivoire", "cote d'ivoire": "Côte d'Ivoire",
    "drc": "Democratic Republic of the Congo", "dr congo": "Democratic Republic of the Congo",
    "republic of the congo": "Congo", "cape verde": "Cabo Verde", "swaziland": "Eswatini",
    "united republic of tanzania": "Tanzania", "turkey": "Türkiye", "turkiye": "Türkiye",
    "vietnam": "Viet Nam", "russia": "Russian Federation", "laos": "Lao PDR",
    "south korea": "Korea (Republic of)", "republic of korea": "Korea (Republic of)",
    "north korea": "Korea (Democratic People's Republic of)", "czechia": "Czech Republic",
    "macedonia": "North Macedonia", "brunei": "Brunei Darussalam", "syria arab republic": "Syria",
    "syrian arab republic": "Syria", "sao tome": "Sao Tome and Principe",
    "são tomé and príncipe": "Sao Tome and Principe", "east timor": "Timor-Leste",
    "moldova (republic of)": "Moldova", "holy see": "Vatican", "uae": "United Arab Emirates",
    "the gambia": "Gambia", "the bahamas": "Bahamas", "iran (islamic republic of)": "Iran",
    "bolivia (plurinational state of)": "Bolivia", "micronesia (federated states of)": "Micronesia",
}
_COUNTRY_LOOKUP = {c.lower(): c for c in COUNTRIES} | _COUNTRY_ALIASES

# Least developed countries (UN list, December 2024).
LDCS: frozenset[str] = frozenset({
    "Afghanistan", "Angola", "Bangladesh", "Benin", "Burkina Faso", "Burundi", "Cambodia",
    "Central African Republic", "Chad", "Comoros", "Democratic Republic of the Congo",
    "Djibouti", "Eritrea", "Ethiopia", "Gambia", "Guinea", "Guinea-Bissau", "Haiti",
    "Kiribati", "Lao PDR", "Lesotho", "Liberia", "Madagascar", "Malawi", "Mali", "Mauritania",
    "Mozambique", "Myanmar", "Nepal", "Niger", "Rwanda", "Senegal", "Sierra Leone",
    "Solomon Islands", "Somalia", "South Sudan", "Sudan", "Tanzania", "Timor-Leste", "Togo",
    "Tuvalu", "Uganda", "Yemen", "Zambia",
})


def normalize(value, vocabulary: dict[str, str]) -> str | None:
    """The key of ``value`` (given as key or label, any case) in ``vocabulary``, or None."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if not text:
        return None
    for key, label in vocabulary.items():
        if text == key or text == label.lower() or text == key.replace("_", " "):
            return key
    return None


def country(value: str) -> str | None:
    """The canonical name of a country, or None when unknown."""
    return _COUNTRY_LOOKUP.get(str(value).strip().lower())


def label(vocabulary: dict, key) -> str:
    """The label of a key, or the key itself when unknown (old data stays readable)."""
    return vocabulary.get(key, str(key) if key is not None else "")


def pillar_label(key: str) -> str:
    return ALL_PILLARS.get(key, key or "")


def sdg_label(n: int) -> str:
    return f"SDG {n}: {SDGS.get(n, '')}".rstrip(": ")
