"""Sample pledges for the demo: plainly marked ("Sample pledge ...", "Sample Entity N",
is_sample=True), announced at the Kigali and Geneva sessions by their people, some with
progress reports, so that the dashboard has something to show. They are invented."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Event,
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
    ProgrammeSession,
    ProgressStatus,
    Sector,
    User,
)
from . import vocab

KIGALI, GENEVA, UPCOMING = "p2c-roundtable-kigali-2022", "p2c-annual-meeting-2023", \
    "sample-digital-roundtable"
N_ENTITIES = 40
N_KIGALI, N_GENEVA = 72, 24
ACTIONS = ["connect schools", "train young people in digital skills", "extend rural broadband",
           "lower the cost of mobile data", "support digital start-ups",
           "build a national cybersecurity team", "digitize public services",
           "connect health centres", "fund community networks", "open innovation hubs"]
COUNTRIES = ["RW", "KE", "UG", "ET", "SN", "NP", "BD", "HT",  # ISO 3166-1 alpha-2
             "PE", "VN", "JO", "KG", "TZ", "MW", "FJ"]


def register() -> None:
    from ..demo import register_demo_loader

    register_demo_loader("pledges", load_sample_pledges)


def _entities(created: list[str]) -> list[PledgingEntity]:
    names = [f"Sample Entity {n}" for n in range(1, N_ENTITIES + 1)]
    found = {e.name: e for e in db.session.scalars(
        sa.select(PledgingEntity).where(PledgingEntity.name.in_(names)))}
    sectors = list(Sector)
    out = []
    for i, name in enumerate(names):
        e = found.get(name)
        if e is None:
            e = PledgingEntity(name=name, sector=sectors[i % len(sectors)],
                               country=COUNTRIES[i % len(COUNTRIES)], is_sample=True)
            db.session.add(e)
        out.append(e)
    if len(found) < len(names):
        created.append(f"{len(names) - len(found)} sample pledging entities")
    return out


def _focus_of(session: ProgrammeSession, rng: random.Random) -> tuple[str, str]:
    """The focus area and pillar a sample panel's title names ("Access: affordability")."""
    head, _, rest = session.title.partition(":")
    area = vocab.normalize(head, vocab.FOCUS_AREAS)
    if area:
        for key, label in vocab.PILLARS[area].items():
            if label.lower().split()[0] in rest.lower():
                return area, key
        return area, next(iter(vocab.PILLARS[area]))
    area = rng.choice(list(vocab.PILLARS))
    return area, rng.choice(list(vocab.PILLARS[area]))


def _make(n: int, code: str, rng: random.Random, entities, session, today: date,
          existing: set[str]) -> Pledge | None:
    action = ACTIONS[n % len(ACTIONS)]
    title = f"Sample pledge {code}-{n:03d}: {action}"
    if title in existing:
        return None
    area, pillar = _focus_of(session, rng)
    type_ = [PledgeType.FINANCIAL, PledgeType.PROGRAMMATIC, PledgeType.FINANCIAL,
             PledgeType.POLICY, PledgeType.ADVOCACY][n % 5]
    amount = None
    if type_ == PledgeType.FINANCIAL:
        amount = Decimal(rng.choice([5, 10, 25, 50, 120, 250, 400, 900])) * 1_000_000
    elif type_ == PledgeType.PROGRAMMATIC and n % 2:
        amount = Decimal(rng.choice([250, 500, 750, 2000])) * 1000
    people = [r.person for r in session.roles]
    when = session.starts_at + timedelta(minutes=5 + (n * 7) % 50)
    countries = rng.sample(COUNTRIES, k=1 + n % 3)
    pledge = Pledge(
        title=title, is_sample=True, state=PledgeState.PUBLISHED, type=type_,
        description=f"Invented for the demo: a sample pledge to {action}.",
        focus_area=FocusArea(area), pillar=pillar, amount_usd=amount,
        indicator=f"Number of people reached by the effort to {action}.",
        target_year=2026 + n % 5, targets_ldc=any(c in vocab.LDCS for c in countries),
        event_id=session.event_id, session_id=session.id,
        announced_by_id=people[n % len(people)].id if people else None,
        announced_at=when, published_at=when, moderated_at=when,
    )
    lead = entities[n % len(entities)]
    pledge.entities.append(PledgeEntity(entity=lead, is_lead=True))
    if n % 4 == 0:
        pledge.entities.append(PledgeEntity(entity=entities[(n * 7 + 3) % len(entities)],
                                            is_lead=False))
    for c in countries:
        pledge.places.append(PledgePlace(name=c, region=vocab.COUNTRY_REGION[c]))
    if n % 6 == 0:
        pledge.places.append(PledgePlace(name="Global", region="global"))
    groups = list(vocab.BENEFICIARY_GROUPS)
    for g in {groups[n % len(groups)], groups[(n * 3 + 1) % len(groups)]}:
        pledge.beneficiaries.append(PledgeBeneficiary(group=g))
    for s in {9, [4, 5, 8, 10, 17][n % 5]}:
        pledge.sdgs.append(PledgeSDG(sdg=s))
    # Reporting history: a third reported recently, a third over a year ago, a third never.
    kind = n % 3
    if kind in (0, 1):
        on = today - timedelta(days=90 + n % 60) if kind == 0 else today - timedelta(days=420 + n)
        on = max(on, when.date())
        status = [ProgressStatus.IN_PROGRESS, ProgressStatus.PLANNING,
                  ProgressStatus.COMPLETED, ProgressStatus.STALLED][n % 4]
        pct = {"completed": 100, "planning": 5, "stalled": 30}.get(status.value, 20 + n % 60)
        pledge.reports.append(PledgeReport(
            reported_on=on, status=status, percent_complete=pct,
            amount_disbursed_usd=(amount * pct / 100).quantize(Decimal("0.01")) if amount else None,
            narrative="Sample progress report, invented for the demo."))
        pledge.last_report_on, pledge.progress_status = on, status
    return pledge


