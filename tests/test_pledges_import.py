"""CSV import: a dry run with errors by line; nothing imported until the file is clean."""
from __future__ import annotations

import io

import sqlalchemy as sa

from eventsapp.models import Pledge, PledgeState, PledgingEntity
from eventsapp.pledges import csv_io
from tests.support.pledges_support import make_pledge

HEADER = "title,type,focus_area,amount_usd,entity_name,entity_sector,partners,countries,sdgs,session_id,announced_by\n"


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def _count(db, model=Pledge) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_errors_by_line_and_nothing_imported(app, db, make_user, panel):
    s = panel["session"]
    data = _csv(
        f"Good one,financial,access,1000,Org A,government,,Rwanda,9,{s.id},Mia Moderator",
        "Negative,financial,access,-5,Org B,government,,,,,",
        "Bad area,policy,happiness,,Org C,other,,,,,",
        "Bad sdg,policy,access,,Org D,other,,,42,,",
        f"Other event session,policy,access,,Org E,other,,,,{panel['other_session'].id},",
        f"Stranger,policy,access,,Org F,other,,,,{s.id},Nora Nobody",
        "Good one,financial,access,1000,Org A,government,,,,,",
    )
    organizer = make_user(organizer_of=panel["event"])
    result = csv_io.import_pledges(organizer, data, panel["event"])
    assert result.imported == 0
    by_line = {}
    for line, msg in result.errors:
        by_line.setdefault(line, []).append(msg)
    assert set(by_line) == {3, 4, 5, 6, 7, 8}
    assert "negative" in by_line[3][0] and by_line[3][0].startswith("amount_usd")
    assert by_line[4][0].startswith("focus_area") and by_line[5][0].startswith("sdgs")
    assert "not part of this event" in by_line[6][0]
    assert "session's people" in by_line[7][0]
    assert "line 2" in by_line[8][0]  # the same pledge twice in one file
    assert _count(db) == 0 and _count(db, PledgingEntity) == 0


def test_clean_file_imports_everything_in_one_go(app, db, make_user, panel):
    s = panel["session"]
    data = _csv(
        f"Fibre,financial,access,\"1,000,000\",Org A,government,Org B | academia | France,\"Rwanda; Kenya\",9;4,{s.id},Mia Moderator",
        "Policy,policy,adoption,,Org C,civil society,,,,,",
    )
    organizer = make_user(organizer_of=panel["event"])
    dry = csv_io.import_pledges(organizer, data, panel["event"], dry_run=True)
    assert dry.ok and dry.imported == 0 and len(dry.rows) == 2 and _count(db) == 0
    result = csv_io.import_pledges(organizer, data, panel["event"])
    assert result.imported == 2 and not result.errors
    fibre = db.session.scalar(sa.select(Pledge).where(Pledge.title == "Fibre"))
    assert fibre.state == PledgeState.PUBLISHED and fibre.session_id == s.id
    assert fibre.announced_by_id == panel["moderator"].id
    assert [(pe.entity.name, pe.is_lead) for pe in fibre.entities] == [("Org A", True), ("Org B", False)]
    assert sorted(x.sdg for x in fibre.sdgs) == [4, 9] and str(fibre.amount_usd) == "1000000.00"
    # Importing the same file again is refused: those pledges are already recorded.
    again = csv_io.import_pledges(organizer, data, panel["event"])
    assert again.imported == 0 and again.errors and _count(db) == 2


def test_missing_columns_and_garbage(app, make_user, panel):
    r = csv_io.parse_import(b"name,amount\nx,1\n", panel["event"])
    assert r.errors and "Missing columns" in r.errors[0][1]
    r = csv_io.parse_import(b"\xff\xfe\x00garbage", panel["event"])
    assert r.errors or not r.ok
    assert not csv_io.parse_import(b"", panel["event"]).ok


def test_export_then_import_round_trip(client, db, make_user, make_event, panel):
    make_pledge(panel["event"], title="=cmd|' /C calc'!A0", amount="12.50", countries=["PE"],
                regions=["global"], sdgs=[1, 2], groups=["youth"])
    exported = client.get(f"/events/{panel['event'].slug}/pledges/export.csv").data
    target = make_event()
    admin = make_user(is_admin=True)
    result = csv_io.import_pledges(admin, exported, target)
    assert result.imported == 1, result.errors
    p = db.session.scalar(sa.select(Pledge).where(Pledge.event_id == target.id))
    assert p.title == "=cmd|' /C calc'!A0"  # the export's protective quote is undone on import
    assert {pl.name for pl in p.places} == {"PE", "Global"} and str(p.amount_usd) == "12.50"


def test_import_page_dry_run_then_import(login_as, db, make_user, panel):
    client = login_as(make_user(organizer_of=panel["event"]))
    url = f"/events/{panel['event'].slug}/pledges/import"
    assert client.get(url).status_code == 200
    bad = _csv("X,financial,access,-1,Org,other,,,,,")
    resp = client.post(url, data={"action": "check", "file": (io.BytesIO(bad), "p.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422 and "nothing was imported" in resp.data.decode()
    assert "cannot be negative" in resp.data.decode()
    good = _csv("Y,financial,access,10,Org,other,,,,,")
    resp = client.post(url, data={"action": "check", "file": (io.BytesIO(good), "p.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200 and "1 pledge ready" in resp.data.decode()
    assert _count(db) == 0
    resp = client.post(url, data={"action": "import", "csv_text": good.decode()})
    assert resp.status_code == 302 and _count(db) == 1
