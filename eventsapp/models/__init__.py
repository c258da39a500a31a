"""All models; importing this package registers every table on the metadata."""
from __future__ import annotations

from .events import Event, EventFormat, EventKind, EventTranslation, PromotionMode, Room
from .invitations import Invitation, InvitationUse
from .mail import OutboxMessage, OutboxStatus
from .organizations import FocalPoint, Organization
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
from .questions import DocumentKind, QuestionKind, RegistrationAnswer, RegistrationQuestion
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
from .visa import VisaLetterRequest, VisaLetterStatus

__all__ = [
    "ApiToken", "Category", "CheckIn", "DocumentKind", "Event", "EventFormat", "EventKind",
    "EventRole", "EventRoleKind", "EventTranslation", "FocalPoint", "FocusArea", "Invitation",
    "InvitationUse", "LoginSession",
    "Modality", "Organization", "OutboxMessage", "OutboxStatus", "Person", "Pledge",
    "PledgeBeneficiary", "QuestionKind", "PledgeEntity", "PledgePlace", "PledgeReport", "PledgeSDG",
    "PledgeState", "PledgeType", "PledgingEntity", "ProgrammeSession", "ProgressStatus",
    "PromotionMode", "Registration", "RegistrationAnswer", "RegistrationLink",
    "RegistrationQuestion", "RegistrationStatus", "RoleKind", "Room", "Sector", "SessionJoin",
    "SessionRole", "SessionStar", "SessionType", "StakeholderType", "User", "utcnow",
    "VisaLetterRequest", "VisaLetterStatus",
]
