"""The dry run applies exactly the import's checks: what it passes, the import takes;
what it refuses, the import refuses with the same messages, writing nothing."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from eventsapp.instants import RANGE_MESSAGE
from eventsapp.models import Pledge, PledgeReport, PledgingEntity
from eventsapp.pledges import csv_io

HEADER = "title,type,focus_area,amount_usd,entity_name,entity_sector,announced_at,target_year,sdgs"
BAD_LINES = {
    2: "Year one,financial,access,,Org 1,other,0001-01-01T10:00,,",
    3: "Year 9999,financial,access,,Org 2,other,9999-12-31T23:00,,",
    4: "Offset overflow,financial,access,,Org 3,other,0001-01-01T00:30+14:00,,",
    5: f"Huge year,financial,access,,Org 4,other,,{10**30},",
    6: f"Huge sdg,financial,access,,Org 5,other,,,{2**40}",
    7: "Nul \x00 title,financial,access,,Org 6,other,,,",
    8: "Lone \ud800 surrogate,financial,access,,Org 7,other,,,",
    9: "Guarded,financial,access,'-5,Org 8,other,,,",
}
EXPECTED = {2: "announced_at: " + RANGE_MESSAGE, 3: "announced_at: " + RANGE_MESSAGE,
            4: "announced_at: " + RANGE_MESSAGE, 5: "target_year:", 6: "sdgs:",
            7: "title: This text contains a NUL", 8: "title: This text contains an invalid",
            9: "amount_usd: The amount cannot be negative."}
GOOD = "Fine,policy,adoption,10,Org 9,academia,2022-06-07T15:30,2030,4"


def _counts(db) -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Pledge, PledgingEntity, PledgeReport))


def _text(*lines: str) -> str:
    return HEADER + "\r\n" + "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("line", sorted(BAD_LINES))
def test_each_bad_value_refused_by_dry_run_and_import_alike(db, make_user, panel, line):
    organizer = make_user(organizer_of=panel["event"])
    text = _text(GOOD, BAD_LINES[line]).replace("\r\n" + BAD_LINES[line],
                                                 "\r\n" + BAD_LINES[line])
    before = _counts(db)
    dry = csv_io.import_pledges(organizer, text, panel["event"], dry_run=True)
    real = csv_io.import_pledges(organizer, text, panel["event"])
    assert dry.errors == real.errors and real.imported == 0 and dry.imported == 0
    assert [ln for ln, _ in dry.errors] == [3]  # the good line is 2, the bad one 3
    assert dry.errors[0][1].startswith(EXPECTED[line]), dry.errors
    assert _counts(db) == before


def test_all_bad_lines_at_once_reported_by_line(db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    text = _text(*(BAD_LINES[n] for n in sorted(BAD_LINES)))
    before = _counts(db)
    dry = csv_io.import_pledges(organizer, text, panel["event"], dry_run=True)
    real = csv_io.import_pledges(organizer, text, panel["event"])
    assert dry.errors == real.errors
    by_line = {ln: msg for ln, msg in dry.errors}
    assert set(by_line) == set(BAD_LINES)
    for n, prefix in EXPECTED.items():
        assert by_line[n].startswith(prefix), (n, by_line[n])
    assert _counts(db) == before


def test_what_the_dry_run_passes_the_import_takes(db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    text = _text(GOOD, "Edge,policy,access,,Org 10,other,2100-12-31T10:00+00:00,2100,17")
    dry = csv_io.import_pledges(organizer, text, panel["event"], dry_run=True)
    assert dry.ok and _counts(db)[0] == 0
    real = csv_io.import_pledges(organizer, text, panel["event"])
    assert real.imported == 2 and not real.errors and _counts(db)[0] == 2
    fine = db.session.scalar(sa.select(Pledge).where(Pledge.title == "Fine"))
    assert fine.published_at.isoformat() == "2022-06-07T13:30:00+00:00"  # Kigali time


def test_html_import_route_never_500(login_as, db, make_user, panel):
    client = login_as(make_user(organizer_of=panel["event"]))
    url = f"/events/{panel['event'].slug}/pledges/import"
    lines = [BAD_LINES[n] for n in sorted(BAD_LINES) if n != 8]  # no surrogate in bytes
    data = _text(*lines).encode()
    before = _counts(db)
    for action in ("check", "import"):
        resp = client.post(url, data={"action": action, "file": (io.BytesIO(data), "p.csv")},
                           content_type="multipart/form-data")
        assert resp.status_code == 422, resp.status_code
        page = resp.data.decode()
        assert "nothing was imported" in page and RANGE_MESSAGE in page
    assert _counts(db) == before


@pytest.mark.parametrize("when", ["0001-01-01T10:00", "9999-12-31T23:00",
                                  "0001-01-01T00:30+14:00", "2100-12-31T23:30-02:00"])
def test_api_announced_at_out_of_range_is_422(client, db, make_user, api_token, panel, when):
    h = api_token(make_user(organizer_of=panel["event"]))
    body = {"title": "T", "type": "policy", "focus_area": "access",
            "entities": [{"name": "Never Created", "sector": "other"}],
            "announcement": {"session_id": panel["session"].id,
                             "announced_by_id": panel["moderator"].id, "announced_at": when}}
    resp = client.post(f"/api/v1/events/{panel['event'].slug}/pledges", json=body, headers=h)
    assert resp.status_code == 422, resp.get_json()
    fields = resp.get_json()["error"]["fields"]
    assert any(k.endswith("announced_at") for k in fields), fields
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 0


def test_api_announce_out_of_range_is_422(client, db, make_user, api_token, panel):
    from eventsapp.models import PledgeState
    from tests.support.pledges_support import make_pledge

    pledge = make_pledge(panel["event"], state=PledgeState.SUBMITTED)
    h = api_token(make_user(organizer_of=panel["event"]))
    resp = client.post(f"/api/v1/pledges/{pledge.id}/announce", headers=h,
                       json={"session_id": panel["session"].id,
                             "announced_by_id": panel["moderator"].id,
                             "announced_at": "9999-01-01T00:00"})
    assert resp.status_code == 422 and "announced_at" in resp.get_json()["error"]["fields"]
    # A wall-clock time is read in the event's zone, through the same helper.
    resp = client.post(f"/api/v1/pledges/{pledge.id}/announce", headers=h,
                       json={"session_id": panel["session"].id,
                             "announced_by_id": panel["moderator"].id,
                             "announced_at": "2024-06-07T10:00"})
    assert resp.status_code == 200 and resp.get_json()["announced_at"].startswith("2024-06-07T08:00")


def test_service_announced_at_goes_through_instants(db, make_user, panel):
    from eventsapp.errors import ValidationFailed
    from eventsapp.pledges import services
    from tests.support.pledges_support import valid_raw

    organizer = make_user(organizer_of=panel["event"])
    with pytest.raises(ValidationFailed) as exc:
        services.create_pledge(organizer, panel["event"], valid_raw(), announcement={
            "session_id": panel["session"].id, "announced_by_id": panel["moderator"].id,
            "announced_at": "0001-01-01T00:30+14:00"})
    assert exc.value.fields == {"announced_at": [RANGE_MESSAGE]}
    assert _counts(db)[0] == 0
