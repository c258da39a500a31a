"""Vocabulary of the permission table.

Outcomes per actor:
- OK: the request gets past the permission check (any answer but 401/403/404 or a
  redirect to the sign-in page; a 400/422 for an empty form still counts as allowed).
- LOGIN: anonymous visitors are sent to sign in (HTML: 302 to /login; API: 401).
- DENY: 403.
- HIDDEN: 404 (drafts and private objects are not revealed).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

OK, LOGIN, DENY, HIDDEN = "ok", "login", "deny", "hidden"
# "focal": a focal point of an organization of the event under test ("Perm Delegation");
# "other_focal": a focal point of another organization of the same event. Besides their
# organizations they are plain signed-in users: unless a rule says otherwise, they get
# what the attendee gets. (The table runs actors in this order, and some requests change
# the world: the focal points come right after the attendee, before anyone who may.)
ACTORS = ("anon", "attendee", "focal", "other_focal", "staff", "other_org", "organizer", "admin")


def expect(anon, attendee, staff, other_org, organizer, admin, *, focal=None,
           other_focal=None) -> dict:
    values = {"anon": anon, "attendee": attendee, "staff": staff, "other_org": other_org,
              "organizer": organizer, "admin": admin,
              "focal": attendee if focal is None else focal,
              "other_focal": attendee if other_focal is None else other_focal}
    return {actor: values[actor] for actor in ACTORS}


PUBLIC = expect(OK, OK, OK, OK, OK, OK)
SIGNED_IN = expect(LOGIN, OK, OK, OK, OK, OK)
MANAGE = expect(LOGIN, DENY, DENY, DENY, OK, OK)
CHECKIN = expect(LOGIN, DENY, OK, DENY, OK, OK)
ADMIN = expect(LOGIN, DENY, DENY, DENY, DENY, OK)


@dataclass
class Rule:
    url: Callable  # world -> path (with query string if any)
    expected: dict
    data: Callable | None = None  # world -> form data or JSON body
    json: bool = False  # send data as JSON
    api: bool = False  # authenticate with the actor's bearer token, not a session
    note: str = ""
    extra: dict = field(default_factory=dict)


def api_rule(url, expected, data=None, note="") -> Rule:
    return Rule(url=url, expected=expected, data=data, json=True, api=True, note=note)
