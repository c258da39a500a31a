"""The vocabularies of a pledge, defined once and used to validate every input
(forms, API, CSV import) and to label every breakdown.

A value is given by its key ("private_sector") or its label ("Private sector"),
in any case; it is stored by key.
"""
from __future__ import annotations

from .. import countries
from ..models import FocusArea, PledgeType, ProgressStatus, Sector
from ..models.types import LabelledEnum

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
# How recently a published pledge was reported on (eventsapp.pledges.reporting decides).
ACTIVITY: dict[str, str] = {"active": "Active", "overdue": "Overdue (no report for over a year)",
            "inactive": "Inactive (no report for over two years)"}


def _enum(name: str, vocabulary: dict[str, str]) -> type[LabelledEnum]:
    """A LabelledEnum of a vocabulary, so that schemas check it with ``inputs.Choice``."""
    # mypy reads the functional Enum API as a call of LabelledEnum.__new__(value, label).
    members = [(k.upper(), (k, v)) for k, v in vocabulary.items()]
    return LabelledEnum(name, members)  # type: ignore[arg-type, return-value]


Region = _enum("Region", REGIONS)
BeneficiaryGroup = _enum("BeneficiaryGroup", BENEFICIARY_GROUPS)
Pillar = _enum("Pillar", ALL_PILLARS)
Activity = _enum("Activity", ACTIVITY)

# Countries by ITU-D region and the least developed countries, by ISO 3166-1 alpha-2
# code: one list, in eventsapp.countries (the pledge vocabulary reads it from there).
COUNTRY_REGION: dict[str, str] = countries.region_map()
LDCS: frozenset[str] = countries.ldc_codes()


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


def label(vocabulary: dict, key) -> str:
    """The label of a key, or the key itself when unknown (old data stays readable)."""
    return vocabulary.get(key, str(key) if key is not None else "")


def pillar_label(key: str) -> str:
    return ALL_PILLARS.get(key, key or "")


def sdg_label(n: int) -> str:
    return f"SDG {n}: {SDGS.get(n, '')}".rstrip(": ")
