"""All models; importing this package registers every table on the metadata."""
from __future__ import annotations

from .events import Event, EventFormat, EventKind, PromotionMode, Room
from .mail import OutboxMessage, OutboxStatus
from .pledges import (
    FocusArea,
    Pledge,
    PledgeBeneficiary,
    PledgeEntity,
    PledgePlace,
    PledgeReport,
    PledgeSDG,
    PledgeState,
    PledgeType,
    PledgingEntity,
    ProgressStatus,
    Sector,
)
from .programme import (
    Person,
    ProgrammeSession,
    RoleKind,
    SessionRole,
    SessionStar,
    SessionType,
)
from .registration import (
    Category,
    CheckIn,
    Modality,
    Registration,
    RegistrationLink,
    RegistrationStatus,
    SessionJoin,
    StakeholderType,
)
from .types import utcnow
from .users import ApiToken, EventRole, EventRoleKind, LoginSession, User

__all__ = [
    "ApiToken", "Category", "CheckIn", "Event", "EventFormat", "EventKind", "EventRole",
    "EventRoleKind", "FocusArea", "LoginSession", "Modality", "OutboxMessage", "OutboxStatus", "Person",
    "Pledge", "PledgeBeneficiary", "PledgeEntity", "PledgePlace", "PledgeReport", "PledgeSDG",
    "PledgeState", "PledgeType", "PledgingEntity", "ProgrammeSession", "ProgressStatus",
    "PromotionMode",
    "Registration", "RegistrationLink", "RegistrationStatus", "RoleKind", "Room", "Sector", "SessionJoin",
    "SessionRole", "SessionStar", "SessionType", "StakeholderType", "User", "utcnow",
]
