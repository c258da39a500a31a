"""Routes of badges and check-in: attendee badge files (manage link), the desk, the
organizer's badge page, the check-in API."""
from __future__ import annotations

from .base import CHECKIN, MANAGE, PUBLIC, SIGNED_IN, Rule, api_rule


def _slug(w):
    return w.event.slug


RULES = {
    # The manage link is the credential: anyone holding it gets the badge.
    ("badges.badge_png_for_token", "GET"): Rule(
        lambda w: f"/r/{w.objects['badge_manage_token']}/badge.png", PUBLIC),
    ("badges.badge_pdf_for_token", "GET"): Rule(
        lambda w: f"/r/{w.objects['badge_manage_token']}/badge.pdf", PUBLIC),
    ("badges.desk", "GET"): Rule(lambda w: f"/events/{_slug(w)}/checkin", CHECKIN),
    ("badges.desk", "POST"): Rule(lambda w: f"/events/{_slug(w)}/checkin", CHECKIN,
                                  data=lambda w: {"code": w.objects["badge_code"]}),
    ("badges.scan", "POST"): Rule(lambda w: f"/events/{_slug(w)}/checkin/scan", CHECKIN,
                                  data=lambda w: {"code": w.objects["badge_code"]}, json=True),
    ("badges.counts", "GET"): Rule(lambda w: f"/events/{_slug(w)}/checkin/counts", CHECKIN),
    ("badges.desks", "GET"): Rule(lambda w: "/checkin", SIGNED_IN),
    ("badges.organizer", "GET"): Rule(lambda w: f"/events/{_slug(w)}/badges/", MANAGE),
    ("badges.print_badges", "POST"): Rule(
        lambda w: f"/events/{_slug(w)}/badges/print", MANAGE,
        data=lambda w: {"per_page": "4", "category": ""}),
    ("badges.organizer_badge_pdf", "GET"): Rule(
        lambda w: f"/events/{_slug(w)}/badges/{w.objects['badge_registration_id']}/badge.pdf",
        MANAGE),
    ("badges.reissue", "POST"): Rule(
        lambda w: f"/events/{_slug(w)}/badges/{w.objects['badge_registration_id']}/reissue",
        MANAGE, data=lambda w: {}),
    ("api_checkins.Checkins", "POST"): api_rule(
        lambda w: f"/api/v1/events/{_slug(w)}/checkins", CHECKIN,
        data=lambda w: {"code": w.objects["badge_code"]}),
}


def extend_world(world) -> None:
    from eventsapp.extensions import db
    from eventsapp.models import Category, Modality, Registration, RegistrationStatus
    from eventsapp.security import hash_token, new_token

    token = new_token()
    reg = Registration(event=world.event, name="Badge Holder", email="badge-holder@example.org",
                       organization="Perm Org", modality=Modality.IN_PERSON,
                       category=Category.SPEAKER, status=RegistrationStatus.CONFIRMED,
                       manage_token_hash=hash_token(token), badge_code=new_token(),
                       join_token=new_token())
    db.session.add(reg)
    db.session.commit()
    world.objects["badge_manage_token"] = token
    world.objects["badge_code"] = reg.badge_code
    world.objects["badge_registration_id"] = reg.id
