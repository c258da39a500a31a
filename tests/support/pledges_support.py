"""Factories for the pledge tests (no tests here)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from eventsapp.extensions import db as _db
from eventsapp.models import (
    FocusArea,
    Pledge,
    PledgeBeneficiary,
    PledgeEntity,
    PledgePlace,
    PledgeSDG,
    PledgeState,
    PledgeType,
    PledgingEntity,
    Sector,
)
from eventsapp.pledges import vocab


def entity(name: str | None = None, sector: Sector = Sector.PRIVATE_SECTOR) -> PledgingEntity:
    name = name or f"Entity {uuid.uuid4().hex[:8]}"
    e = _db.session.scalar(sa.select(PledgingEntity).where(PledgingEntity.name == name))
    if e is None:
        e = PledgingEntity(name=name, sector=sector)
        _db.session.add(e)
        _db.session.flush()
    return e


def make_pledge(event=None, *, session=None, state=PledgeState.PUBLISHED, amount="1000",
                title=None, entities=None, focus_area=FocusArea.ACCESS,
                type_=PledgeType.FINANCIAL, countries=(), regions=(), sdgs=(), groups=(),
                published_at=None, last_report_on=None, announced_by=None, submitted_by=None,
                is_sample=False, commit=True) -> Pledge:
    now = datetime.now(UTC)
    p = Pledge(title=title or f"Pledge {uuid.uuid4().hex[:6]}", type=type_,
               amount_usd=Decimal(amount) if amount is not None else None,
               focus_area=focus_area, state=state, event_id=event.id if event else None,
               session_id=session.id if session else None,
               announced_by_id=announced_by.id if announced_by else None,
               announced_at=(published_at or now) if session else None,
               published_at=(published_at or now) if state == PledgeState.PUBLISHED else None,
               last_report_on=last_report_on, is_sample=is_sample,
               submitted_by_id=submitted_by.id if submitted_by else None)
    for i, e in enumerate(entities or [entity()]):
        p.entities.append(PledgeEntity(entity=e, is_lead=i == 0))
    for c in countries:
        p.places.append(PledgePlace(name=c, region=vocab.COUNTRY_REGION[c]))
    for r in regions:
        p.places.append(PledgePlace(name=vocab.REGIONS[r], region=r))
    for s in sdgs:
        p.sdgs.append(PledgeSDG(sdg=s))
    for g in groups:
        p.beneficiaries.append(PledgeBeneficiary(group=g))
    _db.session.add(p)
    if commit:
        _db.session.commit()
    return p


def bulk_pledges(n: int, event, session=None, *, published_at=None) -> None:
    """``n`` published pledges with entities, places, SDGs and groups, by bulk insert."""
    now = published_at or datetime.now(UTC) - timedelta(days=10)
    tag = uuid.uuid4().hex[:6]
    n_entities = max(1, n // 3)
    _db.session.execute(sa.insert(PledgingEntity), [
        {"name": f"Bulk {tag} {i}", "sector": list(Sector)[i % len(Sector)].value, "country": ""}
        for i in range(n_entities)])
    ent_ids = list(_db.session.scalars(sa.select(PledgingEntity.id)
                                       .where(PledgingEntity.name.like(f"Bulk {tag} %"))
                                       .order_by(PledgingEntity.id)))
    focus, types = list(FocusArea), list(PledgeType)
    _db.session.execute(sa.insert(Pledge), [
        {"title": f"Bulk {tag} pledge {i}", "type": types[i % 4].value,
         "focus_area": focus[i % 4].value, "amount_usd": Decimal(1000 + i),
         "state": "published", "event_id": event.id,
         "session_id": session.id if session else None,
         "published_at": now - timedelta(days=31 * (i % 12)), "description": "", "pillar": "",
         "indicator": "", "decline_reason": "", "contact_email": "", "targets_ldc": False,
         "is_sample": False}
        for i in range(n)])
    ids = list(_db.session.scalars(sa.select(Pledge.id).where(Pledge.title.like(f"Bulk {tag} pledge %"))
                                   .order_by(Pledge.id)))
    countries = ["RW", "KE", "PE", "NP", "FR"]
    _db.session.execute(sa.insert(PledgeEntity), [
        {"pledge_id": pid, "entity_id": ent_ids[i % len(ent_ids)], "is_lead": True}
        for i, pid in enumerate(ids)])
    _db.session.execute(sa.insert(PledgePlace), [
        {"pledge_id": pid, "name": countries[i % 5], "region": vocab.COUNTRY_REGION[countries[i % 5]]}
        for i, pid in enumerate(ids)])
    _db.session.execute(sa.insert(PledgeSDG), [
        {"pledge_id": pid, "sdg": 1 + i % 17} for i, pid in enumerate(ids)])
    _db.session.execute(sa.insert(PledgeBeneficiary), [
        {"pledge_id": pid, "group": list(vocab.BENEFICIARY_GROUPS)[i % 5]}
        for i, pid in enumerate(ids)])
    _db.session.commit()


def valid_raw(**kw) -> dict:
    raw = {"title": "Connect 500 schools", "type": "financial", "focus_area": "access",
           "pillar": "infrastructure", "amount_usd": "2500000", "entity_name": "Acme Telecom",
           "entity_sector": "private_sector", "entity_country": "Kenya",
           "countries": ["Rwanda", "Kenya"], "regions": ["global"], "sdgs": ["4", "9"],
           "beneficiaries": ["youth"], "target_year": "2030",
           "indicator": "Schools connected at 20 Mbit/s"}
    raw.update(kw)
    return raw


@pytest.fixture
def panel(make_event, make_session, make_person):
    """An event with a panel of two people, and a second event with its own session."""
    event = make_event()
    moderator, panellist = make_person("Mia Moderator", "Org A"), make_person("Pat Panellist", "Org B")
    session = make_session(event, people=[(moderator, "moderator"), (panellist, "panellist")])
    other_event = make_event()
    other_session = make_session(other_event, people=[(make_person("Otto Other", "Org C"), "speaker")])
    outsider = make_person("Nora Nobody", "Org D")
    return {"event": event, "session": session, "moderator": moderator, "panellist": panellist,
            "other_event": other_event, "other_session": other_session, "outsider": outsider}
