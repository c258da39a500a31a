"""Pledge use cases: validate, submit, create, announce, moderate, report progress.

Every input (HTML form, API JSON, CSV row) goes through ``clean_pledge`` so that the
same value gets the same answer everywhere. Services take the acting user and plain
data, run one use case in one transaction, and raise domain errors.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..db_tx import begin_write, use_case
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..instants import InvalidInstant, naive_local_to_utc, parse_iso
from ..mail.outbox import queue_mail
from ..models import (
    Event,
    FocusArea,
    Person,
    Pledge,
    PledgeBeneficiary,
    PledgeEntity,
    PledgePlace,
    PledgeReport,
    PledgeSDG,
    PledgeState,
    PledgeType,
    PledgingEntity,
    ProgrammeSession,
    ProgressStatus,
    Sector,
    SessionRole,
    User,
    utcnow,
)
from ..permissions import can_manage_pledge, can_report_on_pledge, can_view_pledge
from ..security import hash_token, new_token
from . import mails, vocab

MAX_AMOUNT = Decimal("9999999999999999.99")  # Numeric(18, 2)
MAX_ENTITIES = 30
_SPLIT = re.compile(r"[;,\n]")


# ---------------------------------------------------------------- validation

@dataclass
class EntityInput:
    name: str
    sector: str | None  # None: keep an existing entity's sector, "other" for a new one
    country: str = ""
    is_lead: bool = False


@dataclass
class PledgeInput:
    title: str
    type: str
    focus_area: str
    entities: list[EntityInput]
    description: str = ""
    amount_usd: Decimal | None = None
    pillar: str = ""
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    targets_ldc: bool = False
    beneficiaries: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    target_year: int | None = None
    indicator: str = ""
    contact_email: str = ""


class _Errors(dict):
    def add(self, key: str, message: str) -> None:
        self.setdefault(key, []).append(message)


def _text(raw: Mapping, key: str, errors: _Errors, *, max_len: int, required: bool = False,
          what: str = "This field") -> str:
    value = raw.get(key)
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float, Decimal)):
        errors.add(key, f"{what} must be text.")
        return ""
    value = str(value).strip()
    if required and not value:
        errors.add(key, f"{what} is required.")
    elif len(value) > max_len:
        errors.add(key, f"{what} is too long (at most {max_len} characters).")
    return value


def _as_list(value) -> list[str]:
    """A list from a JSON list, a multi-select, or a string separated by , ; or new lines."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        items = []
        for v in value:
            items.extend(_as_list(v) if isinstance(v, str) and _SPLIT.search(v) else [v])
        return [str(v).strip() for v in items if v is not None and str(v).strip()]
    return [v.strip() for v in _SPLIT.split(str(value)) if v.strip()]


def parse_bool(value) -> bool | None:
    """True/False from a checkbox, JSON or a CSV cell; None when not a boolean."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in ("", "0", "false", "no", "n", "off"):
        return False
    if text in ("1", "true", "yes", "y", "on"):
        return True
    return None


def parse_amount(value, key: str, errors: _Errors, what: str = "The amount") -> Decimal | None:
    """A non-negative USD amount with at most two decimals, or None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.add(key, f"{what} must be a number of US dollars, like 250000 or 1500000.50.")
        return None
    text = str(value).strip().replace(",", "").replace("_", "").replace(" ", "")
    text = re.sub(r"^(usd|\$)", "", text, flags=re.IGNORECASE)
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        errors.add(key, f"{what} must be a number of US dollars, like 250000 or 1500000.50.")
        return None
    if not amount.is_finite():
        errors.add(key, f"{what} must be a number of US dollars, like 250000 or 1500000.50.")
        return None
    if amount < 0:
        errors.add(key, f"{what} cannot be negative.")
        return None
    if amount > MAX_AMOUNT:
        errors.add(key, f"{what} is too large.")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        errors.add(key, f"{what} can have at most two decimals (cents).")
        return None
    return amount.quantize(Decimal("0.01"))


