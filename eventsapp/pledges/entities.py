"""Writing validated pledge values: entities reused by name, child rows by difference."""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..models import (
    FocusArea,
    Pledge,
    PledgeBeneficiary,
    PledgeEntity,
    PledgePlace,
    PledgeSDG,
    PledgeType,
    PledgingEntity,
    Sector,
    utcnow,
)
from . import vocab
from .schemas import EntityInput, PledgeInput


def _by_lower_name(names: list[str]) -> dict[str, PledgingEntity]:
    """Existing entities named ``names`` (any case), keyed by Python's lower case: SQLite's
    lower() folds ASCII only, so the exact names are looked up too."""
    rows = db.session.scalars(sa.select(PledgingEntity).where(sa.or_(
        sa.func.lower(PledgingEntity.name).in_([n.lower() for n in names]),
        PledgingEntity.name.in_(names))))
    return {ent.name.lower(): ent for ent in rows}


def resolve_entities(items: Iterable[EntityInput]) -> dict[str, PledgingEntity]:
    """Entities by lower-case name, reusing existing ones and creating the others
    (one query for the lookup whatever the number of names)."""
    wanted: dict[str, EntityInput] = {}
    for e in items:
        wanted.setdefault(e.name.lower(), e)
    if not wanted:
        return {}
    found = _by_lower_name([e.name for e in wanted.values()])
    new_rows = []
    for key, e in wanted.items():
        ent = found.get(key)
        if ent is None:
            new_rows.append({"name": e.name, "sector": Sector(e.sector or "other").value,
                             "country": e.country, "is_sample": False, "created_at": utcnow()})
        elif not ent.country and e.country:
            ent.country = e.country
    if new_rows:
        # ON CONFLICT DO NOTHING (not a savepoint, which the use-case commit guard refuses):
        # an entity a concurrent request just created is simply reused below.
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(insert(PledgingEntity).values(new_rows).on_conflict_do_nothing())
        found.update(_by_lower_name([r["name"] for r in new_rows]))
    return found


def _apply_entities(pledge: Pledge, data: PledgeInput,
                    entities: dict[str, PledgingEntity]) -> None:
    want = {entities[e.name.lower()].id: e.is_lead for e in data.entities}
    for pe in list(pledge.entities):
        if pe.entity_id not in want:
            pledge.entities.remove(pe)
        else:
            pe.is_lead = want.pop(pe.entity_id)
    for e in data.entities:
        ent = entities[e.name.lower()]
        if ent.id in want:
            pledge.entities.append(PledgeEntity(entity=ent, entity_id=ent.id, is_lead=e.is_lead))
            want.pop(ent.id)


def _apply_places(pledge: Pledge, data: PledgeInput) -> None:
    # A country is stored by its code (its region derived from it); a region by its label.
    places = {c: vocab.COUNTRY_REGION[c] for c in data.countries}
    places.update({vocab.REGIONS[r]: r for r in data.regions})
    for p in list(pledge.places):
        if p.name not in places:
            pledge.places.remove(p)
        else:
            p.region = places.pop(p.name)
    pledge.places.extend(PledgePlace(name=n, region=r) for n, r in places.items())


def _apply_groups_and_goals(pledge: Pledge, data: PledgeInput) -> None:
    groups = set(data.beneficiaries)
    for b in list(pledge.beneficiaries):
        if b.group not in groups:
            pledge.beneficiaries.remove(b)
        else:
            groups.discard(b.group)
    pledge.beneficiaries.extend(PledgeBeneficiary(group=g) for g in data.beneficiaries
                                if g in groups)
    goals = set(data.sdgs)
    for s in list(pledge.sdgs):
        if s.sdg not in goals:
            pledge.sdgs.remove(s)
        else:
            goals.discard(s.sdg)
    pledge.sdgs.extend(PledgeSDG(sdg=n) for n in data.sdgs if n in goals)


def apply_input(pledge: Pledge, data: PledgeInput,
                entities: dict[str, PledgingEntity] | None = None) -> None:
    """Copy validated values onto a pledge, updating its child rows by difference
    (deleting and re-inserting the same keys in one flush would break unique constraints)."""
    pledge.title = data.title
    pledge.description = data.description
    pledge.type = PledgeType(data.type)
    pledge.focus_area = FocusArea(data.focus_area)
    pledge.pillar = data.pillar
    pledge.amount_usd = data.amount_usd
    pledge.targets_ldc = data.targets_ldc
    pledge.target_year = data.target_year
    pledge.indicator = data.indicator
    pledge.contact_email = data.contact_email
    pledge.updated_at = utcnow()
    _apply_entities(pledge, data,
                    entities if entities is not None else resolve_entities(data.entities))
    _apply_places(pledge, data)
    _apply_groups_and_goals(pledge, data)
