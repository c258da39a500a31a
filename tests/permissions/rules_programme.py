"""Routes of the programme: public pages and files, stars, organizer building, API."""
from __future__ import annotations

import uuid
from datetime import timedelta

from .base import (
    DENY,
    HIDDEN,
    LOGIN,
    MANAGE,
    OK,
    PUBLIC,
    SIGNED_IN,
    Rule,
    api_rule,
    expect,
)

# Administrators and organizers of at least one event create events and people.
CREATORS = expect(LOGIN, DENY, DENY, OK, OK, OK)
API_MANAGE = expect(LOGIN, DENY, DENY, DENY, OK, OK)
# A person's id is not revealed to those who may not use it (permissions.load_person).
PERSON_MANAGE = expect(LOGIN, HIDDEN, HIDDEN, HIDDEN, OK, OK)


def _ev(w):
    return w.event.slug


def _s(w):
    return w.objects["session"].id


RULES = {
    # ---- reading
    ("programme.programme", "GET"): Rule(lambda w: f"/events/{_ev(w)}/programme", PUBLIC),
    ("programme.session_page", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}", PUBLIC),
    ("programme.speakers", "GET"): Rule(lambda w: f"/events/{_ev(w)}/speakers", PUBLIC),
    ("programme.speaker_page", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/speakers/{w.objects['person'].id}", PUBLIC),
    ("programme.person_photo", "GET"): Rule(
        lambda w: f"/people/{w.objects['photo_person_id']}/photo", PUBLIC),
    ("programme.event_ics", "GET"): Rule(lambda w: f"/events/{_ev(w)}/programme.ics", PUBLIC),
    ("programme.session_ics", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}.ics", PUBLIC),
    ("programme.speaker_ics", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/speakers/{w.objects['person'].id}.ics", PUBLIC),
    ("programme.schedule_xml", "GET"): Rule(lambda w: f"/events/{_ev(w)}/schedule.xml", PUBLIC),
    ("programme.schedule_json", "GET"): Rule(lambda w: f"/events/{_ev(w)}/schedule.json",
                                             PUBLIC),
    # The secret URL is the key: whoever has it reads the feed.
    ("programme.personal_feed", "GET"): Rule(
        lambda w: f"/calendar/{w.objects['feed_token']}.ics", PUBLIC),
    # ---- signed-in users
    ("programme.star", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/star", SIGNED_IN, data=lambda w: {}),
    ("programme.unstar", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/unstar", SIGNED_IN, data=lambda w: {}),
    ("programme.my_schedule", "GET"): Rule(lambda w: "/my/schedule", SIGNED_IN),
    ("programme.reset_feed", "POST"): Rule(lambda w: "/my/schedule/feed", SIGNED_IN,
                                           data=lambda w: {}),
    ("programme.my_sessions", "GET"): Rule(lambda w: "/my/sessions", SIGNED_IN),
    # ---- organizers
    ("programme_admin.new_event", "GET"): Rule(lambda w: "/events/new", CREATORS),
    ("programme_admin.new_event", "POST"): Rule(lambda w: "/events/new", CREATORS,
                                                data=lambda w: {}),
    ("programme_admin.edit_event", "GET"): Rule(lambda w: f"/events/{_ev(w)}/edit", MANAGE),
    ("programme_admin.edit_event", "POST"): Rule(lambda w: f"/events/{_ev(w)}/edit", MANAGE,
                                                 data=lambda w: {}),
    # Without the typed confirmation nothing is deleted.
    ("programme_admin.delete_event", "POST"): Rule(lambda w: f"/events/{_ev(w)}/delete", MANAGE,
                                                   data=lambda w: {}),
    ("programme_admin.manage", "GET"): Rule(lambda w: f"/events/{_ev(w)}/programme/manage",
                                            MANAGE),
    ("programme_admin.add_room", "POST"): Rule(lambda w: f"/events/{_ev(w)}/rooms", MANAGE,
                                               data=lambda w: {}),
    ("programme_admin.edit_room", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/rooms/{w.objects['room'].id}/edit", MANAGE),
    ("programme_admin.edit_room", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/rooms/{w.objects['room'].id}/edit", MANAGE,
        data=lambda w: {}),
    ("programme_admin.delete_room", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/rooms/{w.objects['new_room']()}/delete", MANAGE,
        data=lambda w: {}),
    ("programme_admin.new_session", "GET"): Rule(lambda w: f"/events/{_ev(w)}/sessions/new",
                                                 MANAGE),
    ("programme_admin.new_session", "POST"): Rule(lambda w: f"/events/{_ev(w)}/sessions/new",
                                                  MANAGE, data=lambda w: {}),
    ("programme_admin.edit_session", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/edit", MANAGE),
    ("programme_admin.edit_session", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/edit", MANAGE, data=lambda w: {}),
    ("programme_admin.delete_session", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{w.objects['new_session']()}/delete", MANAGE,
        data=lambda w: {}),
    ("programme_admin.add_person", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/people", MANAGE, data=lambda w: {}),
    ("programme_admin.create_person_on_session", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/people/new", MANAGE, data=lambda w: {}),
    ("programme_admin.remove_person", "POST"): Rule(
        lambda w: "/events/{}/sessions/{}/people/{}/remove".format(_ev(w), *w.objects['new_role']()),
        MANAGE, data=lambda w: {}),
    ("programme_admin.move_person", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/people/{w.objects['role_id']}/move",
        MANAGE, data=lambda w: {}),
    ("programme_admin.change_person_role", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/sessions/{_s(w)}/people/{w.objects['role_id']}/role",
        MANAGE, data=lambda w: {}),
    ("programme_admin.new_person", "GET"): Rule(lambda w: f"/events/{_ev(w)}/people/new",
                                                MANAGE),
    ("programme_admin.new_person", "POST"): Rule(lambda w: f"/events/{_ev(w)}/people/new",
                                                 MANAGE, data=lambda w: {}),
    ("programme_admin.edit_person", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/people/{w.objects['person'].id}/edit", MANAGE),
    ("programme_admin.edit_person", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/people/{w.objects['person'].id}/edit", MANAGE,
        data=lambda w: {}),
    ("programme_admin.import_programme", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/programme/import", MANAGE),
    ("programme_admin.import_programme", "POST"): Rule(
        lambda w: f"/events/{_ev(w)}/programme/import", MANAGE, data=lambda w: {}),
    ("programme_admin.export_csv", "GET"): Rule(
        lambda w: f"/events/{_ev(w)}/programme/export.csv", MANAGE),
    ("programme_admin.publish", "GET"): Rule(lambda w: f"/events/{_ev(w)}/programme/publish",
                                             MANAGE),
    ("programme_admin.publish", "POST"): Rule(lambda w: f"/events/{_ev(w)}/programme/publish",
                                              MANAGE, data=lambda w: {}),
    # ---- API
    ("api_programme.EventSessions", "GET"): api_rule(
        lambda w: f"/api/v1/events/{_ev(w)}/sessions", PUBLIC),
    ("api_programme.EventSessions", "POST"): api_rule(
        lambda w: f"/api/v1/events/{_ev(w)}/sessions", API_MANAGE, data=lambda w: {}),
    ("api_programme.SessionDetail", "GET"): api_rule(lambda w: f"/api/v1/sessions/{_s(w)}",
                                                     PUBLIC),
    ("api_programme.SessionDetail", "PATCH"): api_rule(lambda w: f"/api/v1/sessions/{_s(w)}",
                                                       API_MANAGE, data=lambda w: {}),
    ("api_programme.SessionDetail", "DELETE"): api_rule(
        lambda w: f"/api/v1/sessions/{w.objects['new_session']()}", API_MANAGE),
    ("api_programme.EventCreate", "POST"): api_rule(lambda w: "/api/v1/events", CREATORS,
                                                    data=lambda w: {}),
    ("api_programme.EventChange", "PATCH"): api_rule(lambda w: f"/api/v1/events/{_ev(w)}",
                                                     API_MANAGE, data=lambda w: {}),
    ("api_programme.EventChange", "DELETE"): api_rule(
        lambda w: f"/api/v1/events/{w.objects['new_event']()}", API_MANAGE),
    ("api_programme.EventRooms", "GET"): api_rule(lambda w: f"/api/v1/events/{_ev(w)}/rooms",
                                                  PUBLIC),
    ("api_programme.EventRooms", "POST"): api_rule(lambda w: f"/api/v1/events/{_ev(w)}/rooms",
                                                   API_MANAGE, data=lambda w: {}),
    ("api_programme.EventRoom", "PATCH"): api_rule(
        lambda w: f"/api/v1/events/{_ev(w)}/rooms/{w.objects['room'].id}", API_MANAGE,
        data=lambda w: {}),
    ("api_programme.EventRoom", "DELETE"): api_rule(
        lambda w: f"/api/v1/events/{_ev(w)}/rooms/{w.objects['new_room']()}", API_MANAGE),
    ("api_programme.People", "POST"): api_rule(lambda w: "/api/v1/people", CREATORS,
                                               data=lambda w: {}),
    ("api_programme.PersonDetail", "GET"): api_rule(
        lambda w: f"/api/v1/people/{w.objects['person'].id}", PUBLIC),
    ("api_programme.PersonDetail", "PATCH"): api_rule(
        lambda w: f"/api/v1/people/{w.objects['person'].id}", PERSON_MANAGE,
        data=lambda w: {}),
    ("api_programme.PersonDetail", "DELETE"): api_rule(
        lambda w: f"/api/v1/people/{w.objects['new_person']()}", PERSON_MANAGE),
}


def extend_world(world) -> None:
    from flask import current_app

    from eventsapp.extensions import db
    from eventsapp.models import (
        Event,
        EventRole,
        EventRoleKind,
        Person,
        ProgrammeSession,
        Room,
        SessionRole,
        SessionType,
    )
    from eventsapp.programme import photos
    from eventsapp.programme.services import feed_token

    event = world.event
    session = world.objects["session"]
    world.objects["role_id"] = session.roles[0].id
    world.objects["feed_token"] = feed_token(world.users["attendee"])

    # A person with a stored photo.
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    with current_app.app_context():
        name = photos.store(photos.clean_image(buf.getvalue()))
    # A photo is public once its person speaks on a published session of a published event.
    p = Person(name="Photo Person", organization="Org", photo_filename=name)
    db.session.add(SessionRole(session_id=session.id, person=p, role="speaker", position=1))
    db.session.commit()
    world.objects["photo_person_id"] = p.id

    def fresh():
        db.session.commit()  # a fresh transaction: requests have written since

    def new_room() -> int:
        fresh()
        room = Room(event_id=event.id, name=f"Room {uuid.uuid4().hex[:8]}")
        db.session.add(room)
        db.session.commit()
        return room.id

    def new_session() -> int:
        fresh()
        s = ProgrammeSession(event_id=event.id, type=SessionType.BREAK, title="Coffee",
                             starts_at=event.starts_at, ends_at=event.starts_at + timedelta(minutes=30),
                             published=True)
        db.session.add(s)
        db.session.commit()
        return s.id

    def new_role() -> tuple[int, int]:
        sid = new_session()
        person = Person(name=f"Temp {uuid.uuid4().hex[:6]}", organization="Temp")
        sr = SessionRole(session_id=sid, person=person, role="speaker", position=0)
        db.session.add(sr)
        db.session.commit()
        return sid, sr.id

    def new_person() -> int:
        sid = new_session()
        person = Person(name=f"Temp {uuid.uuid4().hex[:6]}", organization="Temp")
        db.session.add(SessionRole(session_id=sid, person=person, role="speaker", position=0))
        db.session.commit()
        return person.id

    def new_event() -> str:
        fresh()
        e = Event(slug=f"tmp-{uuid.uuid4().hex[:10]}", title="Temp", timezone="UTC",
                  starts_at=event.starts_at, ends_at=event.ends_at, published=True)
        db.session.add(e)
        db.session.add(EventRole(user_id=world.users["organizer"].id, event=e,
                                 role=EventRoleKind.ORGANIZER))
        db.session.commit()
        return e.slug

    world.objects.update(new_room=new_room, new_session=new_session, new_role=new_role,
                         new_person=new_person, new_event=new_event)


__all__ = ["HIDDEN", "RULES"]
