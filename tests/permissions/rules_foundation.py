"""Routes of the foundation: pages, accounts, console, front-end assets, the events API."""
from __future__ import annotations

import uuid

from .base import HIDDEN, LOGIN, MANAGE, OK, PUBLIC, SIGNED_IN, Rule, api_rule, expect

RULES = {
    ("events.home", "GET"): Rule(lambda w: "/", PUBLIC),
    ("events.event_page", "GET"): Rule(lambda w: f"/events/{w.event.slug}", PUBLIC),
    ("events.set_timezone", "GET"): Rule(lambda w: "/timezone?tz=Europe/Paris&next=/", PUBLIC),
    # The zone box's suggestions: the same public list for everyone.
    ("events.timezones", "GET"): Rule(lambda w: "/timezones?q=gen&lang=fr", PUBLIC),
    # The language switcher: anyone may choose; a signed-in account also remembers it.
    ("i18n.set_language", "POST"): Rule(lambda w: "/language", PUBLIC,
                                        data=lambda w: {"lang": "en", "next": "/"}),
    ("auth.signup", "GET"): Rule(lambda w: "/signup", PUBLIC),
    ("auth.signup", "POST"): Rule(lambda w: "/signup", PUBLIC, data=lambda w: {}),
    ("auth.login", "GET"): Rule(lambda w: "/login", PUBLIC),
    ("auth.login", "POST"): Rule(lambda w: "/login", PUBLIC, data=lambda w: {}),
    ("auth.logout", "POST"): Rule(lambda w: "/logout", PUBLIC, data=lambda w: {}),
    ("auth.account", "GET"): Rule(lambda w: "/account", SIGNED_IN),
    ("auth.change_password", "POST"): Rule(lambda w: "/account/password", SIGNED_IN,
                                           data=lambda w: {}),
    ("auth.sign_out_everywhere", "POST"): Rule(lambda w: "/account/sign-out-everywhere",
                                               SIGNED_IN, data=lambda w: {}),
    ("auth.create_token", "POST"): Rule(lambda w: "/account/tokens", SIGNED_IN,
                                        data=lambda w: {}),
    # Revoking someone else's token is hidden; the world's token belongs to the organizer.
    ("auth.revoke_token", "POST"): Rule(
        lambda w: f"/account/tokens/{w.objects['organizer_token_id']}/revoke",
        expect(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK), data=lambda w: {}),
    ("console.console", "GET"): Rule(lambda w: f"/events/{w.event.slug}/console/", MANAGE),
    ("console.add_team_member", "POST"): Rule(lambda w: f"/events/{w.event.slug}/console/team",
                                              MANAGE, data=lambda w: {}),
    ("console.remove_team_member", "POST"): Rule(
        lambda w: f"/events/{w.event.slug}/console/team/{w.objects['new_team_role']()}/remove",
        MANAGE,
        data=lambda w: {}),
    # Front-end libraries from node_modules/ (npm ci): public like static files.
    ("assets.asset", "GET"): Rule(lambda w: "/assets/jsqr/jsQR.js", PUBLIC),
    ("api_events.Events", "GET"): api_rule(lambda w: "/api/v1/events", PUBLIC),
    ("api_events.EventDetail", "GET"): api_rule(lambda w: f"/api/v1/events/{w.event.slug}",
                                                PUBLIC),
    ("api-docs.openapi_json", "GET"): api_rule(lambda w: "/api/v1/openapi.json", PUBLIC),
}


def extend_world(world) -> None:
    from eventsapp.auth.services import create_api_token
    from eventsapp.extensions import db
    from eventsapp.models import EventRole, EventRoleKind, User

    token, _ = create_api_token(world.users["organizer"], "to revoke")
    world.objects["organizer_token_id"] = token.id

    def new_team_role() -> int:
        # A fresh grant for each request: the organizer's removal must not spoil the admin's.
        db.session.commit()  # a fresh transaction: requests have written since
        helper = User(email=f"helper-{uuid.uuid4().hex}@example.org", name="Helper",
                      password_hash="x")
        grant = EventRole(user=helper, event=world.event,
                          role=EventRoleKind.CHECKIN_STAFF)
        db.session.add(grant)
        db.session.commit()
        return grant.id

    world.objects["new_team_role"] = new_team_role

