"""Writing a pledge's content: submission by a pledger, recording by an organizer,
changes. Values are validated by ``schemas`` (the one contract of every input)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import begin_write, use_case
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..models import Event, Pledge, PledgeState, User
from . import vocab
from .access import lock_pledge, managed_pledge
from .announce import announce
from .announce import publish as publish_pledge
from .entities import apply_input
from .schemas import load_pledge


def pledge_to_raw(pledge: Pledge) -> dict:
    """A pledge in the schema's shape (for edit forms and PATCH)."""
    return {
        "title": pledge.title, "description": pledge.description, "type": pledge.type.value,
        "focus_area": pledge.focus_area.value, "pillar": pledge.pillar or None,
        "amount_usd": pledge.amount_usd,
        "countries": [p.name for p in pledge.places if p.name in vocab.COUNTRY_REGION],
        "regions": [p.region for p in pledge.places if p.name not in vocab.COUNTRY_REGION],
        "targets_ldc": pledge.targets_ldc,
        "beneficiaries": [b.group for b in pledge.beneficiaries],
        "sdgs": sorted(s.sdg for s in pledge.sdgs),
        "target_year": pledge.target_year, "indicator": pledge.indicator,
        "contact_email": pledge.contact_email,
        "entities": [{"name": pe.entity.name, "sector": pe.entity.sector.value,
                      "country": pe.entity.country, "is_lead": pe.is_lead}
                     for pe in pledge.entities],
    }


def _event_for_submission(value: Any) -> Event | None:
    if value in (None, "", 0, "0"):
        return None
    q = sa.select(Event).where(Event.published.is_(True))
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        q = q.where(Event.id == int(value))
    else:
        q = q.where(Event.slug == str(value))
    event = db.session.scalar(q)
    if event is None:
        raise ValidationFailed(_("Some fields are not valid."),
                               fields={"event": [_("Choose one of the published events.")]})
    return event


@use_case
def submit_pledge(user: User | None, raw: Mapping) -> Pledge:
    """Any signed-in user submits a pledge; organizers moderate it before it shows."""
    if user is None:
        raise Forbidden(_("Sign in to submit a pledge."))
    data = load_pledge(raw, submission=True)
    event = _event_for_submission(raw.get("event"))
    begin_write()
    pledge = Pledge(state=PledgeState.SUBMITTED, submitted_by_id=user.id,
                    event_id=event.id if event else None)
    db.session.add(pledge)
    apply_input(pledge, data)
    return pledge


@use_case
def create_pledge(actor: User, event: Event | None, raw: Mapping, *, publish: bool = False,
                  announcement: Mapping | None = None) -> Pledge:
    """An organizer records a pledge for their event (published at once when asked).
    ``announcement``: validated ``schemas.AnnouncementSchema`` values."""
    if event is None and not (actor and actor.is_admin):
        raise Forbidden(_("Only administrators record pledges not tied to an event."))
    data = load_pledge(raw)
    begin_write()
    pledge = Pledge(state=PledgeState.SUBMITTED, event_id=event.id if event else None,
                    submitted_by_id=None)
    db.session.add(pledge)
    apply_input(pledge, data)
    if announcement is not None:
        if event is None:
            raise ValidationFailed(_("Some fields are not valid."),
                                   fields={"session_id": [_("Pledges are announced at an event.")]})
        announce(pledge, actor, event, announcement)
    elif publish:
        publish_pledge(pledge, actor)
    return pledge


_FLAT_ENTITY_KEYS = ("entity_name", "entity_sector", "entity_country", "partners")


@use_case
def update_pledge(actor: User, pledge_id: int, raw: Mapping, *, partial: bool = True) -> Pledge:
    """Change a pledge's content (its organizers); with ``partial`` only the keys given."""
    pledge = managed_pledge(actor, pledge_id)
    if partial:
        merged = pledge_to_raw(pledge)
        if any(k in raw for k in _FLAT_ENTITY_KEYS):
            raise ValidationFailed(_("Some fields are not valid."), fields={
                "entities": [_("Give the entities as a list of {name, sector, country, is_lead}.")]})
        merged.update(raw)
    else:
        merged = dict(raw)
    data = load_pledge(merged)
    pledge = lock_pledge(pledge_id)
    apply_input(pledge, data)
    return pledge
