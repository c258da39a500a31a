"""Routes of registration: the public form, the private manage link, organizer pages,
the registration API."""
from __future__ import annotations

from .base import MANAGE, PUBLIC, Rule, api_rule

MANAGE_TOKEN = "perm-manage-token-0123456789abcdefghijklmnop"


def _ev(w) -> str:
    return f"/events/{w.event.slug}"


def _reg(w) -> str:
    return f"{_ev(w)}/registrations/{w.objects['registration_id']}"


RULES = {
    # Public: anyone may register, ask for their link again, see the participant list.
    ("registration.register", "GET"): Rule(lambda w: f"{_ev(w)}/register", PUBLIC),
    ("registration.register", "POST"): Rule(lambda w: f"{_ev(w)}/register", PUBLIC,
                                            data=lambda w: {}),
    ("registration.check_mail", "GET"): Rule(lambda w: f"{_ev(w)}/register/check-mail", PUBLIC),
    ("registration.lost_link", "GET"): Rule(lambda w: f"{_ev(w)}/register/link", PUBLIC),
    ("registration.lost_link", "POST"): Rule(lambda w: f"{_ev(w)}/register/link", PUBLIC,
                                             data=lambda w: {}),
    ("registration.participants", "GET"): Rule(lambda w: f"{_ev(w)}/participants", PUBLIC),
    # The manage link is the credential: whoever holds it, signed in or not.
    ("registration.manage", "GET"): Rule(lambda w: f"/r/{MANAGE_TOKEN}", PUBLIC,
                                         note="a wrong token is 404 (tested elsewhere)"),
    ("registration.manage_modality", "POST"): Rule(lambda w: f"/r/{MANAGE_TOKEN}/modality",
                                                   PUBLIC, data=lambda w: {}),
    ("registration.manage_cancel", "POST"): Rule(lambda w: f"/r/{MANAGE_TOKEN}/cancel", PUBLIC,
                                                 data=lambda w: {}),
    ("registration.manage_register_again", "POST"): Rule(
        lambda w: f"/r/{MANAGE_TOKEN}/register-again", PUBLIC, data=lambda w: {}),
    ("registration.manage_language", "POST"): Rule(lambda w: f"/r/{MANAGE_TOKEN}/language",
                                                   PUBLIC, data=lambda w: {"language": "en"}),
    ("registration.manage_accept_offer", "POST"): Rule(
        lambda w: f"/r/{MANAGE_TOKEN}/offer/accept", PUBLIC, data=lambda w: {},
        note="no offer: a message, nothing changes"),
    ("registration.manage_decline_offer", "POST"): Rule(
        lambda w: f"/r/{MANAGE_TOKEN}/offer/decline", PUBLIC, data=lambda w: {},
        note="no offer: a message, nothing changes"),
    ("registration.manage_leaked", "POST"): Rule(lambda w: f"/r/{MANAGE_TOKEN}/leaked", PUBLIC,
                                                 data=lambda w: {}, note="unconfirmed: 422"),
    # Organizers of the event (and administrators).
    ("registration.registrants", "GET"): Rule(lambda w: f"{_ev(w)}/registrations/", MANAGE),
    ("registration.settings", "GET"): Rule(lambda w: f"{_ev(w)}/registrations/settings", MANAGE),
    ("registration.settings", "POST"): Rule(lambda w: f"{_ev(w)}/registrations/settings", MANAGE,
                                            data=lambda w: {}, note="no public category: 422"),
    ("registration.export_csv", "GET"): Rule(lambda w: f"{_ev(w)}/registrations/export.csv",
                                             MANAGE),
    ("registration.add", "GET"): Rule(lambda w: f"{_ev(w)}/registrations/new", MANAGE),
    ("registration.add", "POST"): Rule(lambda w: f"{_ev(w)}/registrations/new", MANAGE,
                                       data=lambda w: {}),
    ("registration.detail", "GET"): Rule(_reg, MANAGE),
    ("registration.approve", "POST"): Rule(lambda w: f"{_reg(w)}/approve", MANAGE,
                                           data=lambda w: {}),
    ("registration.decline", "POST"): Rule(lambda w: f"{_reg(w)}/decline", MANAGE,
                                           data=lambda w: {}),
    ("registration.set_category", "POST"): Rule(lambda w: f"{_reg(w)}/category", MANAGE,
                                                data=lambda w: {"category": "vip"}),
    ("registration.erase", "POST"): Rule(lambda w: f"{_reg(w)}/erase", MANAGE,
                                         data=lambda w: {}, note="unconfirmed: 422"),
    ("registration.speakers", "GET"): Rule(lambda w: f"{_ev(w)}/registrations/speakers", MANAGE),
    ("registration.speakers", "POST"): Rule(lambda w: f"{_ev(w)}/registrations/speakers", MANAGE,
                                            data=lambda w: {}),
    ("registration.message", "GET"): Rule(lambda w: f"{_ev(w)}/registrations/message", MANAGE),
    ("registration.message", "POST"): Rule(lambda w: f"{_ev(w)}/registrations/message", MANAGE,
                                           data=lambda w: {}),
    ("registration.outbox", "GET"): Rule(lambda w: f"{_ev(w)}/outbox", MANAGE),
    ("registration.outbox_retry", "POST"): Rule(
        lambda w: f"{_ev(w)}/outbox/{w.objects['outbox_message_id']}/retry", MANAGE,
        data=lambda w: {}),
    # API: registering is public; the list is for the event's organizers.
    ("api_registration.Registrations", "POST"): api_rule(
        lambda w: f"/api/v1/events/{w.event.slug}/registrations", PUBLIC, data=lambda w: {}),
    ("api_registration.Registrations", "GET"): api_rule(
        lambda w: f"/api/v1/events/{w.event.slug}/registrations", MANAGE),
    ("api_registration.RegistrationSettings", "GET"): api_rule(
        lambda w: f"/api/v1/events/{w.event.slug}/registration-settings", MANAGE),
    ("api_registration.RegistrationSettings", "PATCH"): api_rule(
        lambda w: f"/api/v1/events/{w.event.slug}/registration-settings", MANAGE,
        data=lambda w: {}, note="empty body: 422"),
}


def extend_world(world) -> None:
    from eventsapp.extensions import db
    from eventsapp.models import (
        Modality,
        OutboxMessage,
        Registration,
        RegistrationStatus,
        utcnow,
    )
    from eventsapp.security import hash_token, new_token

    reg = Registration(event_id=world.event.id, name="Perm Registrant", email="perm-reg@example.org",
                       modality=Modality.IN_PERSON, status=RegistrationStatus.PENDING,
                       manage_token_hash=hash_token(MANAGE_TOKEN), badge_code=new_token(),
                       join_token=new_token(), created_at=utcnow())
    msg = OutboxMessage(event_id=world.event.id, kind="test", to_address="perm-reg@example.org",
                        subject="Perm", body_text="Perm")
    db.session.add_all([reg, msg])
    db.session.commit()
    world.objects["registration_id"] = reg.id
    world.objects["outbox_message_id"] = msg.id
