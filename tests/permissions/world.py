"""The world every permission rule runs in: two events, one user per kind, tokens."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from eventsapp.auth.services import create_api_token


@dataclass
class World:
    event: object = None  # the event under test (published)
    other_event: object = None  # organized by other_org
    draft_event: object = None  # unpublished, organized by organizer
    users: dict = field(default_factory=dict)  # actor -> User
    tokens: dict = field(default_factory=dict)  # actor -> bearer token
    objects: dict = field(default_factory=dict)  # anything features add


def build_world(make_user, make_event, make_room, make_session, make_person) -> World:
    w = World()
    w.event = make_event(title="Permission event")
    w.other_event = make_event(title="Other event")
    w.draft_event = make_event(title="Draft event", published=False)
    w.users["attendee"] = make_user(name="Attendee")
    w.users["staff"] = make_user(name="Door Staff", staff_of=w.event)
    w.users["other_org"] = make_user(name="Other Organizer", organizer_of=w.other_event)
    w.users["organizer"] = make_user(name="Organizer", organizer_of=[w.event, w.draft_event])
    w.users["admin"] = make_user(name="Admin", is_admin=True)
    w.users["focal"] = make_user(name="Focal Point")
    w.users["other_focal"] = make_user(name="Other Focal Point")
    w.objects["organization"], w.objects["other_organization"] = _organizations(w)
    for actor, user in w.users.items():
        w.tokens[actor] = create_api_token(user, "perm")[1]
    room = make_room(w.event)
    person = make_person("Perm Speaker", "Perm Org")
    w.objects["room"] = room
    w.objects["person"] = person
    w.objects["session"] = make_session(w.event, room=room, people=[(person, "moderator")],
                                        starts_at=w.event.starts_at + timedelta(hours=1))
    w.objects["draft_session"] = make_session(w.draft_event)
    return w


def _organizations(w: World):
    """Two organizations of the event under test, each with its focal point."""
    from eventsapp.extensions import db
    from eventsapp.models import FocalPoint, Organization, StakeholderType

    org = Organization(event_id=w.event.id, name="Perm Delegation",
                       kind=StakeholderType.CIVIL_SOCIETY, max_registrations=3)
    other = Organization(event_id=w.event.id, name="Other Delegation",
                         kind=StakeholderType.GOVERNMENT, country="RW", max_in_room=2)
    db.session.add_all([org, other])
    db.session.flush()
    db.session.add_all([FocalPoint(organization_id=org.id, user_id=w.users["focal"].id),
                        FocalPoint(organization_id=other.id,
                                   user_id=w.users["other_focal"].id)])
    db.session.commit()
    return org, other
