"""Routes of bulk actions and messages to registrants: the event's organizers only
(the message page itself is in rules_registration)."""
from __future__ import annotations

from .base import MANAGE, Rule, api_rule


def _ev(w) -> str:
    return f"/events/{w.event.slug}"


RULES = {
    ("registration.bulk_action", "POST"): Rule(
        lambda w: f"{_ev(w)}/registrations/bulk", MANAGE, data=lambda w: {},
        note="nothing ticked: back to the list with a message"),
    ("api_registrant_actions.BulkActions", "POST"): api_rule(
        lambda w: f"/api/v1/events/{w.event.slug}/registrations/bulk", MANAGE,
        data=lambda w: {}, note="empty body: 422"),
    ("api_registrant_actions.Messages", "POST"): api_rule(
        lambda w: f"/api/v1/events/{w.event.slug}/messages", MANAGE, data=lambda w: {},
        note="empty body: 422"),
}
