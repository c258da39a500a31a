"""The registration API: public POST, organizers' GET, capacity in the event detail."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.models import (
    EventFormat,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)
from eventsapp.security import hash_token
from tests.support.registration_paths import fast_path  # noqa: F401 - a fixture


@pytest.fixture
def app_config(app_config, fast_path):  # noqa: F811 - every test here, over both paths
    return {**app_config, "REGISTRATION_FAST_PATH": fast_path}


def body(email="api@example.org", **kw):
    data = {"name": "Api Person", "email": email, "modality": "in_person"}
    data.update(kw)
    return data


def url(event):
    return f"/api/v1/events/{event.slug}/registrations"


def test_post_registers_and_returns_only_the_callers_manage_link(client, db, make_event):
    event = make_event()
    resp = client.post(url(event), json=body(organization="Org", consent_listed=True,
                                             stakeholder_type="academia", needs="Vegetarian"))
    assert resp.status_code == 201
    data = resp.get_json()
    assert set(data) == {"status", "modality", "manage_url"}
    assert data["status"] == "confirmed" and data["modality"] == "in_person"
    token = data["manage_url"].rsplit("/r/", 1)[1]
    reg = db.session.scalar(sa.select(Registration))
    assert reg.manage_token_hash == hash_token(token) and reg.source == "api"
    assert reg.badge_code not in resp.get_data(as_text=True)
    assert reg.join_token not in resp.get_data(as_text=True)
    assert reg.needs == "Vegetarian" and reg.consent_listed
    assert db.session.scalar(sa.select(OutboxMessage.kind)) == "registration_confirmation"


def test_post_duplicate_is_202_without_any_link(client, db, make_event):
    event = make_event()
    client.post(url(event), json=body())
    resp = client.post(url(event), json=body("API@example.org", name="Someone Else"))
    assert resp.status_code == 202
    text = resp.get_data(as_text=True)
    assert "/r/" not in text and "Api Person" not in text
    assert "If this address is registered" in resp.get_json()["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_post_full_waitlists_by_default_switches_or_rejects_on_request(client, db, make_event):
    event = make_event(capacity_in_person=1)
    assert client.post(url(event), json=body("a@example.org")).get_json()["status"] == "confirmed"
    waiting = client.post(url(event), json=body("b@example.org")).get_json()
    assert waiting["status"] == "waitlisted" and waiting["modality"] == "in_person"
    switched = client.post(url(event), json=body("c@example.org", if_full="switch")).get_json()
    assert switched == {**switched, "status": "confirmed", "modality": "online"}
    rejected = client.post(url(event), json=body("d@example.org", if_full="reject"))
    assert rejected.status_code == 409 and rejected.get_json()["error"]["code"] == "full"


def test_post_pending_on_moderated_event(client, make_event):
    event = make_event(registration_requires_approval=True)
    assert client.post(url(event), json=body()).get_json()["status"] == "pending"


@pytest.mark.parametrize("payload,field", [
    ({"email": "nope"}, "email"),
    ({"name": ""}, "name"),
    ({"name": None}, "name"),
    ({"modality": "teleport"}, "modality"),
    ({"name": "x" * 201}, "name"),
    ({"needs": "x" * 2001}, "needs"),
    ({"stakeholder_type": "alien"}, "stakeholder_type"),
    ({"unexpected": 1}, "unexpected"),
])
def test_post_bad_input_is_422_with_field_errors(client, db, make_event, payload, field):
    event = make_event()
    data = body(**payload)
    if payload.get("name", "") is None:
        data.pop("name")
    resp = client.post(url(event), json=data)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "validation_failed" and field in err["fields"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_post_malformed_json_is_400(client, db, make_event):
    event = make_event()
    resp = client.post(url(event), data="{not json", content_type="application/json")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    # The caller is told what is wrong with the body, and nothing is written or mailed.
    assert error["code"] == "bad_request" and "not valid JSON" in error["message"]
    assert "json" in error["fields"]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_get_refuses_unknown_filters_and_pages_out_of_bounds(client, make_event, make_user,
                                                               api_token):
    event = make_event()
    headers = api_token(make_user(organizer_of=event))
    for query, field in (("modality=bogus", "modality"), ("status=lost", "status"),
                         ("category=alien", "category"), ("per_page=501", "per_page"),
                         ("per_page=0", "per_page"), ("page=0", "page")):
        resp = client.get(f"{url(event)}?{query}", headers=headers)
        assert resp.status_code == 422, query
        assert field in resp.get_json()["error"]["fields"], query


def test_openapi_declares_the_list_query(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in
              spec["paths"]["/api/v1/events/{slug}/registrations"]["get"]["parameters"]}
    assert params["modality"]["schema"]["enum"] == ["in_person", "online"]
    assert params["per_page"]["schema"]["maximum"] == 500
    assert params["per_page"]["schema"]["minimum"] == 1


def test_post_closed_event_is_409_and_unknown_event_404(client, make_event):
    now = datetime.now(UTC)
    closed = make_event(registration_closes_at=now - timedelta(hours=1))
    resp = client.post(url(closed), json=body())
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "registration_closed"
    assert client.post("/api/v1/events/nope/registrations", json=body()).status_code == 404
    draft = make_event(published=False)
    assert client.post(url(draft), json=body()).status_code == 404


def test_post_modality_not_offered_is_422(client, make_event):
    event = make_event(format=EventFormat.ONLINE)
    resp = client.post(url(event), json=body(modality="in_person"))
    assert resp.status_code == 422 and "modality" in resp.get_json()["error"]["fields"]


def test_get_lists_registrants_for_organizers_only(client, make_event, make_user, api_token):
    event = make_event()
    organizer = make_user(organizer_of=event)
    for i, modality in enumerate(["in_person", "online", "online"]):
        client.post(url(event), json=body(f"p{i}@example.org", modality=modality, name=f"P {i}"))
    assert client.get(url(event)).status_code == 401
    assert client.get(url(event), headers=api_token(make_user())).status_code == 403
    resp = client.get(url(event), headers=api_token(organizer))
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["total"] == 3 and len(data["registrations"]) == 3
    first = data["registrations"][0]
    assert first["email"] == "p0@example.org" and first["checked_in"] is False
    assert not {"badge_code", "join_token", "manage_token_hash", "manage_url"} & set(first)
    online = client.get(url(event) + "?modality=online", headers=api_token(organizer)).get_json()
    assert online["total"] == 2
    paged = client.get(url(event) + "?per_page=1&page=2", headers=api_token(organizer)).get_json()
    assert paged["total"] == 3 and [r["email"] for r in paged["registrations"]] == ["p1@example.org"]
    bad = client.get(url(event) + "?status=bogus", headers=api_token(organizer))
    assert bad.status_code == 422


def test_event_detail_reports_capacity_and_counts_per_modality(client, db, make_event):
    event = make_event(capacity_in_person=2, capacity_online=None)
    for i in range(3):
        client.post(url(event), json=body(f"p{i}@example.org"))
    client.post(url(event), json=body("o@example.org", modality="online"))
    cap = client.get(f"/api/v1/events/{event.slug}").get_json()["capacity"]
    assert cap["in_person"] == {"capacity": 2, "confirmed": 2, "offered": 0, "waitlisted": 1,
                                "pending": 0, "available": 0}
    assert cap["online"] == {"capacity": None, "confirmed": 1, "offered": 0, "waitlisted": 0,
                             "pending": 0, "available": None}
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "p0@example.org"))
    reg.status = RegistrationStatus.CANCELLED
    db.session.commit()
    cap = client.get(f"/api/v1/events/{event.slug}").get_json()["capacity"]
    assert cap["in_person"]["confirmed"] == 1 and cap["in_person"]["available"] == 1


def test_openapi_documents_the_registration_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    path = spec["paths"]["/api/v1/events/{slug}/registrations"]
    assert {"get", "post"} <= set(path)
    assert "201" in path["post"]["responses"] and "202" in path["post"]["responses"]


def test_openapi_body_is_the_registration_schema(client):
    """The documented body is the one schema every registration input loads through:
    its limits, choices and country format, as the form enforces them."""
    from eventsapp.registration.schemas import NAME_MAX, NEEDS_MAX

    spec = client.get("/api/v1/openapi.json").get_json()
    post = spec["paths"]["/api/v1/events/{slug}/registrations"]["post"]
    ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["properties"]
    assert body["name"]["maxLength"] == NAME_MAX and body["needs"]["maxLength"] == NEEDS_MAX
    assert body["modality"]["enum"] == ["in_person", "online"]
    assert body["if_full"]["enum"] == ["waitlist", "switch", "reject"]
    assert body["country"]["pattern"] == "^([A-Z]{2})?$"
    # The categories the event offers publicly (its settings); others are a 422.
    assert body["category"]["enum"] == ["participant", "speaker", "press", "staff", "vip"]


def test_api_refuses_what_the_form_refuses(client, db, make_event):
    event = make_event()
    resp = client.post(url(event), json=body(name="x" * 201, country="Atlantis"))
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert fields["name"] == ["At most 200 characters."]
    assert "Unknown country" in fields["country"][0]
    ok = client.post(url(event), json=body(country="Rwanda"))
    assert ok.status_code == 201
    db.session.rollback()
    assert db.session.scalar(sa.select(Registration.country)) == "RW"
