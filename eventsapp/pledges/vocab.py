"""The vocabularies of a pledge, defined once and used to validate every input
(forms, API, CSV import) and to label every breakdown.

A value is given by its key ("private_sector") or its label ("Private sector"),
in any case; it is stored by key.
"""
from __future__ import annotations

from flask_babel import gettext

from .. import countries
from ..i18n import N_
from ..models import FocusArea, PledgeType, ProgressStatus, Sector
from ..models.types import LabelledEnum

SECTORS: dict[str, str] = dict(Sector.choices())
TYPES: dict[str, str] = dict(PledgeType.choices())
FOCUS_AREAS: dict[str, str] = dict(FocusArea.choices())
PROGRESS_STATUSES: dict[str, str] = dict(ProgressStatus.choices())

# Pillars of each focus area of the Partner2Connect action framework.
PILLARS: dict[str, dict[str, str]] = {
    "access": {
        "infrastructure": N_("Infrastructure"),
        "affordability": N_("Affordability"),
        "cybersecurity": N_("Cybersecurity"),
        "policy_regulation": N_("Enabling policy and regulation"),
    },
    "adoption": {
        "skills": N_("Digital skills"),
        "digital_inclusion": N_("Digital inclusion"),
        "local_content": N_("Local content and services"),
    },
    "value_creation": {
        "ecosystems": N_("Digital ecosystems"),
        "entrepreneurship": N_("Entrepreneurship and innovation"),
        "digital_public_goods": N_("Digital public goods"),
    },
    "accelerate": {
        "digital_transformation": N_("Digital transformation"),
        "partnerships_finance": N_("Partnerships and finance"),
        "investment": N_("Investment"),
    },
}
ALL_PILLARS: dict[str, str] = {k: v for group in PILLARS.values() for k, v in group.items()}

BENEFICIARY_GROUPS: dict[str, str] = {
    "women_girls": N_("Women and girls"),
    "youth": N_("Youth"),
    "children": N_("Children"),
    "older_persons": N_("Older persons"),
    "persons_with_disabilities": N_("Persons with disabilities"),
    "refugees_displaced": N_("Refugees and displaced people"),
    "rural_communities": N_("Rural communities"),
    "indigenous_peoples": N_("Indigenous peoples"),
    "smes": N_("Small and medium enterprises"),
    "general_public": N_("General public"),
}

SDGS: dict[int, str] = {
    1: N_("No poverty"), 2: N_("Zero hunger"), 3: N_("Good health and well-being"),
    4: N_("Quality education"), 5: N_("Gender equality"), 6: N_("Clean water and sanitation"),
    7: N_("Affordable and clean energy"), 8: N_("Decent work and economic growth"),
    9: N_("Industry, innovation and infrastructure"), 10: N_("Reduced inequalities"),
    11: N_("Sustainable cities and communities"), 12: N_("Responsible consumption and production"),
    13: N_("Climate action"), 14: N_("Life below water"), 15: N_("Life on land"),
    16: N_("Peace, justice and strong institutions"), 17: N_("Partnerships for the goals"),
}

# ITU-D regions, plus "global" for pledges without a geographic focus.
REGIONS: dict[str, str] = {
    "africa": N_("Africa"),
    "americas": N_("Americas"),
    "arab_states": N_("Arab States"),
    "asia_pacific": N_("Asia-Pacific"),
    "cis": N_("CIS"),
    "europe": N_("Europe"),
    "global": N_("Global"),
}
# How recently a published pledge was reported on (eventsapp.pledges.reporting decides).
ACTIVITY: dict[str, str] = {"active": N_("Active"),
                            "overdue": N_("Overdue (no report for over a year)"),
                            "inactive": N_("Inactive (no report for over two years)")}


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
    """The label of a key in the reader's language, or the key itself when unknown (old
    data stays readable). The vocabularies hold the English labels (the msgids)."""
    if key in vocabulary:
        return gettext(vocabulary[key])
    return str(key) if key is not None else ""


def pillar_label(key: str) -> str:
    return gettext(ALL_PILLARS[key]) if key in ALL_PILLARS else (key or "")


def sdg_label(n: int) -> str:
    if n not in SDGS:
        return f"SDG {n}"
    return gettext("SDG %(num)d: %(goal)s", num=n, goal=gettext(SDGS[n]))


# A pledge's lists, as the labels its page joins (localefmt's list_items filter).

def place_labels(places) -> list[str]:
    """Target places: a region by its label, a country by its name in the reader's language."""
    return [gettext(pl.name) if pl.name == REGIONS.get(pl.region)
            else countries.local_country_name(pl.name) for pl in places]


def beneficiary_labels(beneficiaries) -> list[str]:
    return [label(BENEFICIARY_GROUPS, b.group) for b in beneficiaries]


def sdg_labels(sdgs) -> list[str]:
    return [sdg_label(n) for n in sorted(s.sdg for s in sdgs)]
