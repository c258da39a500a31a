"""Invitations to register (organizers create them; registrants bring their code).

A code is 160 random bits from ``secrets``, shown in base32 groups (``ABCD-EFGH-...``)
once, to the organizer who created it, with the link that carries it; only its SHA-256
is stored. What a registrant types is normalised (case, spaces, dashes) before hashing.

A valid code opens its category (even one the public may not choose) and, if the
invitation says so, skips the organizers' approval (never a focal point's: a
registration on behalf of an organization still waits for it). Capacity and the
waiting list apply as for anyone. Whether a code may be used is decided in the
registration's transaction, under the event lock (``redeemable``), counting the uses
whose registration is still active: a cancelled or declined registration gives its use
back, and no counter can drift.
"""
from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from .. import inputs
from ..db_tx import use_case
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import N_
from ..models import Category, Event, Invitation, InvitationUse, Registration, User, utcnow
from .queries import ACTIVE
from .schemas import UNKNOWN_CATEGORY, load

CODE_BYTES = 20  # 160 bits
LABEL_MAX = 200
USES_MAX = 100_000
CODE_INPUT_MAX = 100  # what a registrant may type (the code is 39 characters grouped)
_NOT_CODE = re.compile(r"[\s\-_.]+")

# Each refusal: its API code and its sentence (the form shows it next to the field).
REFUSALS = {
    "invitation_invalid": N_("This invitation code is not valid for this event. Check it "
                             "and try again."),
    "invitation_expired": N_("This invitation has expired. Ask the organizers for a new one."),
    "invitation_used_up": N_("This invitation has been used as many times as it allows. Ask "
                             "the organizers for a new one."),
    "invitation_revoked": N_("This invitation has been withdrawn by the organizers."),
}
STATES = {
    "active": N_("Active"),
    "expired": N_("Expired"),
    "used_up": N_("Used up"),
    "revoked": N_("Revoked"),
}


class InvitationRefused(ValidationFailed):
    """The code given with a registration cannot be used (nothing was written)."""

    def __init__(self, code: str) -> None:
        message = _(REFUSALS[code])
        super().__init__(message, fields={"invitation": [message]}, code=code)


# ------------------------------------------------------------------ codes


def new_code() -> str:
    """A fresh code, grouped for reading: 32 base32 characters in groups of four."""
    raw = base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii").rstrip("=")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalise(code: str) -> str:
    """What a person typed, as the code it means: upper case, without spaces or dashes."""
    return _NOT_CODE.sub("", code or "").upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii", "replace")).hexdigest()


# ------------------------------------------------------------------ inputs


class InvitationSchema(Schema):
    """A new invitation (the organizers' form and the API); ``expires_at`` without an
    offset is in the event's zone."""

    label = inputs.Line(max_length=LABEL_MAX, required=True,
                        required_message=_l("Name the invitation (only organizers see it)."),
                        validate=[validate.Length(
                            min=1, error=_l("Name the invitation (only organizers see it)."))],
                        metadata={"description": "What it is for, e.g. \"Press of the "
                                                 "host country\" (organizers only)"})
    category = inputs.Choice(Category, unknown=UNKNOWN_CATEGORY, load_default=None,
                             allow_none=True, metadata={
                                 "description": "The category a registration with it gets, "
                                                "even if not offered to the public; null: "
                                                "the registrant chooses a public one"})
    skips_approval = fields.Boolean(load_default=False, metadata={
        "description": "Registrations with it skip the organizers' approval (not a focal "
                       "point's)"})
    max_uses = inputs.Count(min=1, max=USES_MAX, load_default=None, allow_none=True,
                            metadata={"description": "null: unlimited"})
    expires_at = inputs.Instant(load_default=None, allow_none=True, metadata={
        "description": "After this it is refused (event-local without an offset); null: "
                       "until registration closes"})


_BLANK = ("category", "max_uses", "expires_at")


@dataclass
class Created:
    invitation: Invitation
    code: str  # shown once, never stored


@use_case
def create_invitation(event: Event, raw: dict[str, Any], actor: User, *,
                      now: datetime | None = None) -> Created:
    """A new invitation of ``event``; returns it with its code (shown once)."""
    now = now or utcnow()
    data = {k: v for k, v in raw.items() if not (k in _BLANK and (v is None or v == ""))}
    loaded = inputs.to_utc(load(InvitationSchema(), data), event.timezone, ("expires_at",))
    if loaded["expires_at"] is not None and loaded["expires_at"] <= now:
        message = _("Choose an expiry in the future.")
        raise ValidationFailed(message, fields={"expires_at": [message]})
    code = new_code()
    inv = Invitation(event_id=event.id, label=loaded["label"], category=loaded["category"],
                     skips_approval=bool(loaded["skips_approval"]),
                     max_uses=loaded["max_uses"], expires_at=loaded["expires_at"],
                     code_hash=code_hash(code), created_by_id=actor.id, created_at=now)
    db.session.add(inv)
    db.session.flush()
    return Created(inv, code)


def invitation_of(event: Event, invitation_id: int) -> Invitation:
    """The event's invitation, or NotFound (another event's id too)."""
    inv = db.session.scalar(sa.select(Invitation).where(
        Invitation.id == invitation_id, Invitation.event_id == event.id))
    if inv is None:
        raise NotFound(_("No such invitation."))
    return inv


