"""Who an entity is: the stakeholder groups P2C gathers (member states' governments, the
private sector, academia, civil society, international and regional organizations, UN
agencies). One vocabulary for a registrant's stakeholder type, an organization's kind and
a pledging entity's sector: the same values in every table, so a delegation and its
pledges can be counted together."""
from __future__ import annotations

from .types import N_, LabelledEnum


class Sector(LabelledEnum):
    GOVERNMENT = ("government", N_("Government"))
    PRIVATE_SECTOR = ("private_sector", N_("Private sector"))
    ACADEMIA = ("academia", N_("Academia"))
    CIVIL_SOCIETY = ("civil_society", N_("Civil society"))
    INTERNATIONAL_ORG = ("international_org", N_("International or regional organization"))
    UN_AGENCY = ("un_agency", N_("UN agency"))
    OTHER = ("other", N_("Other"))


# The registration side's name for it (a registrant's or an organization's kind).
StakeholderType = Sector
