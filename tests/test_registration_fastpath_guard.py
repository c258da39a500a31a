"""The PostgreSQL rush path (``registration.rush_pg``) inserts registrations and their
mail with one statement built from the table objects, bypassing the ORM's flush. Its
column list can no longer drift (it is every column of the tables), but a column the
ORM fills at flush (a default, an onupdate) or a status-dependent value could: so the
same registration is made by both paths and the rows compared, column by column."""
from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    Category,
    EventFormat,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventsapp.registration import rush_pg, services

pytestmark = pytest.mark.postgres_only

# Different by nature between two registrations: identity, secrets, when it was made.
SECRET_OR_IDENTITY = {"id", "event_id", "manage_token_hash", "badge_code", "join_token",
                      "form_nonce"}
MAIL_IDENTITY = {"id", "event_id", "subject", "body_text", "body_html"}


def comparable(row, skip: set[str]) -> dict:
    """Column values, with instants reduced to "set or not" (they are now-ish)."""
    out = {}
    for col in row.__table__.columns:
        if col.name in skip:
            continue
        value = getattr(row, col.name)
        out[col.name] = ("set" if value is not None else None) if isinstance(
            value, datetime) or col.name.endswith("_at") else value
    return out


def make(app, db, event, *, fast: bool, monkeypatch, extra=None, **kw):
    app.config["REGISTRATION_FAST_PATH"] = fast
    calls = []
    real = rush_pg.register_pg

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result)
        return result

    monkeypatch.setattr(rush_pg, "register_pg", spy)
    result = services.register(event.id, {
        "name": "Ada Lovelace", "email": "ada@example.org", "modality": "in_person",
        "organization": "ITU", "position": "Engineer", "country": "Rwanda",
        "stakeholder_type": "academia", "needs": "Step-free access", "consent_listed": True,
        **(extra or {}),
    }, **kw)
    assert result.registration is not None
    returned = comparable(result.registration, set())
    # The path that was meant to run did run, and decided alone.
    if fast:
        assert len(calls) == 1 and isinstance(calls[0], services.RegisterResult)
    else:
        assert calls == []
    db.session.rollback()
    reg = db.session.scalar(sa.select(Registration).where(Registration.event_id == event.id))
    mail = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.event_id == event.id))
    assert reg is not None and mail is not None
    # What the caller got back is what was written (the fast path builds it by hand).
    assert returned == comparable(reg, set())
    return reg, mail


@pytest.mark.parametrize("case", ["confirmed", "waitlisted", "pending", "press_pending",
                                  "press_confirmed"])
def test_fast_path_writes_what_the_general_path_writes(app, db, make_event, monkeypatch, case):
    kw = {"if_full": services.IfFull.WAITLIST}
    opts = {"format": EventFormat.HYBRID}
    extra = {}
    if case == "waitlisted":
        opts["capacity_in_person"] = 0
    if case == "pending":
        opts["registration_requires_approval"] = True
    if case.startswith("press"):  # approval per category: press waits, participants do not
        opts["public_categories"] = frozenset({Category.PARTICIPANT, Category.PRESS})
        opts["approval_categories"] = frozenset({Category.PRESS})
        extra = {"category": "press"} if case == "press_pending" else {}
    rows = []
    for fast in (False, True):
        event = make_event(**opts)
        rows.append(make(app, db, event, fast=fast, monkeypatch=monkeypatch, extra=extra, **kw))
    (slow_reg, slow_mail), (fast_reg, fast_mail) = rows
    assert slow_reg.status is RegistrationStatus(case.removeprefix("press_"))
    assert slow_reg.category is (Category.PRESS if extra else Category.PARTICIPANT)
    assert comparable(fast_reg, SECRET_OR_IDENTITY) == comparable(slow_reg, SECRET_OR_IDENTITY)
    assert comparable(fast_mail, MAIL_IDENTITY) == comparable(slow_mail, MAIL_IDENTITY)
