"""An unknown ``if_full`` (only a hand-made request sends one) is a field error (422)
in the form, the API, "register again" and the organizer's form: never a 500."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventsapp.errors import ValidationFailed
from eventsapp.models import Registration, RegistrationStatus
from eventsapp.registration import services
from tests.support.registration_paths import fast_path  # noqa: F401 - a fixture


@pytest.fixture
def app_config(app_config, fast_path):  # noqa: F811 - every test here, over both paths
    return {**app_config, "REGISTRATION_FAST_PATH": fast_path}

FORM = {"name": "Ada Lovelace", "email": "ada@example.org", "modality": "in_person",
        "if_full": "bogus", "nonce": "n1"}


def count(db) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Registration))


def test_form_rerenders_with_the_field_error(client, db, make_event):
    event = make_event()
    resp = client.post(f"/events/{event.slug}/register", data=FORM)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert services.IF_FULL_ERROR in body and 'name="if_full"' in body
    assert 'value="Ada Lovelace"' in body  # the typed fields are kept
    assert count(db) == 0


def test_form_reports_every_field_error_at_once(client, db, make_event):
    event = make_event()
    resp = client.post(f"/events/{event.slug}/register", data={**FORM, "email": "not-an-address"})
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert services.IF_FULL_ERROR in body and "not a valid email address" in body


def test_service_refuses_an_unknown_choice(db, make_event):
    event = make_event()
    with pytest.raises(ValidationFailed) as err:
        services.register(event.id, FORM, if_full="bogus")
    assert set(err.value.fields) == {"if_full"}


def test_api_answers_422_with_the_field(client, db, make_event):
    event = make_event()
    resp = client.post(f"/api/v1/events/{event.slug}/registrations", json={
        "name": "Ada", "email": "ada@example.org", "modality": "in_person", "if_full": "bogus"})
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert "if_full" in error["fields"]
    assert count(db) == 0


def test_register_again_rerenders_with_the_field_error(client, db, make_event):
    event = make_event()
    resp = client.post(f"/events/{event.slug}/register", data={**FORM, "if_full": ""})
    token = resp.headers["Location"].split("/r/")[1].split("?")[0]
    reg = db.session.scalar(sa.select(Registration))
    services.cancel(reg.id)
    resp = client.post(f"/r/{token}/register-again", data={"if_full": "bogus"})
    assert resp.status_code == 422
    assert services.IF_FULL_ERROR in resp.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Registration, reg.id, populate_existing=True).status \
        is RegistrationStatus.CANCELLED


def test_organizer_form_rerenders_with_the_field_error(db, make_event, make_user, login_as):
    event = make_event()
    client = login_as(make_user(organizer_of=event))
    resp = client.post(f"/events/{event.slug}/registrations/new", data={
        **FORM, "category": "participant"})
    assert resp.status_code == 422
    assert services.IF_FULL_ERROR in resp.get_data(as_text=True)
    assert count(db) == 0
