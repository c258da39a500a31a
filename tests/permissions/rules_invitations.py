"""Routes of invitations: the organizers' pages and API (the event's organizers and
administrators only; the registration form and API that take a code are public and
have their rules in rules_registration)."""
from __future__ import annotations

from .base import LOGIN, MANAGE, OK, Rule, api_rule, expect

API_MANAGE = expect(LOGIN, "deny", "deny", "deny", OK, OK)


def _page(w) -> str:
    return f"/events/{w.event.slug}/registrations/invitations"


def _api(w) -> str:
    return f"/api/v1/events/{w.event.slug}/invitations"


def _one(w) -> int:
    return w.objects["invitation_id"]


RULES = {
    ("registration.invitation_list", "GET"): Rule(lambda w: f"{_page(w)}/", MANAGE),
    ("registration.new_invitation", "GET"): Rule(lambda w: f"{_page(w)}/new", MANAGE),
    ("registration.new_invitation", "POST"): Rule(lambda w: f"{_page(w)}/new", MANAGE,
                                                  data=lambda w: {}, note="no label: 422"),
    ("registration.invitation_detail", "GET"): Rule(lambda w: f"{_page(w)}/{_one(w)}", MANAGE),
    ("registration.revoke_invitation", "POST"): Rule(
        lambda w: f"{_page(w)}/{_one(w)}/revoke", MANAGE, data=lambda w: {},
        note="unconfirmed: the confirmation page"),
    ("api_invitations.EventInvitations", "GET"): api_rule(_api, API_MANAGE),
    ("api_invitations.EventInvitations", "POST"): api_rule(_api, API_MANAGE, data=lambda w: {},
                                                           note="no label: 422"),
    ("api_invitations.EventInvitation", "GET"): api_rule(
        lambda w: f"{_api(w)}/{_one(w)}", API_MANAGE),
    ("api_invitations.RevokeInvitation", "POST"): api_rule(
        lambda w: f"{_api(w)}/{_one(w)}/revoke", API_MANAGE, note="then 409: already revoked"),
}


def extend_world(world) -> None:
    """An invitation of the world's event."""
    from eventsapp.registration import invitations

    created = invitations.create_invitation(world.event, {"label": "Perm invitation"},
                                            world.users["organizer"])
    world.objects["invitation_id"] = created.invitation.id