def _int(value, key: str, errors: _Errors, *, lo: int, hi: int, message: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.add(key, message)
        return None
    try:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        n = int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
    except (TypeError, ValueError):
        errors.add(key, message)
        return None
    if not lo <= n <= hi:
        errors.add(key, message)
        return None
    return n


def _vocab_list(raw: Mapping, key: str, vocabulary: dict, errors: _Errors, what: str) -> list[str]:
    out: list[str] = []
    for item in _as_list(raw.get(key)):
        k = vocab.normalize(item, vocabulary)
        if k is None:
            errors.add(key, f"Unknown {what}: {item!s:.60}. Choose from: "
                            + ", ".join(vocabulary.values()) + ".")
        elif k not in out:
            out.append(k)
    return out


def _entity_from(item, errors: _Errors, key: str) -> EntityInput | None:
    """An entity from {"name", "sector", "country", "is_lead"} or "Name | sector | country"."""
    if isinstance(item, Mapping):
        name, sector, country = item.get("name"), item.get("sector"), item.get("country")
        lead = parse_bool(item.get("is_lead"))
    else:
        parts = [p.strip() for p in str(item).split("|")]
        if len(parts) > 3:
            errors.add(key, f"Write each entity as 'Name | sector | country': {item!s:.60}")
            return None
        name, sector, country = (parts + [None, None])[:3]
        lead = False
    name = re.sub(r"\s+", " ", str(name or "")).strip()
    if not name:
        errors.add(key, "Every entity needs a name.")
        return None
    if len(name) > 300:
        errors.add(key, "An entity name is too long (at most 300 characters).")
        return None
    sector_key = None
    if sector not in (None, ""):
        sector_key = vocab.normalize(sector, vocab.SECTORS)
        if sector_key is None:
            errors.add(key, f"Unknown sector for {name}: {sector!s:.40}. Choose from: "
                            + ", ".join(vocab.SECTORS.values()) + ".")
            return None
    country_name = ""
    if country not in (None, ""):
        country_name = vocab.country(country) or ""
        if not country_name:
            errors.add(key, f"Unknown country for {name}: {country!s:.60}.")
            return None
    if lead is None:
        errors.add(key, "is_lead must be true or false.")
        lead = False
    return EntityInput(name=name, sector=sector_key, country=country_name, is_lead=lead)


def _entities(raw: Mapping, errors: _Errors) -> list[EntityInput]:
    entities: list[EntityInput] = []
    if raw.get("entities") not in (None, "", []):
        items = raw.get("entities")
        if not isinstance(items, (list, tuple)):
            errors.add("entities", "Give the entities as a list.")
            return []
        for item in items:
            e = _entity_from(item, errors, "entities")
            if e:
                entities.append(e)
        key = "entities"
    else:
        key = "entity_name"
        lead = _entity_from({"name": raw.get("entity_name"), "sector": raw.get("entity_sector"),
                             "country": raw.get("entity_country"), "is_lead": True},
                            errors, "entity_name")
        if lead is not None:
            if lead.sector is None:
                errors.add("entity_sector", "Choose the sector of the pledging entity.")
            entities.append(lead)
        partners = raw.get("partners")
        lines = partners if isinstance(partners, (list, tuple)) else \
            [ln for ln in re.split(r"[\n;]", str(partners or "")) if ln.strip()]
        for line in lines:
            e = _entity_from(line, errors, "partners")
            if e:
                e.is_lead = False
                entities.append(e)
    if not entities and not errors.get(key):
        errors.add(key, "Name the entity making the pledge.")
    if len(entities) > MAX_ENTITIES:
        errors.add(key, f"At most {MAX_ENTITIES} entities per pledge.")
    seen: set[str] = set()
    for e in entities:
        if e.name.lower() in seen:
            errors.add("partners" if key == "entity_name" else key, f"{e.name} is named twice.")
        seen.add(e.name.lower())
    leads = [e for e in entities if e.is_lead]
    if len(leads) > 1:
        errors.add(key, "A joint pledge has one lead entity.")
    elif entities and not leads:
        entities[0].is_lead = True
    return entities


def clean_pledge(raw: Mapping, *, require_smart: bool = False) -> PledgeInput:  # noqa: C901
    """Validate a pledge given as plain values; raise ValidationFailed with every field error.

    ``require_smart``: a submission must say what is measured (indicator) and by when
    (target year, not in the past).
    """
    errors = _Errors()
    title = _text(raw, "title", errors, max_len=300, required=True, what="The title")
    description = _text(raw, "description", errors, max_len=20000, what="The description")
    type_ = vocab.normalize(raw.get("type"), vocab.TYPES)
    if type_ is None:
        errors.add("type", "Choose the type of pledge: " + ", ".join(vocab.TYPES.values()) + "."
                   if not raw.get("type") else
                   f"Unknown type: {raw.get('type')!s:.40}. Choose from: "
                   + ", ".join(vocab.TYPES.values()) + ".")
    focus = vocab.normalize(raw.get("focus_area"), vocab.FOCUS_AREAS)
    if focus is None:
        errors.add("focus_area", "Choose a focus area: " + ", ".join(vocab.FOCUS_AREAS.values()) + "."
                   if not raw.get("focus_area") else
                   f"Unknown focus area: {raw.get('focus_area')!s:.40}. Choose from: "
                   + ", ".join(vocab.FOCUS_AREAS.values()) + ".")
    pillar = ""
    if raw.get("pillar"):
        pillar = vocab.normalize(raw.get("pillar"), vocab.ALL_PILLARS) or ""
        if not pillar:
            errors.add("pillar", f"Unknown pillar: {raw.get('pillar')!s:.60}.")
        elif focus and pillar not in vocab.PILLARS[focus]:
            errors.add("pillar", f"{vocab.pillar_label(pillar)} is not a pillar of "
                                 f"{vocab.FOCUS_AREAS[focus]}. Choose from: "
                                 + ", ".join(vocab.PILLARS[focus].values()) + ".")
    amount = parse_amount(raw.get("amount_usd"), "amount_usd", errors)
    countries: list[str] = []
    for item in _as_list(raw.get("countries")):
        name = vocab.country(item)
        if name is None:
            errors.add("countries", f"Unknown country: {item!s:.60}.")
        elif name not in countries:
            countries.append(name)
    regions = _vocab_list(raw, "regions", vocab.REGIONS, errors, "region")
    ldc = parse_bool(raw.get("targets_ldc"))
    if ldc is None:
        errors.add("targets_ldc", "Answer yes or no.")
        ldc = False
    ldc = ldc or any(c in vocab.LDCS for c in countries)
    beneficiaries = _vocab_list(raw, "beneficiaries", vocab.BENEFICIARY_GROUPS, errors,
                                "beneficiary group")
    sdgs: list[int] = []
    for item in _as_list(raw.get("sdgs")):
        text = str(item).strip()
        text = re.sub(r"^sdg\s*", "", text, flags=re.IGNORECASE)
        n = _int(text, "sdgs", errors, lo=1, hi=17,
                 message=f"Unknown SDG: {item!s:.20}. SDGs are numbered 1 to 17.")
        if n is not None and n not in sdgs:
            sdgs.append(n)
    this_year = date.today().year
    target_year = _int(raw.get("target_year"), "target_year", errors, lo=2000, hi=2100,
                       message="The target year must be a year such as 2030.")
    indicator = _text(raw, "indicator", errors, max_len=2000, what="The indicator")
    contact = _text(raw, "contact_email", errors, max_len=254, what="The contact email")
    if contact:
        try:
            contact = validate_email(contact, check_deliverability=False).normalized
        except EmailNotValidError:
            errors.add("contact_email", "Enter a valid email address.")
    if require_smart:
        if not indicator:
            errors.add("indicator", "Say how progress will be measured, for example "
                                    "'number of schools connected'.")
        if target_year is None and not errors.get("target_year"):
            errors.add("target_year", "Give the year by which the pledge will be fulfilled.")
        elif target_year is not None and target_year < this_year:
            errors.add("target_year", "The target year cannot be in the past.")
    entities = _entities(raw, errors)
    if errors:
        raise ValidationFailed("Some fields are not valid.", fields=dict(errors))
    return PledgeInput(
        title=title, description=description, type=type_, focus_area=focus, pillar=pillar,
        amount_usd=amount, countries=countries, regions=regions, targets_ldc=ldc,
        beneficiaries=beneficiaries, sdgs=sorted(sdgs), target_year=target_year,
        indicator=indicator, entities=entities, contact_email=contact,
    )


def pledge_to_raw(pledge: Pledge) -> dict:
    """A pledge as the plain values ``clean_pledge`` takes (for edit forms and PATCH)."""
    return {
        "title": pledge.title, "description": pledge.description, "type": pledge.type.value,
        "focus_area": pledge.focus_area.value, "pillar": pledge.pillar,
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


# ---------------------------------------------------------------- writing a pledge

def resolve_entities(items: Iterable[EntityInput]) -> dict[str, PledgingEntity]:
    """Entities by lower-case name, reusing existing ones and creating the others
    (one query for the lookup whatever the number of names)."""
    wanted: dict[str, EntityInput] = {}
    for e in items:
        wanted.setdefault(e.name.lower(), e)
    if not wanted:
        return {}
    found = {ent.name.lower(): ent for ent in db.session.scalars(
        sa.select(PledgingEntity).where(sa.func.lower(PledgingEntity.name).in_(list(wanted))))}
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
        found.update({ent.name.lower(): ent for ent in db.session.scalars(
            sa.select(PledgingEntity).where(sa.func.lower(PledgingEntity.name).in_(
                [r["name"].lower() for r in new_rows])))})
    return found


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

    entities = entities if entities is not None else resolve_entities(data.entities)
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

    places = {c: vocab.COUNTRY_REGION[c] for c in data.countries}
    places.update({vocab.REGIONS[r]: r for r in data.regions})
    for p in list(pledge.places):
        if p.name not in places:
            pledge.places.remove(p)
        else:
            p.region = places.pop(p.name)
    pledge.places.extend(PledgePlace(name=n, region=r) for n, r in places.items())

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


def _lock_pledge(pledge_id: int) -> Pledge:
    """Start a write transaction holding the pledge's row."""
    begin_write()
    pledge = db.session.execute(
        sa.select(Pledge).where(Pledge.id == pledge_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if pledge is None:
        raise NotFound("No such pledge.")
    return pledge


def managed_pledge(user: User | None, pledge_id: int) -> Pledge:
    """The pledge if ``user`` manages it: 404 when they may not even see it, else 403."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not can_view_pledge(user, pledge):
        raise NotFound("No such pledge.")
    if not can_manage_pledge(user, pledge):
        raise Forbidden("Only the organizers of the pledge's event can do that.")
    return pledge


def visible_pledge(user: User | None, pledge_id: int) -> Pledge:
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not can_view_pledge(user, pledge):
        raise NotFound("No such pledge.")
    return pledge


def _event_for_submission(value) -> Event | None:
    if value in (None, "", 0, "0"):
        return None
    q = sa.select(Event).where(Event.published.is_(True))
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        q = q.where(Event.id == int(value))
    else:
        q = q.where(Event.slug == str(value))
    event = db.session.scalar(q)
    if event is None:
        raise ValidationFailed("Some fields are not valid.",
                               fields={"event": ["Choose one of the published events."]})
    return event


@use_case
def submit_pledge(user: User, raw: Mapping) -> Pledge:
    """Any signed-in user submits a pledge; organizers moderate it before it shows."""
    if user is None:
        raise Forbidden("Sign in to submit a pledge.")
    data = clean_pledge(raw, require_smart=True)
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
    """An organizer records a pledge for their event (published at once when asked)."""
    if event is None and not (actor and actor.is_admin):
        raise Forbidden("Only administrators record pledges not tied to an event.")
    data = clean_pledge(raw)
    begin_write()
    pledge = Pledge(state=PledgeState.SUBMITTED, event_id=event.id if event else None,
                    submitted_by_id=None)
    db.session.add(pledge)
    apply_input(pledge, data)
    if announcement is not None:
        if event is None:
            raise ValidationFailed("Some fields are not valid.",
                                   fields={"session_id": ["Pledges are announced at an event."]})
        _announce(pledge, actor, event, announcement.get("session_id"),
                  announcement.get("announced_by_id"), announcement.get("announced_at"))
    elif publish:
        _publish(pledge, actor)
    return pledge


@use_case
def update_pledge(actor: User, pledge_id: int, raw: Mapping, *, partial: bool = True) -> Pledge:
    """Change a pledge's content (its organizers); with ``partial`` only the keys given."""
    pledge = managed_pledge(actor, pledge_id)
    merged = pledge_to_raw(pledge) if partial else {}
    if partial and any(k in raw for k in ("entity_name", "entity_sector", "entity_country",
                                          "partners")):
        merged.pop("entities", None)
    merged.update(raw)
    data = clean_pledge(merged)
    pledge = _lock_pledge(pledge_id)
    apply_input(pledge, data)
    return pledge


# ---------------------------------------------------------------- announcing

def _as_int(value, key: str, what: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Some fields are not valid.",
                               fields={key: [f"{what} must be given by its number."]}) from None


def _announced_at(value, event: Event) -> datetime:
    """When it was announced, in UTC: through eventsapp.instants (the one year range and
    DST rule); without an offset it is the event's local time."""
    if value in (None, ""):
        return utcnow()
    try:
        if isinstance(value, datetime):
            return naive_local_to_utc(value, event.timezone)
        if not isinstance(value, str):
            raise InvalidInstant("Give a date and time like 2022-06-07T15:30 (event time).")
        return parse_iso(value, event.timezone)
    except InvalidInstant as exc:
        raise ValidationFailed(str(exc), fields={"announced_at": [str(exc)]}) from None


def check_announcement(event: Event, session_id, announcer_id) -> tuple[ProgrammeSession, Person | None]:
    """The session (of this event) and the announcer (one of its people)."""
    sid = _as_int(session_id, "session_id", "The session")
    if sid is None:
        raise ValidationFailed("Some fields are not valid.",
                               fields={"session_id": ["Choose the session where it was announced."]})
    session = db.session.get(ProgrammeSession, sid)
    if session is None or session.event_id != event.id:
        raise ValidationFailed("Some fields are not valid.",
                               fields={"session_id": ["That session is not part of this event."]})
    pid = _as_int(announcer_id, "announced_by_id", "The announcer")
    people = set(db.session.scalars(sa.select(SessionRole.person_id)
                                     .where(SessionRole.session_id == session.id)))
    if pid is None:
        if people:
            raise ValidationFailed("Some fields are not valid.", fields={
                "announced_by_id": ["Choose who announced it (one of the session's people)."]})
        return session, None
    if pid not in people:
        raise ValidationFailed("Some fields are not valid.", fields={
            "announced_by_id": ["The announcer must be one of this session's people."]})
    return session, db.session.get(Person, pid)


def _publish(pledge: Pledge, actor: User | None) -> None:
    now = utcnow()
    pledge.state = PledgeState.PUBLISHED
    pledge.decline_reason = ""
    pledge.published_at = pledge.published_at or now
    pledge.moderated_by_id = actor.id if actor else None
    pledge.moderated_at = now
    pledge.updated_at = now


def _announce(pledge: Pledge, actor: User, event: Event, session_id, announcer_id,
              announced_at=None) -> None:
    session, person = check_announcement(event, session_id, announcer_id)
    pledge.event_id = event.id
    pledge.session_id = session.id
    pledge.announced_by_id = person.id if person else None
    pledge.announced_at = _announced_at(announced_at, event)
    _publish(pledge, actor)


@use_case
def announce_pledge(actor: User, pledge_id: int, event: Event, session_id, announcer_id,
                    announced_at=None) -> Pledge:
    """Announce = publish and link to the session (and person) where it was made."""
    pledge = managed_pledge(actor, pledge_id)
    if pledge.event_id is not None and pledge.event_id != event.id:
        raise ValidationFailed("Some fields are not valid.",
                               fields={"pledge_id": ["That pledge belongs to another event."]})
    pledge = _lock_pledge(pledge_id)
    if pledge.state == PledgeState.DECLINED:
        raise Conflict("This pledge was declined; publish it from moderation first.")
    _announce(pledge, actor, event, session_id, announcer_id, announced_at)
    if pledge.submitted_by is not None:
        subject, text = mails.render("announced", pledge, event=event)
        queue_mail(to=pledge.submitted_by.email, subject=subject, text=text,
                   kind="pledge_published", event_id=event.id)
    return pledge


# ---------------------------------------------------------------- moderation

@use_case
def moderate(actor: User, pledge_id: int, action: str, reason: str = "") -> Pledge:
    """Publish or decline (with a reason) a pledge; the submitter is told by mail."""
    pledge = managed_pledge(actor, pledge_id)
    action = (action or "").strip().lower()
    reason = (reason or "").strip()
    if action not in ("publish", "decline"):
        raise ValidationFailed("Some fields are not valid.",
                               fields={"action": ["Choose publish or decline."]})
    if action == "decline" and not reason:
        raise ValidationFailed("Some fields are not valid.", fields={
            "reason": ["Say why the pledge is declined; the submitter will read it."]})
    if len(reason) > 2000:
        raise ValidationFailed("Some fields are not valid.",
                               fields={"reason": ["The reason is too long (at most 2000 characters)."]})
    pledge = _lock_pledge(pledge_id)
    if action == "publish":
        _publish(pledge, actor)
        subject, text = mails.render("published", pledge)
    else:
        now = utcnow()
        pledge.state = PledgeState.DECLINED
        pledge.decline_reason = reason
        pledge.moderated_by_id = actor.id
        pledge.moderated_at = now
        pledge.updated_at = now
        subject, text = mails.render("declined", pledge)
    if pledge.submitted_by is not None:
        queue_mail(to=pledge.submitted_by.email, subject=subject, text=text,
                   kind=f"pledge_{action}d" if action == "decline" else "pledge_published",
                   event_id=pledge.event_id)
    return pledge


# ---------------------------------------------------------------- progress reports

@dataclass
class ReportInput:
    reported_on: date
    status: str
    percent_complete: int
    amount_disbursed_usd: Decimal | None
    narrative: str


def clean_report(raw: Mapping, today: date | None = None) -> ReportInput:
    errors = _Errors()
    today = today or date.today()
    status = vocab.normalize(raw.get("status"), vocab.PROGRESS_STATUSES)
    if status is None:
        errors.add("status", "Choose a status: " + ", ".join(vocab.PROGRESS_STATUSES.values()) + ".")
    percent = _int(raw.get("percent_complete"), "percent_complete", errors, lo=0, hi=100,
                   message="The percentage must be a whole number from 0 to 100.")
    if percent is None and not errors.get("percent_complete"):
        percent = 100 if status == "completed" else 0
    disbursed = parse_amount(raw.get("amount_disbursed_usd"), "amount_disbursed_usd", errors,
                             what="The amount disbursed")
    narrative = _text(raw, "narrative", errors, max_len=20000, what="The narrative")
    value = raw.get("reported_on")
    reported_on = today
    if isinstance(value, date) and not isinstance(value, datetime):
        reported_on = value
    elif value not in (None, ""):
        try:
            reported_on = date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add("reported_on", "Give the date as YYYY-MM-DD.")
    if reported_on > today:
        errors.add("reported_on", "The report date cannot be in the future.")
    elif reported_on.year < 2000:
        errors.add("reported_on", "Give the date as YYYY-MM-DD.")
    if errors:
        raise ValidationFailed("Some fields are not valid.", fields=dict(errors))
    return ReportInput(reported_on, status, percent, disbursed, narrative)


def _add_report(pledge: Pledge, data: ReportInput, user: User | None, via_link: bool) -> PledgeReport:
    if pledge.state != PledgeState.PUBLISHED:
        raise Conflict("Progress is reported on published pledges only.")
    report = PledgeReport(pledge_id=pledge.id, reported_on=data.reported_on,
                          status=ProgressStatus(data.status),
                          percent_complete=data.percent_complete,
                          amount_disbursed_usd=data.amount_disbursed_usd,
                          narrative=data.narrative, submitted_by_id=user.id if user else None,
                          via_update_link=via_link)
    db.session.add(report)
    db.session.flush()
    # The status is the latest report's (by date, then by filing order).
    latest = db.session.execute(
        sa.select(PledgeReport.reported_on, PledgeReport.status)
        .where(PledgeReport.pledge_id == pledge.id)
        .order_by(PledgeReport.reported_on.desc(), PledgeReport.id.desc()).limit(1)).one()
    pledge.last_report_on, pledge.progress_status = latest.reported_on, latest.status
    pledge.updated_at = utcnow()
    return report


@use_case
def file_report(user: User, pledge_id: int, raw: Mapping) -> PledgeReport:
    """The submitting account (or an organizer) reports progress."""
    pledge = visible_pledge(user, pledge_id)
    if not can_report_on_pledge(user, pledge):
        raise Forbidden("Only the pledge's submitter or its organizers report progress.")
    data = clean_report(raw)
    pledge = _lock_pledge(pledge_id)
    report = _add_report(pledge, data, user, via_link=False)
    return report


def pledge_for_update_token(token: str | None) -> Pledge | None:
    """The published pledge a private update link belongs to, or None (forged, revoked)."""
    if not token or len(token) > 200:
        return None
    pledge = db.session.scalar(sa.select(Pledge).where(
        Pledge.update_token_hash == hash_token(token)))
    if pledge is None or pledge.state != PledgeState.PUBLISHED:
        return None
    return pledge


@use_case
def file_report_with_link(token: str, raw: Mapping) -> PledgeReport:
    pledge = pledge_for_update_token(token)
    if pledge is None:
        raise NotFound("This update link is not valid: it may have been replaced by a newer "
                       "link. Ask the organizers for a new one.")
    data = clean_report(raw)
    locked = _lock_pledge(pledge.id)
    if locked.update_token_hash != hash_token(token):  # rotated meanwhile
        raise NotFound("This update link is no longer valid.")
    report = _add_report(locked, data, None, via_link=True)
    return report


def update_link_mail(pledge: Pledge, link: str, *, reminder: bool = False) -> tuple[str, str]:
    return mails.render("update_link_reminder" if reminder else "update_link", pledge, link=link)


def rotate_update_token(pledge: Pledge) -> str:
    """A new update secret for the pledge; the previous link stops working."""
    token = new_token()
    pledge.update_token_hash = hash_token(token)
    pledge.updated_at = utcnow()
    return token


@use_case
def send_update_link(actor: User, pledge_id: int, email: str, base_url: str) -> None:
    """Mail a private update link (a new secret: earlier links are revoked)."""
    pledge = managed_pledge(actor, pledge_id)
    try:
        email = validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationFailed("Some fields are not valid.",
                               fields={"email": ["Enter a valid email address."]}) from None
    pledge = _lock_pledge(pledge_id)
    if pledge.state != PledgeState.PUBLISHED:
        raise Conflict("Update links are sent for published pledges only.")
    token = rotate_update_token(pledge)
    subject, text = update_link_mail(pledge, f"{base_url.rstrip('/')}/pledges/update/{token}")
    queue_mail(to=email, subject=subject, text=text, kind="pledge_update_link",
               event_id=pledge.event_id)
    if not pledge.contact_email:
        pledge.contact_email = email


@use_case
def revoke_update_link(actor: User, pledge_id: int) -> None:
    managed_pledge(actor, pledge_id)
    pledge = _lock_pledge(pledge_id)
    pledge.update_token_hash = None
    pledge.updated_at = utcnow()
