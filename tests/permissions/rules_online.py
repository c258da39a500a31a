"""Routes of online participation: personal links (by secret, the same for every actor),
the manage-link redirects and mail, and the organizer's pages."""
from __future__ import annotations

import uuid

from .base import MANAGE, PUBLIC, Rule


def make_registration(event, *, status=None, modality=None, user=None, email=None,
                      name="Online Registrant"):
    """A registration made directly with the model, as the registration feature would:
    returns (registration, manage_token). Cancelled/declined ones have no secrets."""
    from eventsapp.extensions import db
    from eventsapp.models import Modality, Registration, RegistrationStatus
    from eventsapp.security import hash_token, new_token

    status = status or RegistrationStatus.CONFIRMED
    modality = modality or Modality.ONLINE
    manage = new_token()
    dead = status in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED)
    reg = Registration(
        event_id=event.id, user_id=user.id if user is not None else None, name=name,
        email=(email or (user.email if user is not None else None)
               or f"reg-{uuid.uuid4().hex[:8]}@example.org").lower(),
        modality=modality, status=status, manage_token_hash=hash_token(manage),
        badge_code=None if dead else new_token(), join_token=None if dead else new_token())
    db.session.add(reg)
    db.session.commit()
    return reg, manage


def _secret(w) -> str:
    return w.objects["online_registration"].join_token


RULES = {
    ("online.join", "GET"): Rule(
        lambda w: f"/join/{_secret(w)}/{w.objects['session'].id}", PUBLIC,
        note="the secret decides, not the signed-in user"),
    ("online.watch", "GET"): Rule(lambda w: f"/join/{_secret(w)}/watch", PUBLIC),
    ("online.calendar", "GET"): Rule(lambda w: f"/join/{_secret(w)}/calendar.ics", PUBLIC),
    ("online.manage_watch", "GET"): Rule(
        lambda w: f"/r/{w.objects['online_manage_token']}/watch", PUBLIC),
    ("online.manage_calendar", "GET"): Rule(
        lambda w: f"/r/{w.objects['online_manage_token']}/calendar.ics", PUBLIC),
    ("online.mail_links", "POST"): Rule(
        lambda w: f"/r/{w.objects['online_manage_token']}/join-links", PUBLIC,
        data=lambda w: {}),
    ("online.organizer", "GET"): Rule(lambda w: f"/events/{w.event.slug}/online/", MANAGE),
    ("online.update_settings", "POST"): Rule(
        lambda w: f"/events/{w.event.slug}/online/settings", MANAGE, data=lambda w: {}),
    ("online.session_links", "GET"): Rule(
        lambda w: f"/events/{w.event.slug}/online/sessions/{w.objects['session'].id}", MANAGE),
    ("online.session_links", "POST"): Rule(
        lambda w: f"/events/{w.event.slug}/online/sessions/{w.objects['session'].id}", MANAGE,
        data=lambda w: {"stream_url": "https://meet.example.org/perm"}),
}


def extend_world(world) -> None:
    reg, manage = make_registration(world.event, email=f"online-{uuid.uuid4().hex[:8]}@example.org")
    world.objects["online_registration"] = reg
    world.objects["online_manage_token"] = manage
