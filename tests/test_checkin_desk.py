"""The check-in desk (no-JS form and the script's JSON endpoint), the API, bad input and
the failed-scan rate limit."""
from __future__ import annotations

import re

import pytest

from eventsapp.models import Category, CheckIn, Modality, RegistrationStatus
from eventsapp.security import new_token

from .conftest import _test_config, login
from .test_checkin_service import make_registration  # noqa: F401  (fixture)


def _result_box(html: str) -> str:
    m = re.search(r'<div id="scan-result"(.*?)</div>', html, re.DOTALL)
    assert m, "no result box"
    return m.group(0)


# ---------------------------------------------------------------- desk without JavaScript


def test_desk_form_post_answers_and_is_ready_for_the_next_scan(
        client, make_event, make_user, make_registration, login_as):  # noqa: F811
    event = make_event()
    reg, _ = make_registration(event, name="Doreen Bogdan-Martin", organization="ITU",
                               category=Category.SPEAKER)
    login_as(make_user(name="Desk One", staff_of=event))
    page = client.get(f"/events/{event.slug}/checkin").get_data(as_text=True)
    assert 'id="code"' in page and "autofocus" in page
    assert 'data-state="ready"' in page
    # The camera's fallback decoder (jsQR from node_modules/) is reachable from the page.
    decoder = re.search(r'data-decoder-src="([^"]+)"', page).group(1)
    assert client.get(decoder.replace("&amp;", "&")).status_code == 200

    resp = client.post(f"/events/{event.slug}/checkin", data={"code": reg.badge_code})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    box = _result_box(html)
    assert "scan-ok" in box and "Checked in" in box
    assert "Doreen Bogdan-Martin" in box and "ITU" in box and "Speaker" in box
    # The field is empty and focused again for the next scan.
    field = re.search(r'<input id="code"[^>]*>', html, re.DOTALL).group(0)
    assert 'value=""' in field and "autofocus" in field

    html = client.post(f"/events/{event.slug}/checkin",
                       data={"code": reg.badge_code}).get_data(as_text=True)
    box = _result_box(html)
    assert "scan-warn" in box and "Already checked in" in box and "by Desk One" in box

    html = client.post(f"/events/{event.slug}/checkin",
                       data={"code": "garbage"}).get_data(as_text=True)
    box = _result_box(html)
    assert "scan-bad" in box and "Not valid" in box and 'data-reason="unreadable"' in box


def test_desk_get_with_url_form_prefills_but_does_not_check_in(
        client, db, make_event, make_user, make_registration, login_as):  # noqa: F811
    event = make_event()
    reg, _ = make_registration(event)
    login_as(make_user(staff_of=event))
    html = client.get(f"/events/{event.slug}/checkin?code={reg.badge_code}").get_data(as_text=True)
    assert f'value="{reg.badge_code}"' in html
    assert db.session.query(CheckIn).count() == 0


# ---------------------------------------------------------------- the script's endpoint


@pytest.mark.parametrize("body", [None, "not json", [], {"code": None}, {"code": 12},
                                  {"code": ""}, {"code": "x" * 100000}, {"nope": 1}])
def test_scan_endpoint_never_500s(client, make_event, make_user, login_as, body):
    event = make_event()
    login_as(make_user(staff_of=event))
    url = f"/events/{event.slug}/checkin/scan"
    if isinstance(body, str):
        # A body that claims JSON and is not: refused before the view by the request-wide
        # guard (eventsapp/guards.py) with the JSON error, never a 500.
        # The desk's script asks for JSON (Accept), as checkin.js does.
        resp = client.post(url, data=body, content_type="application/json",
                           headers={"Accept": "application/json"})
        assert resp.status_code == 400
        assert resp.get_json()["error"]["code"] == "bad_request"
        return
    elif body is None:
        resp = client.post(url)
    else:
        resp = client.post(url, json=body)
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["result"] == "invalid" and data["reason"] == "unreadable"
    assert data["registration"] is None


def test_scan_answers_for_cancelled_online_and_other_event(
        client, make_event, make_user, make_registration, login_as):  # noqa: F811
    from eventsapp.registration import services as registration

    event = make_event()
    other = make_event()
    login_as(make_user(staff_of=event))
    cancelled, _ = make_registration(event)
    old = cancelled.badge_code
    registration.cancel(cancelled.id)
    online, _ = make_registration(event, modality=Modality.ONLINE)
    elsewhere, _ = make_registration(other)
    waiting, _ = make_registration(event, status=RegistrationStatus.WAITLISTED)
    url = f"/events/{event.slug}/checkin/scan"
    for code, reason in ((old, "cancelled"), (online.badge_code, "online_only"),
                         (elsewhere.badge_code, "other_event"),
                         (waiting.badge_code, "not_confirmed"), (new_token(), "unknown")):
        data = client.post(url, json={"code": code}).get_json()
        assert (data["result"], data["reason"]) == ("invalid", reason), code
        assert data["registration"] is None and data["message"]


