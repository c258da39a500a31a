"""Export -> import into another event -> export: the same CSV.

Columns that differ by design: ``id``, ``created_at`` and ``updated_at`` (the target
database assigns them), ``event`` (the event imported into) and ``submitted_by_email``
(an account of the source database; the import does not attach accounts). Only the
latest progress report is exported, so only it comes back (without its narrative).
"""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa

from eventsapp.models import Pledge, PledgeReport, PledgeState, ProgressStatus
from eventsapp.pledges import csv_io
from tests.support.pledges_support import entity, make_pledge

VARYING = {"id", "event", "created_at", "updated_at", "submitted_by_email"}


def _rows(text: str) -> list[dict]:
    assert text.startswith("\ufeff")  # the one writer's BOM
    rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    return [{k: v for k, v in r.items() if k not in VARYING} for r in rows]


def _seed(event) -> None:
    p = make_pledge(event, title="=Fibre to 500 schools", amount="2500000.50",
                    countries=["RW", "NP"], regions=["global"], sdgs=[4, 9],
                    groups=["youth", "women_girls"], is_sample=True,
                    published_at=datetime(2022, 6, 7, 13, 30, tzinfo=UTC),
                    entities=[entity("Acme RT"), entity("-Partner RT")], commit=False)
    p.target_year, p.indicator, p.pillar = 2030, "Schools connected", "infrastructure"
    p.contact_email, p.description = "pledger@example.org", "+ multi\nline"
    p.targets_ldc = True  # Nepal is a least developed country: the rule every input applies
    p.reports.append(PledgeReport(reported_on=date(2023, 5, 1), status=ProgressStatus.IN_PROGRESS,
                                  percent_complete=40, amount_disbursed_usd=Decimal("1000.00")))
    p.last_report_on, p.progress_status = date(2023, 5, 1), ProgressStatus.IN_PROGRESS
    make_pledge(event, title="Waiting", state=PledgeState.SUBMITTED, amount=None,
                entities=[entity("Waiting Org RT")], commit=False)
    d = make_pledge(event, title="Declined one", state=PledgeState.DECLINED,
                    entities=[entity("Declined Org RT")], commit=False)
    d.decline_reason = "Not a pledge"
    from eventsapp.extensions import db

    db.session.commit()


def test_private_export_reimports_losslessly(login_as, db, make_user, make_event):
    source, target = make_event(), make_event()
    _seed(source)
    organizer = make_user(organizer_of=[source, target])
    client = login_as(organizer)
    first = client.get(f"/events/{source.slug}/pledges/manage/export.csv")
    assert first.status_code == 200
    text = first.data.decode("utf-8")
    result = csv_io.import_pledges(organizer, text, target)
    assert result.imported == 3, result.errors
    second = client.get(f"/events/{target.slug}/pledges/manage/export.csv").data.decode("utf-8")
    assert _rows(second) == _rows(text), _diff(_rows(second), _rows(text))
    fibre = db.session.scalar(sa.select(Pledge).where(Pledge.event_id == target.id,
                                                      Pledge.title == "=Fibre to 500 schools"))
    assert fibre.is_sample and fibre.progress_status == ProgressStatus.IN_PROGRESS
    assert [(r.reported_on, r.percent_complete) for r in fibre.reports] == [(date(2023, 5, 1), 40)]


def test_public_export_reimports_losslessly(client, login_as, db, make_user, make_event):
    source, target = make_event(), make_event()
    _seed(source)
    first = client.get(f"/events/{source.slug}/pledges/export.csv").data.decode("utf-8")
    organizer = make_user(organizer_of=[target])
    result = csv_io.import_pledges(organizer, first, target)
    assert result.imported == 1, result.errors
    second = client.get(f"/events/{target.slug}/pledges/export.csv").data.decode("utf-8")
    assert _rows(second) == _rows(first), _diff(_rows(second), _rows(first))


def _diff(a, b):
    return [(i, k, x.get(k), y.get(k)) for i, (x, y) in enumerate(zip(a, b, strict=True))
            for k in x if x.get(k) != y.get(k)]
