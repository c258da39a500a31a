"""Fill the benchmark database directly with SQLAlchemy bulk inserts.

Nothing here goes through HTTP: the data the scenarios read (programmes, badges, join
tokens, pledges) is written in a few multi-row INSERTs so a full fill takes seconds.
Rows the scenarios create themselves (registrations of the rush, check-ins, joins)
are left to the app.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from eventsapp.extensions import db
from eventsapp.models import (
    ApiToken,
    Category,
    Event,
    EventFormat,
    EventKind,
    EventRole,
    EventRoleKind,
    FocusArea,
    Modality,
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
    Registration,
    RegistrationStatus,
    RoleKind,
    Room,
    Sector,
    SessionRole,
    SessionType,
    User,
)
from eventsapp.security import hash_token, new_token

ZONE = "Africa/Kigali"
STREAM_URL = "https://stream.invalid/bench/live-session"  # never fetched: only redirected to
COUNTRIES = [("Rwanda", "Africa"), ("Kenya", "Africa"), ("Nigeria", "Africa"),
             ("Senegal", "Africa"), ("Ethiopia", "Africa"), ("Bangladesh", "Asia-Pacific"),
             ("Nepal", "Asia-Pacific"), ("Fiji", "Asia-Pacific"), ("Viet Nam", "Asia-Pacific"),
             ("Bolivia", "Americas"), ("Haiti", "Americas"), ("Peru", "Americas"),
             ("Jordan", "Arab States"), ("Yemen", "Arab States"), ("Kyrgyzstan", "CIS"),
             ("Moldova", "Europe"), ("Albania", "Europe")]
GROUPS = ["Women and girls", "Youth", "Rural communities", "Persons with disabilities",
          "Small businesses", "Older persons", "Schools"]
PILLARS = ["Infrastructure", "Digital skills", "Policy and regulation", "Affordability",
           "Cybersecurity", "E-services"]


@dataclass
class Filled:
    """Ids, slugs and secrets the scenarios need."""

    events: dict[str, str] = field(default_factory=dict)   # role -> slug
    event_ids: dict[str, int] = field(default_factory=dict)  # role -> id
    checkin_tokens: list[str] = field(default_factory=list)  # one per desk
    badge_codes: list[str] = field(default_factory=list)
    join_tokens: list[str] = field(default_factory=list)
    live_session_id: int = 0
    organizer_token: str = ""
    counts: dict[str, int] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _event(slug: str, title: str, *, starts_at: datetime, days: float = 2, **kw) -> Event:
    values = dict(
        slug=slug, title=title, kind=EventKind.ROUNDTABLE, format=EventFormat.HYBRID,
        timezone=ZONE, venue_name="Kigali Convention Centre", city="Kigali", country="Rwanda",
        description="Benchmark event.", starts_at=starts_at,
        ends_at=starts_at + timedelta(days=days), published=True,
        capacity_in_person=None, capacity_online=None,
        registration_opens_at=_now() - timedelta(days=10),
        registration_closes_at=starts_at,
    )
    values.update(kw)
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    return event


def _bulk(model, rows: list[dict], returning: bool = False) -> list[int]:
    """Multi-row INSERT; with ``returning`` the new ids in the order of ``rows``."""
    if not rows:
        return []
    if returning:
        stmt = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(db.session.scalars(stmt, rows))
    db.session.execute(sa.insert(model), rows)
    return []


def _user(email: str, name: str) -> User:
    # Never signed in with: a fixed invalid hash keeps the fill fast.
    user = User(email=email, name=name, password_hash="!bench-no-password")
    db.session.add(user)
    db.session.flush()
    return user


def _api_token(user: User, name: str) -> str:
    plain = "ea_" + new_token(32)
    db.session.add(ApiToken(user=user, name=name, token_hash=hash_token(plain), prefix=plain[:10]))
    return plain


def _programme(event: Event, *, sessions: int, people: int, rooms: int, days: int,
               rng: random.Random, tag: str) -> tuple[list[int], int]:
    """``sessions`` sessions over ``days`` days in ``rooms`` rooms, ``people`` speakers
    spread over them (every person has at least one role)."""
    room_ids = _bulk(Room, [{"event_id": event.id, "name": f"Room {i + 1}", "capacity": 300}
                            for i in range(rooms)], returning=True)
    types = [SessionType.HIGH_LEVEL_PANEL, SessionType.SPOTLIGHT, SessionType.KEYNOTE,
             SessionType.NETWORKING]
    per_day = max(1, -(-sessions // days))
    slots_per_room = max(1, -(-per_day // rooms))
    slot_minutes = max(20, min(90, (10 * 60) // slots_per_room))
    rows = []
    for i in range(sessions):
        day, k = divmod(i, per_day)
        slot, room = divmod(k, rooms)
        start = event.starts_at + timedelta(days=day, minutes=slot * slot_minutes)
        stype = SessionType.OPENING if i == 0 else (
            SessionType.CLOSING if i == sessions - 1 else types[i % len(types)])
        rows.append({
            "event_id": event.id, "type": stype,
            "number": (i // len(types)) + 1 if stype == SessionType.HIGH_LEVEL_PANEL else None,
            "title": f"{tag} session {i + 1}: connecting the last {rng.randint(1, 9)} billion",
            "description": "Ministers, regulators and industry leaders discuss how to bring "
                           "meaningful connectivity to the hardest-to-connect communities. " * 2,
            "room_id": room_ids[room], "starts_at": start,
            "ends_at": start + timedelta(minutes=slot_minutes - 5), "published": True,
            "stream_url": STREAM_URL, "stream_passcode": "bench-passcode",
        })
    session_ids = _bulk(ProgrammeSession, rows, returning=True)
    person_ids = _bulk(Person, [{
        "name": f"{tag} Speaker {i + 1:05d}", "position": "Minister of ICT",
        "organization": f"Organization {i % 400 + 1}", "country": COUNTRIES[i % len(COUNTRIES)][0],
        "bio": "Works on digital inclusion and universal connectivity.",
    } for i in range(people)], returning=True)
    roles, used = [], set()
    for i, pid in enumerate(person_ids):  # everyone once, round robin
        sid = session_ids[i % len(session_ids)]
        used.add((sid, pid))
        roles.append((sid, pid))
    per_session: dict[int, int] = {}
    for sid, pid in roles:
        per_session[sid] = per_session.get(sid, 0) + 1
    rows = []
    for sid, pid in roles:
        pos = per_session[sid] = per_session[sid] - 1
        rows.append({"session_id": sid, "person_id": pid, "position": pos,
                     "role": RoleKind.MODERATOR if pos == 0 else RoleKind.PANELLIST})
    _bulk(SessionRole, rows)
    return session_ids, len(rows)


def fill(scale: dict, rng_seed: int = 8) -> Filled:
    """Write every scenario's data; the caller commits."""
    rng = random.Random(rng_seed)
    out = Filled()
    now = _now()
    later = now.replace(minute=0, second=0) + timedelta(days=30)

    organizer = _user("organizer@bench.example.org", "Bench Organizer")
    out.organizer_token = _api_token(organizer, "bench organizer")

    # Registration rush: two events, registrations created by the scenario itself.
    a = _event("bench-rush-a", "Registration rush A", starts_at=later,
               capacity_in_person=scale["rush_a_capacity"])
    b = _event("bench-rush-b", "Registration rush B", starts_at=later,
               capacity_in_person=scale["rush_b_capacity"])
    w = _event("bench-rush-warm", "Registration warm-up", starts_at=later, capacity_in_person=1000)
    out.events.update(rush_a=a.slug, rush_b=b.slug, rush_warm=w.slug)
    out.event_ids.update(rush_a=a.id, rush_b=b.id, rush_warm=w.id)

    # Programme at two scales.
    kig = _event("bench-programme-kigali", "Programme at the Kigali scale", starts_at=later, days=3)
    _, nroles = _programme(kig, sessions=scale["kigali_sessions"], people=scale["kigali_people"],
                           rooms=3, days=3, rng=rng, tag="Kigali")
    big = _event("bench-programme-large", "Programme at a large-conference scale",
                 starts_at=later, days=5)
    _, nroles_big = _programme(big, sessions=scale["large_sessions"], people=scale["large_people"],
                               rooms=25, days=5, rng=rng, tag="Large")
    out.events.update(prog_kigali=kig.slug, prog_large=big.slug)
    out.event_ids.update(prog_kigali=kig.id, prog_large=big.id)
    out.counts.update(kigali_roles=nroles, large_roles=nroles_big)

    # The door: an event happening now, confirmed in-person registrations with badges,
    # and one check-in staff account (with its own API token) per desk.
    door = _event("bench-door", "The door", starts_at=now - timedelta(hours=2), days=0.5,
                  registration_closes_at=now - timedelta(hours=2))
    for d in range(scale["desks"]):
        staff = _user(f"desk{d + 1}@bench.example.org", f"Desk {d + 1}")
        db.session.add(EventRole(user=staff, event=door, role=EventRoleKind.CHECKIN_STAFF))
        out.checkin_tokens.append(_api_token(staff, f"desk {d + 1}"))
    out.badge_codes = [new_token() for _ in range(scale["badges"])]
    _bulk(Registration, [_registration(door.id, i, Modality.IN_PERSON, badge_code=code, now=now)
                         for i, code in enumerate(out.badge_codes)])
    out.events["door"] = door.slug
    out.event_ids["door"] = door.id

    # The join rush: a session live now, online registrants with join tokens.
    join = _event("bench-join", "The join rush", starts_at=now - timedelta(hours=1), days=0.5,
                  registration_closes_at=now - timedelta(hours=1), stream_url=STREAM_URL,
                  stream_passcode="bench-passcode")
    live = ProgrammeSession(event=join, type=SessionType.HIGH_LEVEL_PANEL, number=1,
                            title="High-Level Panel 1: the live session",
                            starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(minutes=55),
                            stream_url=STREAM_URL, stream_passcode="bench-passcode")
    db.session.add(live)
    db.session.flush()
    out.live_session_id = live.id
    out.join_tokens = [new_token() for _ in range(scale["join_tokens"])]
    _bulk(Registration, [_registration(join.id, i, Modality.ONLINE, join_token=tok, now=now)
                         for i, tok in enumerate(out.join_tokens)])
    out.events["join"] = join.slug
    out.event_ids["join"] = join.id

    # Dashboard: published pledges announced over the sessions of one event.
    pe = _event("bench-pledges", "Pledges dashboard", starts_at=now - timedelta(days=60), days=3,
                registration_closes_at=now - timedelta(days=60))
    db.session.add(EventRole(user=organizer, event=pe, role=EventRoleKind.ORGANIZER))
    session_ids = _bulk(ProgrammeSession, [{
        "event_id": pe.id, "type": SessionType.HIGH_LEVEL_PANEL, "number": i + 1,
        "title": f"High-Level Panel {i + 1}", "starts_at": pe.starts_at + timedelta(hours=i),
        "ends_at": pe.starts_at + timedelta(hours=i, minutes=50), "published": True,
    } for i in range(scale["pledge_sessions"])], returning=True)
    _pledges(pe, session_ids, scale["pledges"], rng, now)
    out.events["pledges"] = pe.slug
    out.event_ids["pledges"] = pe.id
    return out