class TestCsrf:
    @pytest.fixture
    def app_config(self, database_url, tmp_path):
        return _test_config(database_url, WTF_CSRF_ENABLED=True,
                            INSTANCE_PATH=str(tmp_path / "instance"))

    def test_scan_needs_the_csrf_header(self, app, make_event, make_user,
                                        make_registration):  # noqa: F811
        event = make_event()
        reg, _ = make_registration(event)
        client = app.test_client()
        login(client, make_user(staff_of=event))
        page = client.get(f"/events/{event.slug}/checkin").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        url = f"/events/{event.slug}/checkin/scan"
        refused = client.post(url, json={"code": reg.badge_code},
                              headers={"Accept": "application/json"})
        assert refused.status_code == 400
        assert refused.get_json()["error"]["code"] == "csrf_failed"
        ok = client.post(url, json={"code": reg.badge_code}, headers={"X-CSRFToken": token})
        assert ok.status_code == 200 and ok.get_json()["result"] == "checked_in"
        # The no-JS form carries the same token as a field.
        again = client.post(f"/events/{event.slug}/checkin",
                            data={"code": reg.badge_code, "csrf_token": token})
        assert "Already checked in" in again.get_data(as_text=True)


# ---------------------------------------------------------------- the API


def test_api_checkin_shape(client, make_event, make_user, make_registration, api_token):  # noqa: F811
    event = make_event()
    reg, _ = make_registration(event, name="Xavier Bettel", organization="Luxembourg",
                               category=Category.VIP)
    headers = api_token(make_user(name="Api Desk", staff_of=event))
    url = f"/api/v1/events/{event.slug}/checkins"
    data = client.post(url, json={"code": reg.badge_code}, headers=headers).get_json()
    assert data["result"] == "checked_in"
    assert data["reason"] is None
    assert data["registration"] == {
        "id": reg.id, "name": "Xavier Bettel", "organization": "Luxembourg",
        "category": "vip", "category_label": "VIP", "modality": "in_person",
        "status": "confirmed"}
    assert data["checkin"]["checked_in_by"] == "Api Desk"
    assert "+02:00" in data["checkin"]["checked_in_at"]  # the event's zone (Kigali)
    url_form = f"https://example.org/events/{event.slug}/checkin?code={reg.badge_code}"
    data = client.post(url, json={"code": url_form}, headers=headers).get_json()
    assert data["result"] == "already_checked_in"
    data = client.post(url, json={"code": "garbage"}, headers=headers).get_json()
    assert data == {"result": "invalid", "reason": "unreadable", "message": data["message"],
                    "registration": None, "checkin": None}


def test_api_bad_input_and_access(client, make_event, make_user, api_token):
    event = make_event()
    url = f"/api/v1/events/{event.slug}/checkins"
    staff = api_token(make_user(staff_of=event))
    assert client.post(url, json={}, headers=staff).status_code == 422
    assert client.post(url, json={"code": 5}, headers=staff).status_code == 422
    resp = client.post(url, data="{nope", content_type="application/json", headers=staff)
    assert resp.status_code in (400, 422)
    assert client.post(url, json={"code": "x"}).status_code == 401
    attendee = api_token(make_user())
    assert client.post(url, json={"code": "x"}, headers=attendee).status_code == 403
    assert client.post("/api/v1/events/no-such-event/checkins", json={"code": "x"},
                       headers=staff).status_code == 404
    other_org = api_token(make_user(organizer_of=make_event()))
    assert client.post(url, json={"code": "x"}, headers=other_org).status_code == 403


# ---------------------------------------------------------------- rate limit of failures


class TestFailedScanLimit:
    @pytest.fixture
    def app_config(self, database_url, tmp_path):
        return _test_config(database_url, CHECKIN_FAIL_RATE_LIMIT="3 per minute",
                            INSTANCE_PATH=str(tmp_path / "instance"))

    def test_only_failures_count_and_then_everything_is_refused(
            self, app, client, make_event, make_user, make_registration, api_token):  # noqa: F811
        event = make_event()
        user = make_user(staff_of=event)
        headers = api_token(user)
        url = f"/api/v1/events/{event.slug}/checkins"
        good = [make_registration(event)[0].badge_code for _ in range(6)]
        # Successes and empty Enters do not count.
        for code in good[:5]:
            assert client.post(url, json={"code": code}, headers=headers).status_code == 200
        assert client.post(url, json={"code": ""}, headers=headers).status_code == 200
        for _ in range(3):
            r = client.post(url, json={"code": new_token()}, headers=headers)
            assert r.status_code == 200 and r.get_json()["reason"] == "unknown"
        r = client.post(url, json={"code": new_token()}, headers=headers)
        assert r.status_code == 429
        assert r.get_json()["error"]["code"] == "rate_limited"
        assert r.headers["Retry-After"]
        # Blocked: even a valid badge waits (guessing must not continue).
        assert client.post(url, json={"code": good[5]}, headers=headers).status_code == 429
        # The same user at the desk page is blocked too; another desk user is not.
        login(client, user)
        resp = client.post(f"/events/{event.slug}/checkin/scan", json={"code": good[5]})
        assert resp.status_code == 429 and resp.get_json()["reason"] == "rate_limited"
        resp = client.post(f"/events/{event.slug}/checkin", data={"code": good[5]})
        assert resp.status_code == 429 and "Too many failed scans" in resp.get_data(as_text=True)
        other = app.test_client()
        login(other, make_user(staff_of=event))
        resp = other.post(f"/events/{event.slug}/checkin/scan", json={"code": good[5]})
        assert resp.get_json()["result"] == "checked_in"
