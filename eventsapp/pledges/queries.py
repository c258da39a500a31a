"""Counters and breakdowns of published pledges, each one SQL query (GROUP BY), so a
dashboard costs a fixed number of queries whatever the number of pledges."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext
from marshmallow import EXCLUDE
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import N_
from ..inputs import load
from ..models import (
    Event,
    Pledge,
    PledgeBeneficiary,
    PledgeEntity,
    PledgePlace,
    PledgeSDG,
    PledgeState,
    PledgingEntity,
    ProgrammeSession,
)
from ..models.pledges import MONEY
from . import vocab
from .schemas import FilterSchema

ACTIVITY = vocab.ACTIVITY
CENT = Decimal("0.01")


def money(value) -> Decimal:
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT)


def years_ago(today: date, n: int) -> date:
    try:
        return today.replace(year=today.year - n)
    except ValueError:  # 29 February
        return today.replace(year=today.year - n, day=28)


# ---------------------------------------------------------------- filters

@dataclass
class Filters:
    event_id: int | None = None
    focus_area: str | None = None
    type: str | None = None
    sector: str | None = None
    region: str | None = None
    sdg: int | None = None
    beneficiary: str | None = None
    activity: str | None = None
    session_id: int | None = None
    event_slug: str | None = None  # for links; event_id is what filters

    def query_args(self) -> dict:
        """The filters as URL query arguments (for links and the CSV export)."""
        out = {k: getattr(self, k) for k in ("focus_area", "type", "sector", "region", "sdg",
                                             "beneficiary", "activity", "session_id")}
        out["session"] = out.pop("session_id")
        return {k: v for k, v in out.items() if v not in (None, "")}

    @property
    def any(self) -> bool:
        return bool(self.query_args())


def parse_filters(args: Mapping, event: Event | None = None) -> Filters:
    """Filters from query arguments (``schemas.FilterSchema``; other arguments are
    ignored); an unknown value is a 422 naming the field."""
    data = load(FilterSchema(unknown=EXCLUDE),
                {k: v for k, v in args.items() if v not in (None, "")})
    f = Filters(event_id=event.id if event else None, event_slug=event.slug if event else None)
    for key in ("focus_area", "type", "sector", "region", "beneficiary", "activity", "sdg"):
        value = data.get(key)
        setattr(f, key, getattr(value, "value", value))
    f.session_id = data.get("session")
    return f


def activity_clauses(today: date | None = None):
    """(overdue-or-worse, inactive) conditions: no report (or, without any, no
    publication) for over one / two years."""
    today = today or date.today()

    def older_than(years: int):
        cutoff = years_ago(today, years)
        cutoff_dt = datetime.combine(cutoff, time(0), tzinfo=UTC)
        return sa.or_(
            sa.and_(Pledge.last_report_on.is_not(None), Pledge.last_report_on < cutoff),
            sa.and_(Pledge.last_report_on.is_(None), Pledge.published_at < cutoff_dt),
        )

    return older_than(1), older_than(2)


def activity_case(today: date | None = None):
    overdue, inactive = activity_clauses(today)
    return sa.case((inactive, "inactive"), (overdue, "overdue"), else_="active")


def visible_events_clause():
    return sa.or_(Pledge.event_id.is_(None),
                  Pledge.event_id.in_(sa.select(Event.id).where(Event.published.is_(True))))


def conditions(f: Filters, today: date | None = None) -> list:
    """WHERE conditions for published pledges matching the filters."""
    conds = [Pledge.state == PledgeState.PUBLISHED]
    if f.event_id is not None:
        conds.append(Pledge.event_id == f.event_id)  # the view checked the event is visible
    else:
        conds.append(visible_events_clause())
    if f.focus_area:
        conds.append(Pledge.focus_area == f.focus_area)
    if f.type:
        conds.append(Pledge.type == f.type)
    if f.session_id:
        conds.append(Pledge.session_id == f.session_id)
    # Uncorrelated IN subqueries: planned once (a correlated EXISTS made SQLite pick the
    # region index and scan it for every pledge).
    if f.sector:
        conds.append(Pledge.id.in_(
            sa.select(PledgeEntity.pledge_id)
            .join(PledgingEntity, PledgingEntity.id == PledgeEntity.entity_id)
            .where(PledgeEntity.is_lead.is_(True), PledgingEntity.sector == f.sector)))
    if f.region:
        conds.append(Pledge.id.in_(sa.select(PledgePlace.pledge_id)
                                   .where(PledgePlace.region == f.region)))
    if f.sdg:
        conds.append(Pledge.id.in_(sa.select(PledgeSDG.pledge_id).where(PledgeSDG.sdg == f.sdg)))
    if f.beneficiary:
        conds.append(Pledge.id.in_(sa.select(PledgeBeneficiary.pledge_id)
                                   .where(PledgeBeneficiary.group == f.beneficiary)))
    if f.activity:
        conds.append(activity_case(today) == f.activity)
    return conds


def _sum(col=Pledge.amount_usd):
    return sa.func.coalesce(sa.func.sum(col), 0, type_=MONEY)


def month_of(col):
    """'YYYY-MM' of a UTC timestamp, in SQL."""
    if db.engine.dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m", col)
    return sa.func.to_char(sa.func.timezone("UTC", col), "YYYY-MM")


# ---------------------------------------------------------------- counters

@dataclass
class Counter:
    pledges: int = 0
    entities: int = 0
    amount_usd: Decimal = Decimal("0.00")

    def as_json(self) -> dict:
        return {"pledges": self.pledges, "entities": self.entities,
                "amount_usd": str(self.amount_usd)}


def counter(f: Filters | None = None, today: date | None = None) -> Counter:
    """Published pledges, distinct entities and USD (two queries)."""
    conds = conditions(f or Filters(), today)
    n, total = db.session.execute(sa.select(sa.func.count(), _sum()).where(*conds)).one()
    entities = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(PledgeEntity.entity_id)))
        .join(Pledge, Pledge.id == PledgeEntity.pledge_id).where(*conds)) or 0
    return Counter(n, entities, money(total))


def event_counter(event: Event) -> Counter:
    return counter(Filters(event_id=event.id))


# ---------------------------------------------------------------- breakdowns

@dataclass
class Row:
    key: str
    label: str
    pledges: int
    amount_usd: Decimal
    extra: dict = field(default_factory=dict)


@dataclass
class Dashboard:
    filters: Filters
    counter: Counter
    activity: list[Row]
    growth: list[Row]  # per month, with cumulative figures in extra
    breakdowns: dict[str, list[Row]]  # dimension -> rows
    sessions: list[Row]
    events: list[Row] = field(default_factory=list)
    samples: int = 0  # how many of the pledges counted are demo samples

    def activity_row(self, key: str) -> Row:
        for r in self.activity:
            if r.key == key:
                return r
        return Row(key, ACTIVITY[key], 0, Decimal("0.00"))


# English titles (msgids): shown through gettext.
BREAKDOWN_TITLES = {
    "focus_area": N_("Focus area"), "type": N_("Type"), "sector": N_("Sector (lead entity)"),
    "region": N_("Region of implementation"), "sdg": N_("Sustainable Development Goal"),
    "beneficiary": N_("Beneficiary group"), "status": N_("Progress status"),
}


def _rows(result, labels, order_by_vocab=None) -> list[Row]:
    rows = [Row(str(k), labels(k), n, money(total)) for k, n, total in result]
    if order_by_vocab is not None:
        order = {str(k): i for i, k in enumerate(order_by_vocab)}
        rows.sort(key=lambda r: order.get(r.key, len(order)))
    else:
        rows.sort(key=lambda r: (-r.pledges, -r.amount_usd, r.label))
    return rows


def _enum_key(value) -> str:
    return getattr(value, "value", value)


def _month_range(months) -> list[str]:
    """Every month from the first to the last of ``months`` ('YYYY-MM'), gaps included."""
    if not months:
        return []
    first, last = min(months), max(months)
    y, m = int(first[:4]), int(first[5:7])
    out: list[str] = []
    while f"{y:04d}-{m:02d}" <= last and len(out) < 1200:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _activity(conds: list, today: date | None) -> tuple[list[Row], int]:
    """Pledges and USD by activity (active, overdue, inactive), and how many are samples."""
    act = activity_case(today).label("activity")
    activity: list[Row] = []
    samples = 0
    for k, is_sample, n, amount in db.session.execute(
            sa.select(act, Pledge.is_sample, sa.func.count(), _sum()).where(*conds)
            .group_by(act, Pledge.is_sample)):
        samples += n if is_sample else 0
        row = next((r for r in activity if r.key == k), None)
        if row is None:
            activity.append(Row(k, ACTIVITY[k], n, money(amount)))
        else:
            row.pledges += n
            row.amount_usd += money(amount)
    activity.sort(key=lambda r: list(ACTIVITY).index(r.key))
    return activity, samples


def _growth(conds: list) -> list[Row]:
    """Pledges and USD per month, with cumulative figures (months without any included)."""
    month = month_of(sa.func.coalesce(Pledge.announced_at, Pledge.published_at)).label("month")
    per_month = {str(m): (n, money(amount)) for m, n, amount in db.session.execute(
        sa.select(month, sa.func.count(), _sum()).where(*conds).group_by(month).order_by(month))
        if m}
    growth: list[Row] = []
    running_n, running_usd = 0, Decimal(0)
    for m in _month_range(per_month):
        n, amount = per_month.get(m, (0, Decimal("0.00")))
        running_n += n
        running_usd += amount
        growth.append(Row(m, m, n, amount,
                          {"cumulative_pledges": running_n, "cumulative_usd": money(running_usd)}))
    return growth


def _by_enum(column, conds: list, vocabulary: dict, order=None) -> list[Row]:
    return _rows(
        ((_enum_key(k), n, t) for k, n, t in db.session.execute(
            sa.select(column, sa.func.count(), _sum()).where(*conds).group_by(column))),
        lambda k: vocab.label(vocabulary, k), order)


def _breakdowns(conds: list, ids) -> dict[str, list[Row]]:
    """Pledges and USD by focus area, type, lead sector, region, SDG, group and status."""
    b: dict[str, list[Row]] = {}
    b["focus_area"] = _by_enum(Pledge.focus_area, conds, vocab.FOCUS_AREAS, vocab.FOCUS_AREAS)
    b["type"] = _by_enum(Pledge.type, conds, vocab.TYPES, vocab.TYPES)
    b["sector"] = _rows(
        ((_enum_key(k), n, t) for k, n, t in db.session.execute(
            sa.select(PledgingEntity.sector, sa.func.count(), _sum())
            .select_from(Pledge)
            .join(PledgeEntity, sa.and_(PledgeEntity.pledge_id == Pledge.id,
                                        PledgeEntity.is_lead.is_(True)))
            .join(PledgingEntity, PledgingEntity.id == PledgeEntity.entity_id)
            .where(*conds).group_by(PledgingEntity.sector))),
        lambda k: vocab.label(vocab.SECTORS, k))
    # A pledge counts once per region, however many of its countries lie there.
    regions = (sa.select(PledgePlace.pledge_id, PledgePlace.region)
               .where(PledgePlace.pledge_id.in_(ids)).distinct().subquery())
    b["region"] = _rows(db.session.execute(
        sa.select(regions.c.region, sa.func.count(), _sum())
        .select_from(regions).join(Pledge, Pledge.id == regions.c.pledge_id)
        .group_by(regions.c.region)), lambda k: vocab.label(vocab.REGIONS, k))
    b["sdg"] = _rows(db.session.execute(
        sa.select(PledgeSDG.sdg, sa.func.count(), _sum())
        .join(Pledge, Pledge.id == PledgeSDG.pledge_id).where(*conds)
        .group_by(PledgeSDG.sdg).order_by(PledgeSDG.sdg)),
        lambda k: vocab.sdg_label(int(k)), [str(n) for n in vocab.SDGS])
    b["beneficiary"] = _rows(db.session.execute(
        sa.select(PledgeBeneficiary.group, sa.func.count(), _sum())
        .join(Pledge, Pledge.id == PledgeBeneficiary.pledge_id).where(*conds)
        .group_by(PledgeBeneficiary.group)), lambda k: vocab.label(vocab.BENEFICIARY_GROUPS, k))
    status = sa.func.coalesce(sa.type_coerce(Pledge.progress_status, sa.String(32)), "none",
                              type_=sa.String(32)).label("status")
    b["status"] = _rows(
        ((_enum_key(k), n, t) for k, n, t in db.session.execute(
            sa.select(status, sa.func.count(), _sum()).where(*conds).group_by(status))),
        lambda k: gettext("No report yet") if k == "none" else vocab.label(vocab.PROGRESS_STATUSES, k),
        ["none", *vocab.PROGRESS_STATUSES])
    return b


def _sessions(conds: list, session_limit: int | None) -> list[Row]:
    """The sessions with the most pledges (then USD)."""
    sq = (sa.select(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.type,
                    ProgrammeSession.number, Event.slug, Event.title.label("event_title"),
                    sa.func.count(Pledge.id).label("n"), _sum().label("total"))
          .join(Pledge, Pledge.session_id == ProgrammeSession.id)
          .join(Event, Event.id == ProgrammeSession.event_id)
          .where(*conds)
          .group_by(ProgrammeSession.id, ProgrammeSession.title, ProgrammeSession.type,
                    ProgrammeSession.number, Event.slug, Event.title)
          .order_by(sa.desc("n"), sa.desc("total"), ProgrammeSession.id))
    if session_limit:
        sq = sq.limit(session_limit)
    sessions = []
    for sid, title, stype, number, slug, event_title, n, amount in db.session.execute(sq):
        label = f"{stype.label} {number}" if number else stype.label
        sessions.append(Row(str(sid), f"{label}: {title}", n, money(amount),
                            {"url": f"/events/{slug}/sessions/{sid}", "event": event_title,
                             "event_slug": slug}))
    return sessions


def _events(conds: list) -> list[Row]:
    """The events with the most pledges."""
    return [Row(slug, title, n, money(amount), {"event_id": eid})
            for eid, slug, title, n, amount in db.session.execute(
                sa.select(Event.id, Event.slug, Event.title, sa.func.count(Pledge.id), _sum())
                .join(Pledge, Pledge.event_id == Event.id).where(*conds)
                .group_by(Event.id, Event.slug, Event.title)
                .order_by(sa.desc(sa.func.count(Pledge.id))))]


def dashboard(f: Filters, today: date | None = None, *, with_events: bool = False,
              session_limit: int | None = 20) -> Dashboard:
    """Every figure of the dashboard, in a fixed number of queries."""
    conds = conditions(f, today)
    ids = sa.select(Pledge.id).where(*conds).scalar_subquery()
    activity, samples = _activity(conds, today)
    entities = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(PledgeEntity.entity_id)))
        .where(PledgeEntity.pledge_id.in_(ids))) or 0
    total = Counter(sum(r.pledges for r in activity), entities,
                    money(sum((r.amount_usd for r in activity), Decimal(0))))
    return Dashboard(filters=f, counter=total, activity=activity, growth=_growth(conds),
                     breakdowns=_breakdowns(conds, ids),
                     sessions=_sessions(conds, session_limit),
                     events=_events(conds) if with_events else [], samples=samples)


# ---------------------------------------------------------------- lists

def pledge_list_query(f: Filters, today: date | None = None):
    """Published pledges matching the filters, newest first, with what a list shows."""
    return (sa.select(Pledge).where(*conditions(f, today))
            .options(selectinload(Pledge.entities).selectinload(PledgeEntity.entity),
                     selectinload(Pledge.session), selectinload(Pledge.event))
            .order_by(sa.func.coalesce(Pledge.announced_at, Pledge.published_at).desc(),
                      Pledge.id.desc()))


def latest_announcements(event: Event, limit: int = 8) -> list[Pledge]:
    """The event's most recently announced (or published) pledges."""
    return list(db.session.scalars(pledge_list_query(Filters(event_id=event.id)).limit(limit)))


def wall_state(event: Event) -> tuple[int, str]:
    """What the wall's ETag derives from, read from the database (so every app process
    computes the same tag): how many are published and the latest change to one of them
    (a pledge leaving the published set changes the count)."""
    n, last = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Pledge.updated_at))
        .where(Pledge.event_id == event.id, Pledge.state == PledgeState.PUBLISHED)).one()
    return n, str(last or "")


def session_pledges(session: ProgrammeSession) -> tuple[list[Pledge], Decimal]:
    """A session's published pledges and their total (fixed number of queries)."""
    f = Filters(event_id=session.event_id, session_id=session.id)
    pledges = list(db.session.scalars(pledge_list_query(f)))
    total = db.session.scalar(sa.select(_sum()).where(*conditions(f)))
    return pledges, money(total)
