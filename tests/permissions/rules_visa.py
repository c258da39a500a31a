"""Routes of letters of invitation for visas: the registrant's pages (the manage link is
the credential), the organizers' list, request page, decision and PDF, and the API.

Focal points get what any signed-in user gets: nothing of the organizers' pages (their
delegate's passport details are not theirs to see), although the world's request is one
of the focal point's delegates."""
from __future__ import annotations

from .base import LOGIN, MANAGE, OK, PUBLIC, Rule, api_rule, expect

VISA_TOKEN = "perm-visa-token-0123456789abcdefghijklmnopqr"
API_MANAGE = expect(LOGIN, "deny", "deny", "deny", OK, OK)


def _base(w) -> str:
    return f"/events/{w.event.slug}/registrations/visa-letters"


def _one(w) -> str:
    return f"{_base(w)}/{w.objects['visa_request_id']}"


def _api(w) -> str:
    return f"/api/v1/events/{w.event.slug}/visa-letters"


RULES = {
    ("registration.manage_visa", "GET"): Rule(lambda w: f"/r/{VISA_TOKEN}/visa", PUBLIC),
    ("registration.manage_visa", "POST"): Rule(lambda w: f"/r/{VISA_TOKEN}/visa", PUBLIC,
                                               data=lambda w: {}, note="decided: 409"),
    ("registration.manage_visa_letter", "GET"): Rule(
        lambda w: f"/r/{VISA_TOKEN}/visa/letter.pdf", PUBLIC),
    ("registration.visa_letters", "GET"): Rule(_base, MANAGE),
    ("registration.visa_letter_detail", "GET"): Rule(_one, MANAGE),
    ("registration.visa_letter_approve", "POST"): Rule(lambda w: f"{_one(w)}/approve", MANAGE,
                                                       data=lambda w: {},
                                                       note="decided already: flash"),
    ("registration.visa_letter_decline", "POST"): Rule(lambda w: f"{_one(w)}/decline", MANAGE,
                                                       data=lambda w: {},
                                                       note="unconfirmed: asks first"),
    ("registration.visa_letter_pdf", "GET"): Rule(lambda w: f"{_one(w)}/letter.pdf", MANAGE),
    ("api_visa.VisaLetters", "GET"): api_rule(_api, API_MANAGE),
    ("api_visa.VisaLetter", "GET"): api_rule(
        lambda w: f"{_api(w)}/{w.objects['visa_request_id']}", API_MANAGE),
    ("api_visa.ApproveVisaLetter", "POST"): api_rule(
        lambda w: f"{_api(w)}/{w.objects['visa_request_id']}/approve", API_MANAGE,
        note="decided already: 409"),
    ("api_visa.DeclineVisaLetter", "POST"): api_rule(
        lambda w: f"{_api(w)}/{w.objects['visa_request_id']}/decline", API_MANAGE,
        note="decided already: 409"),
}


def extend_world(world) -> None:
    """The world's event offers letters; a confirmed in-person delegate of the focal
    point's organization (manage link VISA_TOKEN) holds an approved letter."""
    from datetime import date

    from eventsapp.db_tx import transaction
    from eventsapp.extensions import db
    from eventsapp.models import (
        Event,
        Modality,
        Registration,
        RegistrationStatus,
        VisaLetterRequest,
        VisaLetterStatus,
        utcnow,
    )
    from eventsapp.security import hash_token, new_token

    with transaction():
        event = db.session.get(Event, world.event.id)
        event.visa_letters = True
        reg = Registration(event_id=event.id, name="Visa Registrant",
                           email="perm-visa@example.org", modality=Modality.IN_PERSON,
                           status=RegistrationStatus.CONFIRMED,
                           organization_id=world.objects["organization"].id,
                           manage_token_hash=hash_token(VISA_TOKEN), badge_code=new_token(),
                           join_token=new_token())
        db.session.add(reg)
        db.session.flush()
        req = VisaLetterRequest(registration_id=reg.id, event_id=event.id, nationality="RW",
                                passport_number="PC1234567", date_of_birth=date(1980, 1, 2),
                                status=VisaLetterStatus.APPROVED, decided_at=utcnow())
        db.session.add(req)
        db.session.flush()
        world.objects["visa_request_id"] = req.id