@use_case
def revoke_invitation(event: Event, invitation_id: int, *,
                      now: datetime | None = None) -> Invitation:
    """Withdraw an invitation: later registrations with it are refused; those made
    with it stay as they are."""
    inv = invitation_of(event, invitation_id)
    if inv.revoked_at is not None:
        raise Conflict(_("This invitation is already revoked."), code="already_revoked")
    inv.revoked_at = now or utcnow()
    return inv


# ------------------------------------------------------------------ using one


def _uses_query(invitation_ids: Any) -> sa.Select[int, int]:
    return (sa.select(InvitationUse.invitation_id, sa.func.count(InvitationUse.id))
            .join(Registration, Registration.id == InvitationUse.registration_id)
            .where(InvitationUse.invitation_id.in_(invitation_ids),
                   Registration.status.in_(ACTIVE))
            .group_by(InvitationUse.invitation_id))


def uses_counted(invitation_id: int) -> int:
    """Uses that count against the limit: those whose registration is active."""
    row = db.session.execute(_uses_query([invitation_id])).first()
    return int(row[1]) if row else 0


def state_of(inv: Invitation, used: int, now: datetime) -> str:
    if inv.revoked_at is not None:
        return "revoked"
    if inv.expires_at is not None and now >= inv.expires_at:
        return "expired"
    if inv.max_uses is not None and used >= inv.max_uses:
        return "used_up"
    return "active"


def redeemable(event: Event, code: str, now: datetime) -> Invitation:
    """The invitation ``code`` opens for a new registration, or InvitationRefused.
    Called under the event lock (the count of uses is then final until the commit)."""
    plain = normalise(code)
    inv = None
    if plain:
        inv = db.session.scalar(sa.select(Invitation).where(
            Invitation.code_hash == code_hash(plain), Invitation.event_id == event.id))
    if inv is None:
        raise InvitationRefused("invitation_invalid")
    state = state_of(inv, uses_counted(inv.id) if inv.max_uses is not None else 0, now)
    if state != "active":
        raise InvitationRefused(f"invitation_{state}")
    return inv


def opened_category(event_id: int, code: Any) -> Category | None:
    """The category the invitation ``code`` opens, if it is one of the event's (read
    without the lock: only to check the right questions' answers; ``redeemable``
    decides)."""
    if not isinstance(code, str) or not normalise(code) or len(code) > CODE_INPUT_MAX:
        return None
    return db.session.scalar(sa.select(Invitation.category).where(
        Invitation.code_hash == code_hash(code), Invitation.event_id == event_id))


def record_use(inv: Invitation, reg: Registration, now: datetime) -> None:
    """The registration (flushed) was made with ``inv`` (same transaction)."""
    db.session.add(InvitationUse(invitation_id=inv.id, registration_id=reg.id, used_at=now))


# ------------------------------------------------------------------ reading


@dataclass
class Row:
    invitation: Invitation
    used: int  # active uses (what counts against the limit)
    state: str

    @property
    def state_label(self) -> str:
        return _(STATES[self.state])


@dataclass
class RowPage:
    rows: list[Row]
    total: int
    page: int
    per_page: int


def invitation_page(event: Event, *, page: int = 1, per_page: int = 100,
                    now: datetime | None = None) -> RowPage:
    """The event's invitations, newest first, with their uses and state."""
    now = now or utcnow()
    total = db.session.scalar(sa.select(sa.func.count(Invitation.id))
                              .where(Invitation.event_id == event.id)) or 0
    invs = list(db.session.scalars(
        sa.select(Invitation).where(Invitation.event_id == event.id)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    used: dict[int, int] = {k: int(v) for k, v in db.session.execute(
        _uses_query([i.id for i in invs] or [-1])).all()}
    return RowPage([row_of(i, int(used.get(i.id, 0)), now) for i in invs], total, page, per_page)


def row_of(inv: Invitation, used: int | None = None, now: datetime | None = None) -> Row:
    used = uses_counted(inv.id) if used is None else used
    return Row(inv, used, state_of(inv, used, now or utcnow()))


def uses_of(inv: Invitation) -> list[tuple[InvitationUse, Registration]]:
    """Every registration made with ``inv`` (active or not), oldest first."""
    return [(use, reg) for use, reg in db.session.execute(
        sa.select(InvitationUse, Registration)
        .join(Registration, Registration.id == InvitationUse.registration_id)
        .where(InvitationUse.invitation_id == inv.id)
        .order_by(InvitationUse.used_at, InvitationUse.id)).all()]


def invitations_of(registration_ids: list[int]) -> dict[int, Invitation]:
    """{registration id: the invitation it was made with} for those made with one."""
    if not registration_ids:
        return {}
    return {reg_id: inv for reg_id, inv in db.session.execute(
        sa.select(InvitationUse.registration_id, Invitation)
        .join(Invitation, Invitation.id == InvitationUse.invitation_id)
        .where(InvitationUse.registration_id.in_(registration_ids))).all()}


def reclaim(event: Event, registration_id: int, now: datetime) -> Invitation | None:
    """A cancelled registration taken up again: the invitation it was made with (None:
    none), if it still allows one more use (its own was given back when it was
    cancelled); else InvitationRefused. Under the event lock."""
    inv = db.session.scalar(
        sa.select(Invitation).join(InvitationUse, InvitationUse.invitation_id == Invitation.id)
        .where(InvitationUse.registration_id == registration_id,
               Invitation.event_id == event.id))
    if inv is None:
        return None
    state = state_of(inv, uses_counted(inv.id) if inv.max_uses is not None else 0, now)
    if state != "active":
        raise InvitationRefused(f"invitation_{state}")
    return inv