def load_sample_pledges(created: list[str]) -> None:
    """Add the sample pledges that are missing (idempotent; the caller commits)."""
    events = {e.slug: e for e in db.session.scalars(
        sa.select(Event).where(Event.slug.in_([KIGALI, GENEVA, UPCOMING])))}
    if not events:
        return
    existing = set(db.session.scalars(sa.select(Pledge.title).where(
        Pledge.is_sample.is_(True), Pledge.title.like("Sample pledge %"))))
    entities = _entities(created)
    db.session.flush()
    rng = random.Random(2022)
    today = date.today()
    added = 0
    for slug, code, count in ((KIGALI, "K", N_KIGALI), (GENEVA, "G", N_GENEVA)):
        event = events.get(slug)
        if event is None:
            continue
        sessions = [s for s in db.session.scalars(
            sa.select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
            .options(selectinload(ProgrammeSession.roles))
            .order_by(ProgrammeSession.starts_at)) if s.roles]
        if not sessions:
            continue
        weights = [{"high_level_panel": 3, "opening": 4}.get(s.type.value, 1) * (1 + i % 3)
                   for i, s in enumerate(sessions)]
        for n in range(1, count + 1):
            # Panels mobilize more than other sessions: weight the choice towards them.
            session = rng.choices(sessions, weights=weights)[0]
            pledge = _make(n, code, rng, entities, session, today, existing)
            if pledge is not None:
                db.session.add(pledge)
                added += 1
    upcoming = events.get(UPCOMING)
    attendee = db.session.scalar(sa.select(User).where(User.email == "attendee@example.org"))
    if upcoming is not None:
        for n, (title, area) in enumerate([
                ("Sample pledge U-001: connect 200 rural schools", "access"),
                ("Sample pledge U-002: digital skills for 10,000 young women", "adoption"),
                ("Sample pledge U-003: a fund for local digital start-ups", "value_creation")], 1):
            if title in existing:
                continue
            p = Pledge(title=title, is_sample=True, state=PledgeState.SUBMITTED,
                       type=PledgeType.PROGRAMMATIC, focus_area=FocusArea(area),
                       description="Invented for the demo: submitted, waiting to be announced "
                                   "at the pledge desk.",
                       indicator="Sample indicator", target_year=2028, event_id=upcoming.id,
                       amount_usd=Decimal(n * 1_500_000),
                       submitted_by_id=attendee.id if attendee else None)
            p.entities.append(PledgeEntity(entity=entities[n], is_lead=True))
            db.session.add(p)
            added += 1
    if added:
        created.append(f"{added} sample pledges")
    db.session.flush()
