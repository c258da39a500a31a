"""The pledges API: lists with filters, one pledge, the summary; organizer actions."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from eventsapp.models import Pledge, PledgeState, PledgeType, Sector
from tests.support.pledges_support import entity, make_pledge, valid_raw


def test_summary_shape_for_one_event_and_all(client, panel, make_event):
    make_pledge(panel["event"], amount="1000.25", entities=[entity("A"), entity("B")])
    make_pledge(panel["event"], amount=None, entities=[entity("A")])
    make_pledge(panel["other_event"], amount="10", entities=[entity("C")])
    make_pledge(panel["event"], amount="999", state=PledgeState.SUBMITTED)
    one = client.get(f"/api/v1/pledges/summary?event={panel['event'].slug}")
    assert one.status_code == 200
    assert one.get_json() == {"pledges": 2, "entities": 2, "amount_usd": "1000.25"}
    assert Decimal(one.get_json()["amount_usd"]) == Decimal("1000.25")
    assert client.get("/api/v1/pledges/summary").get_json() == {
        "pledges": 3, "entities": 3, "amount_usd": "1010.25"}
    assert client.get("/api/v1/pledges/summary?event=nope").status_code == 404
    draft = make_event(published=False)
    assert client.get(f"/api/v1/pledges/summary?event={draft.slug}").status_code == 404


def test_event_list_filters(client, panel):
    s = panel["session"]
    make_pledge(panel["event"], session=s, announced_by=panel["moderator"], title="At the panel")
    make_pledge(panel["event"], type_=PledgeType.POLICY, entities=[entity("Gov", Sector.GOVERNMENT)],
                title="A policy")
    make_pledge(panel["event"], state=PledgeState.SUBMITTED, title="Hidden")
    base = f"/api/v1/events/{panel['event'].slug}/pledges"
    body = client.get(base).get_json()
    assert body["total"] == 2 and {p["title"] for p in body["pledges"]} == {"At the panel", "A policy"}
    assert [p["title"] for p in client.get(f"{base}?session={s.id}").get_json()["pledges"]] == ["At the panel"]
    assert [p["title"] for p in client.get(f"{base}?type=policy").get_json()["pledges"]] == ["A policy"]
    assert [p["title"] for p in client.get(f"{base}?sector=government").get_json()["pledges"]] == ["A policy"]
    assert client.get(f"{base}?focus_area=access").get_json()["total"] == 2
    bad = client.get(f"{base}?focus_area=moon")
    assert bad.status_code == 422 and "focus_area" in bad.get_json()["error"]["fields"]
    one = client.get(f"{base}?session={s.id}").get_json()["pledges"][0]
    assert one["session"]["url"] == f"/events/{panel['event'].slug}/sessions/{s.id}"
    assert one["announced_by"]["name"] == "Mia Moderator"
    assert isinstance(one["amount_usd"], str)


def test_pledge_detail_visibility(client, make_user, api_token, panel):
    submitter = make_user()
    pub = make_pledge(panel["event"])
    sub = make_pledge(panel["event"], state=PledgeState.SUBMITTED, submitted_by=submitter)
    assert client.get(f"/api/v1/pledges/{pub.id}").status_code == 200
    assert client.get(f"/api/v1/pledges/{sub.id}").status_code == 404
    assert client.get(f"/api/v1/pledges/{sub.id}", headers=api_token(make_user())).status_code == 404
    assert client.get(f"/api/v1/pledges/{sub.id}", headers=api_token(submitter)).status_code == 200
    organizer = make_user(organizer_of=panel["event"])
    assert client.get(f"/api/v1/pledges/{sub.id}", headers=api_token(organizer)).status_code == 200
    assert client.get("/api/v1/pledges/999999").status_code == 404


def test_organizer_creates_updates_announces_and_moderates(client, db, make_user, api_token, panel):
    event, session = panel["event"], panel["session"]
    h = api_token(make_user(organizer_of=event))
    body = {"title": "Fibre for 100 clinics", "type": "financial", "focus_area": "access",
            "amount_usd": "7500000.00",
            "entities": [{"name": "Lead Co", "sector": "private_sector", "is_lead": True},
                         {"name": "Partner Org", "sector": "civil_society"}]}
    created = client.post(f"/api/v1/events/{event.slug}/pledges", json=body, headers=h)
    assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    assert created.get_json()["state"] == "submitted"
    assert [e["is_lead"] for e in created.get_json()["entities"]] == [True, False]

    patched = client.patch(f"/api/v1/pledges/{pid}", json={"amount_usd": "8000000", "sdgs": [3, 9]},
                           headers=h)
    assert patched.status_code == 200
    assert patched.get_json()["amount_usd"] == "8000000.00" and patched.get_json()["sdgs"] == [3, 9]
    assert patched.get_json()["title"] == "Fibre for 100 clinics"  # untouched fields stay

    announced = client.post(f"/api/v1/pledges/{pid}/announce", headers=h,
                            json={"session_id": session.id, "announced_by_id": panel["panellist"].id})
    assert announced.status_code == 200
    a = announced.get_json()
    assert a["state"] == "published" and a["session"]["id"] == session.id
    assert client.get(f"/api/v1/pledges/summary?event={event.slug}").get_json()["pledges"] == 1

    declined = client.post(f"/api/v1/pledges/{pid}/moderate", json={"action": "decline",
                                                                     "reason": "Duplicate"}, headers=h)
    assert declined.status_code == 200 and declined.get_json()["state"] == "declined"
    assert client.get(f"/api/v1/pledges/summary?event={event.slug}").get_json()["pledges"] == 0
    published = client.post(f"/api/v1/pledges/{pid}/moderate", json={"action": "publish"}, headers=h)
    assert published.get_json()["state"] == "published"


def test_create_and_announce_in_one_call(client, make_user, api_token, panel):
    h = api_token(make_user(organizer_of=panel["event"]))
    resp = client.post(f"/api/v1/events/{panel['event'].slug}/pledges", headers=h, json={
        **{k: v for k, v in valid_raw().items() if k not in ("entity_name", "entity_sector", "entity_country")},
        "entities": [{"name": "Quick Co", "sector": "other"}],
        "announcement": {"session_id": panel["session"].id, "announced_by_id": panel["moderator"].id,
                         "announced_at": "2030-01-01T10:00"}})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["state"] == "published"
    assert resp.get_json()["announced_at"].startswith("2030-01-01T08:00")  # Kigali is UTC+2


def test_api_bad_input_is_422_and_writes_nothing(client, db, make_user, api_token, panel):
    h = api_token(make_user(organizer_of=panel["event"]))
    url = f"/api/v1/events/{panel['event'].slug}/pledges"
    cases = [
        ({"amount_usd": "-1"}, "amount_usd"), ({"amount_usd": "abc"}, "amount_usd"),
        ({"focus_area": "mars"}, "focus_area"), ({"sdgs": [0, 18]}, "sdgs"),
        ({"announcement": {"session_id": panel["other_session"].id}}, "session_id"),
        ({"announcement": {"session_id": panel["session"].id,
                           "announced_by_id": panel["outsider"].id}}, "announced_by_id"),
        ({"surprise": 1}, "surprise"),
    ]
    base = {"title": "T", "type": "policy", "focus_area": "access",
            "entities": [{"name": "Never Created", "sector": "other"}]}
    for extra, field in cases:
        resp = client.post(url, json={**base, **extra}, headers=h)
        assert resp.status_code == 422, (extra, resp.get_json())
        named = resp.get_json()["error"]["fields"]  # a list item is named "sdgs.0"
        assert any(k == field or k.startswith(field + ".") for k in named), (extra, named)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 0


def test_api_permissions(client, db, make_user, api_token, panel):
    pledge = make_pledge(panel["event"], state=PledgeState.SUBMITTED)
    url = f"/api/v1/events/{panel['event'].slug}/pledges"
    body = {"title": "T", "type": "policy", "focus_area": "access",
            "entities": [{"name": "X", "sector": "other"}]}
    assert client.post(url, json=body).status_code == 401
    other = api_token(make_user(organizer_of=panel["other_event"]))
    assert client.post(url, json=body, headers=other).status_code == 403
    assert client.post(f"/api/v1/pledges/{pledge.id}/moderate", json={"action": "publish"}).status_code == 401
    # Another event's organizer and an attendee may not know a submitted pledge exists:
    # 404 (README "Security"), whatever the body; a published one they see: 403.
    assert client.post(f"/api/v1/pledges/{pledge.id}/moderate", json={"action": "publish"},
                       headers=other).status_code == 404
    assert client.post(f"/api/v1/pledges/{pledge.id}/moderate", json={"action": "nonsense"},
                       headers=other).status_code == 404
    attendee = api_token(make_user())
    assert client.patch(f"/api/v1/pledges/{pledge.id}", json={"title": "Mine now"},
                        headers=attendee).status_code == 404
    published = make_pledge(panel["event"])
    assert client.patch(f"/api/v1/pledges/{published.id}", json={"title": "Mine now"},
                        headers=attendee).status_code == 403
    assert client.post(f"/api/v1/pledges/{published.id}/moderate", json={"action": "decline"},
                       headers=other).status_code == 403
    assert client.patch(f"/api/v1/pledges/{published.id}", json={"title": "x"}).status_code == 401
    assert db.session.get(Pledge, published.id).title != "x"
    assert db.session.get(Pledge, pledge.id).state == PledgeState.SUBMITTED


def test_list_paging_is_bounded_and_typed(client, panel):
    for i in range(3):
        make_pledge(panel["event"], title=f"P{i}")
    base = f"/api/v1/events/{panel['event'].slug}/pledges"
    page = client.get(f"{base}?limit=2&offset=1").get_json()
    assert page["total"] == 3 and len(page["pledges"]) == 2
    for query, field in [("limit=0", "limit"), ("limit=1001", "limit"), ("offset=-1", "offset"),
                         ("limit=many", "limit"), ("sdg=18", "sdg"), ("session=x", "session"),
                         ("region=atlantis", "region"), ("beneficiary=aliens", "beneficiary")]:
        resp = client.get(f"{base}?{query}")
        assert resp.status_code == 422 and field in resp.get_json()["error"]["fields"], query
    assert client.get(f"{base}?limit=1000&region=Africa&sdg=4").status_code == 200


def test_openapi_types_every_pledge_input(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    create = doc["components"]["schemas"]["PledgeCreate"]["properties"]
    assert create["focus_area"]["enum"] == ["access", "adoption", "value_creation", "accelerate"]
    assert create["amount_usd"]["type"] == "string" and create["title"]["maxLength"] == 300
    assert create["entities"]["type"] == "array" and create["sdgs"]["items"]["maximum"] == 17
    assert all(p.get("type") or p.get("$ref") or p.get("allOf") for p in create.values()), create
    params = {p["name"]: p for p in doc["paths"]["/api/v1/events/{slug}/pledges"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 1000 and params["offset"]["schema"]["minimum"] == 0