def _registration(event_id: int, i: int, modality: Modality, *, now: datetime,
                  badge_code: str | None = None, join_token: str | None = None) -> dict:
    return {
        "event_id": event_id, "name": f"Attendee {i + 1:05d}",
        "email": f"attendee{i + 1:05d}.{event_id}@bench.example.org", "organization": "Bench Org",
        "country": "Rwanda", "modality": modality, "category": Category.PARTICIPANT,
        "status": RegistrationStatus.CONFIRMED, "source": "organizer",
        "manage_token_hash": hash_token(new_token()),
        "badge_code": badge_code or new_token(), "join_token": join_token or new_token(),
        "confirmed_at": now,
    }


def _pledges(event: Event, session_ids: list[int], n: int, rng: random.Random,
             now: datetime) -> None:
    n_entities = max(1, n // 5)
    entity_ids = _bulk(PledgingEntity, [{
        "name": f"Pledging entity {i + 1:05d}", "sector": list(Sector)[i % len(Sector)],
        "country": COUNTRIES[i % len(COUNTRIES)][0],
    } for i in range(n_entities)], returning=True)
    types = list(PledgeType)
    areas = list(FocusArea)
    rows = []
    for i in range(n):
        ptype = types[i % len(types)]
        amount = Decimal(rng.randint(10_000, 500_000_000)).quantize(Decimal(1)) \
            if ptype == PledgeType.FINANCIAL or i % 3 == 0 else None
        rows.append({
            "title": f"Pledge {i + 1:05d}: connect {rng.randint(10, 900)} schools",
            "description": "Connect schools and health centres in rural districts.",
            "type": ptype, "amount_usd": amount, "focus_area": areas[i % len(areas)],
            "pillar": PILLARS[i % len(PILLARS)], "targets_ldc": i % 4 == 0,
            "target_year": 2025 + i % 6, "event_id": event.id,
            "session_id": session_ids[i % len(session_ids)],
            "announced_at": event.starts_at + timedelta(hours=i % len(session_ids)),
            "state": PledgeState.PUBLISHED, "published_at": now - timedelta(days=30),
            "moderated_at": now - timedelta(days=30),
        })
    pledge_ids = _bulk(Pledge, rows, returning=True)
    ent, places, groups, sdgs, reports = [], [], [], [], []
    statuses = list(ProgressStatus)
    for i, pid in enumerate(pledge_ids):
        lead = entity_ids[i % len(entity_ids)]
        ent.append({"pledge_id": pid, "entity_id": lead, "is_lead": True})
        if i % 10 == 0 and len(entity_ids) > 1:  # joint pledges
            ent.append({"pledge_id": pid, "entity_id": entity_ids[(i + 1) % len(entity_ids)],
                        "is_lead": False})
        for name, region in rng.sample(COUNTRIES, 1 + i % 2):
            places.append({"pledge_id": pid, "name": name, "region": region})
        for g in rng.sample(GROUPS, 1 + i % 2):
            groups.append({"pledge_id": pid, "group": g})
        for s in rng.sample(range(1, 18), 1 + i % 3):
            sdgs.append({"pledge_id": pid, "sdg": s})
        if i % 2 == 0:
            reports.append({"pledge_id": pid, "reported_on": date.today() - timedelta(days=i % 90),
                            "status": statuses[i % len(statuses)], "percent_complete": (i * 7) % 101,
                            "narrative": "Progress as planned."})
    _bulk(PledgeEntity, ent)
    _bulk(PledgePlace, places)
    _bulk(PledgeBeneficiary, groups)
    _bulk(PledgeSDG, sdgs)
    _bulk(PledgeReport, reports)
    if reports:
        # last_report_on is kept with the reports (see the model); set it the same way.
        db.session.execute(sa.text(
            "UPDATE pledges SET last_report_on = r.d FROM "
            "(SELECT pledge_id, max(reported_on) AS d FROM pledge_reports GROUP BY pledge_id) r "
            "WHERE pledges.id = r.pledge_id"))
