"""Read-only registration queries: the organizer's list and its filters, the public
participant list, the event's outbox and counts."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from marshmallow import EXCLUDE, ValidationError

from ..extensions import db
from ..models import (
    Category,
    CheckIn,
    Event,
    Modality,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from .answers import answer_condition
from .schemas import ANSWER_FILTER, FilterSchema

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED, RegistrationStatus.WAITLISTED,
          RegistrationStatus.PENDING)

_FILTERS = FilterSchema(unknown=EXCLUDE)


@dataclass
class Filters:
    q: str = ""
    modality: Modality | None = None
    status: RegistrationStatus | None = None
    category: Category | None = None
    checked_in: bool | None = None
    # (question id, choice key or yes/no): registrants who gave that answer.
    answers: tuple[tuple[int, str], ...] = ()

    @classmethod
    def from_loaded(cls, loaded: Mapping[str, Any]) -> Filters:
        """From values loaded by ``FilterSchema``."""
        return cls(q=loaded.get("q") or "", modality=loaded.get("modality"),
                   status=loaded.get("status"), category=loaded.get("category"),
                   checked_in={"yes": True, "no": False}.get(loaded.get("checked_in") or ""),
                   answers=tuple(loaded.get("answer") or ()))

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> Filters:
        """From the list page's query arguments: a value ``FilterSchema`` refuses is
        ignored (a stale bookmark still shows the list); the API refuses it instead."""
        data: dict[str, Any] = {k: args.get(k) for k in _FILTERS.fields
                                if k != "answer" and args.get(k) is not None}
        getlist = getattr(args, "getlist", None)
        answers = getlist("answer") if getlist else args.get("answer")
        if answers:
            data["answer"] = [a for a in (answers if isinstance(answers, list) else [answers])
                              if a and ANSWER_FILTER.match(str(a))]
        try:
            return cls.from_loaded(_FILTERS.load(data))
        except ValidationError as exc:
            bad = exc.messages if isinstance(exc.messages, dict) else {}
            return cls.from_loaded(_FILTERS.load({k: v for k, v in data.items() if k not in bad}))

    def as_args(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.q:
            out["q"] = self.q
        for key in ("modality", "status", "category"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.value
        if self.checked_in is not None:
            out["checked_in"] = "yes" if self.checked_in else "no"
        if self.answers:
            out["answer"] = [f"{qid}:{value}" for qid, value in self.answers]
        return out


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _country_codes(text: str) -> list[str]:
    """The codes a search may mean: the country it names, if it names one."""
    from ..countries import UnknownCountry, to_code

    try:
        return [to_code(text)]
    except UnknownCountry:
        return []


def registrant_query(event: Event, filters: Filters) -> sa.Select:
    """Registrations of the event matching ``filters``, newest last, with a
    ``checked_in`` column (one query, whatever the number of rows)."""
    checked = sa.exists().where(CheckIn.registration_id == Registration.id)
    q = sa.select(Registration, checked.label("checked_in")).where(Registration.event_id == event.id)
    if filters.q:
        like = f"%{_escape_like(filters.q.lower())}%"
        q = q.where(sa.or_(*(sa.func.lower(col).like(like, escape="\\") for col in (
            Registration.name, Registration.email, Registration.organization)),
            Registration.country.in_(_country_codes(filters.q))))
    if filters.modality is not None:
        q = q.where(Registration.modality == filters.modality)
    if filters.status is not None:
        q = q.where(Registration.status == filters.status)
    if filters.category is not None:
        q = q.where(Registration.category == filters.category)
    if filters.checked_in is not None:
        q = q.where(checked if filters.checked_in else ~checked)
    for condition in answer_condition(event.id, list(filters.answers)):
        q = q.where(condition)
    return q.order_by(Registration.created_at, Registration.id)


@dataclass
class Page:
    """One page of ``registrant_query``: (registration, checked_in) rows."""

    rows: list[tuple[Registration, bool]]
    total: int
    page: int
    pages: int
    per_page: int


def registrant_page(event: Event, filters: Filters, *, page: int, per_page: int,
                    clamp: bool = False) -> Page:
    """A page of the event's registrants (``db.paginate``: a count and a page query).
    ``clamp``: a page past the end shows the last one (the HTML list) instead of none."""
    q = registrant_query(event, filters)
    pager = db.paginate(q, page=page, per_page=per_page, max_per_page=500,
                        error_out=False, count=True)
    if clamp and pager.pages and page > pager.pages:
        pager = db.paginate(q, page=pager.pages, per_page=per_page, max_per_page=500,
                            error_out=False, count=True)
    # db.paginate scalars the first column: the checked_in column is read again in one
    # query for the page's rows.
    regs: list[Registration] = list(pager.items)
    checked = _checked_in({r.id for r in regs})
    return Page([(r, r.id in checked) for r in regs], pager.total or 0, pager.page,
                max(1, pager.pages), per_page)


def _checked_in(ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(CheckIn.registration_id).where(
        CheckIn.registration_id.in_(ids)).distinct()))


def participants(event: Event) -> list[Registration]:
    """The public participant list: confirmed people who agreed to be listed."""
    return list(db.session.scalars(sa.select(Registration).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED,
        Registration.consent_listed.is_(True), Registration.erased_at.is_(None))
        .order_by(sa.func.lower(Registration.name), Registration.id)))


def outbox_for(event: Event, limit: int = 200) -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.event_id == event.id)
                                   .order_by(OutboxMessage.id.desc()).limit(limit)))


def outbox_counts(event: Event) -> dict[OutboxStatus, int]:
    rows = db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                              .where(OutboxMessage.event_id == event.id)
                              .group_by(OutboxMessage.status))
    out = {s: 0 for s in OutboxStatus}
    out.update({s: n for s, n in rows})
    return out


def status_counts(event: Event) -> dict[Modality, dict[RegistrationStatus, int]]:
    """{modality: {status: n}} for the event (one query)."""
    from ..registration_counts import counts_by_modality

    return counts_by_modality(event)
