"""Bulk actions on registrants and mail an organizer can trust: merge fields rendered
once and escaped, a preview with one recipient's real values, a test sent only to the
organizer, the real send after a confirmation, fresh manage links; approve, decline and
move a selection, each person on their own; the API of both."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.errors import ValidationFailed
from eventsapp.mail import delivery
from eventsapp.models import (
    Category,
    FocalPoint,
    Modality,
    Organization,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    StakeholderType,
)
from eventsapp.registration import delegations, links, messaging
from eventsapp.registration.mergefields import MergeError, parse
from eventsapp.security import hash_token, new_token

LINK = re.compile(r"https?://[^/\s]+/r/([A-Za-z0-9_\-]+)")


@pytest.fixture
def add_reg(db):
    counter = {"n": 0}

    def make(event, **kw) -> Registration:
        counter["n"] += 1
        n = counter["n"]
        values = {"event_id": event.id, "name": f"Person {n}", "email": f"person{n}@example.org",
                  "modality": Modality.IN_PERSON, "status": RegistrationStatus.CONFIRMED,
                  "category": Category.PARTICIPANT, "manage_token_hash": hash_token(new_token()),
                  "badge_code": new_token(), "join_token": new_token(),
                  # Oldest first is the order of the bulk actions: make it explicit.
                  "created_at": datetime.now(UTC) - timedelta(hours=100 - n)}
        values.update(kw)
        reg = Registration(**values)
        db.session.add(reg)
        db.session.commit()
        return reg

    return make


@pytest.fixture
def organizer(make_event, make_user, login_as):
    def make(**event_kw):
        event = make_event(**event_kw)
        user = make_user("organizer@example.org", organizer_of=event, name="Olga Organizer")
        return event, login_as(user), user

    return make


def outbox(db, **where) -> list[OutboxMessage]:
    db.session.rollback()
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for k, v in where.items():
        q = q.where(getattr(OutboxMessage, k) == v)
    return list(db.session.scalars(q))


def fresh(db, reg) -> Registration:
    db.session.rollback()
    return db.session.get(Registration, reg.id, populate_existing=True)


# ------------------------------------------------------------------ merge fields


def test_merge_fields_are_put_in_once_and_braces_escape(app):
    template = parse("Dear {name}, {{not a field}} see {event_link}")
    assert template.render({"name": "{manage_link}", "event_link": "https://x/e"}) == \
        "Dear {manage_link}, {not a field} see https://x/e"  # a value is never re-read
    assert template.uses("event_link") and not template.uses("manage_link")


@pytest.mark.parametrize("text, named", [
    ("Hello {name.__class__}", "{name.__class__}"),
    ("{name.__init__.__globals__}", "{name.__init__.__globals__}"),
    ("Hi {0}", "{0}"),
    ("Hi {name!r}", "{name!r}"),
    ("{{ config }}", None),  # Jinja syntax is literal text, not an error nor a lookup
    ("Hi {firstname}", "{firstname}"),
    ("Hi {name", "{"),
    ("Hi name}", "}"),
])
def test_unknown_fields_and_lone_braces_are_errors_naming_them(app, text, named):
    if named is None:
        assert parse(text).render({}) == "{ config }"
        return
    with pytest.raises(MergeError) as err:
        parse(text)
    assert named in str(err.value)
    with app.test_request_context(), pytest.raises(ValidationFailed) as failed:
        messaging.draft("Subject", text)
    assert list(failed.value.fields) == ["body"] and named in failed.value.fields["body"][0]


def test_values_are_escaped_in_the_html_part(organizer, db, add_reg):
    event, client, _ = organizer()
    add_reg(event, name='<script>alert("x")</script>', organization="A & B")
    resp = client.post(f"/events/{event.slug}/registrations/message",
                       data={"subject": "For {name}", "body": "Dear {name} of {organization}",
                             "do": "send", "confirm": "1"})
    assert resp.status_code == 302
    [mail] = outbox(db, kind="organizer_message")
    assert 'Dear <script>alert("x")</script> of A & B' in mail.body_text  # text: as typed
    assert "<script>" not in mail.body_html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; of A &amp; B" in mail.body_html
    assert mail.subject.endswith('For <script>alert("x")</script>')


def test_a_bad_field_on_the_page_is_an_error_under_it_and_nothing_is_sent(organizer, db,
                                                                          add_reg):
    event, client, _ = organizer()
    add_reg(event)
    resp = client.post(f"/events/{event.slug}/registrations/message",
                       data={"subject": "Hi {name}", "body": "Your {name.__class__}",
                             "do": "send", "confirm": "1"})
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'id="body-error"' in page and "{name.__class__}" in page
    assert outbox(db) == []


# ------------------------------------------------------------------ preview, test, send


def test_preview_shows_the_chosen_recipients_real_values(organizer, db, add_reg):
    event, client, _ = organizer(title="Digital Roundtable")
    add_reg(event, name="Ada First", organization="Engines Ltd")
    bob = add_reg(event, name="Bob Second", organization="Looms Inc",
                  modality=Modality.ONLINE, category=Category.PRESS)
    data = {"subject": "Hello {name}", "do": "preview",
            "body": "{name} ({organization}), {modality}, {category}, {status}: {manage_link}"}
    page = client.post(f"/events/{event.slug}/registrations/message",
                       data=data).get_data(as_text=True)
    assert "Hello Ada First" in page and "Bob Second (Looms" not in page  # default: the first
    page = client.post(f"/events/{event.slug}/registrations/message",
                       data={**data, "preview_id": str(bob.id)}).get_data(as_text=True)
    shown = re.search(r"<pre[^>]*data-preview-text>(.*?)</pre>", page, re.S).group(1)
    assert "Bob Second (Looms Inc), Online, Press, Confirmed:" in shown
    assert f"/r/{messaging.EXAMPLE_TOKEN}" in shown  # an example link, not a real one
    assert "Digital Roundtable: Hello Bob Second" in page
    assert outbox(db) == []  # a preview sends nothing
    assert links_of(db, bob) == 0  # and mints no link


def links_of(db, reg) -> int:
    from eventsapp.models.registration import RegistrationLink

    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(RegistrationLink).where(
        RegistrationLink.registration_id == reg.id))


def test_send_me_a_test_goes_to_the_organizer_only(app, organizer, db, add_reg, smtp_server):
    app.config.update(smtp_server.config)
    event, client, user = organizer(title="Digital Roundtable")
    add_reg(event, name="Ada First", email="ada@example.org")
    bob = add_reg(event, name="Bob Second", email="bob@example.org")
    resp = client.post(f"/events/{event.slug}/registrations/message",
                       data={"subject": "Hello {name}", "body": "Dear {name}: {manage_link}",
                             "do": "test", "preview_id": str(bob.id)})
    assert resp.status_code == 200 and "organizer@example.org" in resp.get_data(as_text=True)
    [queued] = outbox(db)
    assert queued.to_address == "organizer@example.org"
    delivery.deliver()
    [msg] = smtp_server.to("organizer@example.org")
    assert msg["Subject"] == "[Test] Digital Roundtable: Hello Bob Second"
    text = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Dear Bob Second:" in text and f"/r/{messaging.EXAMPLE_TOKEN}" in text
    assert [m["To"] for m in smtp_server.messages] == ["organizer@example.org"]
    assert smtp_server.to("ada@example.org") == smtp_server.to("bob@example.org") == []
    assert links_of(db, bob) == 0


def test_the_real_send_asks_with_the_count_then_gives_each_a_fresh_link(
        app, organizer, db, add_reg, smtp_server):
    app.config.update(smtp_server.config)
    event, client, _ = organizer(title="Digital Roundtable")
    ada = add_reg(event, name="Ada", email="ada@example.org", manage_token_hash=hash_token("old-a"))
    zoe = add_reg(event, name="Zoé", email="zoe@example.org", language="fr")
    add_reg(event, name="Gone", status=RegistrationStatus.CANCELLED)
    data = {"subject": "Your link", "body": "Dear {name}, your link: {manage_link}", "do": "send"}
    asked = client.post(f"/events/{event.slug}/registrations/message", data=data)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Send this message to 2 registrants?" in page
    assert "the links they already have keep working" in page
    assert outbox(db) == []
    resp = client.post(f"/events/{event.slug}/registrations/message", data={**data, "confirm": "1"})
    assert resp.status_code == 302
    delivery.deliver()
    [to_ada] = smtp_server.to("ada@example.org")
    [to_zoe] = smtp_server.to("zoe@example.org")
    for msg, reg in ((to_ada, ada), (to_zoe, zoe)):
        text = msg.get_body(preferencelist=("plain",)).get_content()
        token = LINK.search(text).group(1)
        assert links.registration_for_manage_token(token).id == reg.id  # a real, live link
        assert text.startswith(f"Dear {reg.name}, your link:")
    assert links.registration_for_manage_token("old-a").id == ada.id  # the old one still works
    # Each in their own language: the footer of Zoé's mail is French.
    assert "Vous recevez" in to_zoe.get_body(preferencelist=("plain",)).get_content()
    assert "You receive this" in to_ada.get_body(preferencelist=("plain",)).get_content()


def test_no_manage_link_field_no_new_link(organizer, db, add_reg):
    event, client, _ = organizer()
    reg = add_reg(event)
    client.post(f"/events/{event.slug}/registrations/message",
                data={"subject": "News", "body": "Hello {name}", "confirm": "1"})
    assert len(outbox(db, kind="organizer_message")) == 1
    assert links_of(db, reg) == 0


# ------------------------------------------------------------------ bulk actions (pages)


def results(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-result="(\d+)" data-outcome="(\w+)"', page))


def test_bulk_approve_respects_capacity_oldest_first_with_reasons(organizer, db, add_reg):
    event, client, _ = organizer(capacity_in_person=2)
    already = add_reg(event, name="Already In")
    a = add_reg(event, name="Ann Pending", status=RegistrationStatus.PENDING)
    b = add_reg(event, name="Ben Pending", status=RegistrationStatus.PENDING)
    c = add_reg(event, name="Cy Pending", status=RegistrationStatus.PENDING)
    form = {"scope": "selected", "action": "approve", "id": [str(c.id), str(already.id),
                                                             str(b.id), str(a.id)]}
    asked = client.post(f"/events/{event.slug}/registrations/bulk", data=form)
    assert asked.status_code == 200 and "Approve 4 registrations?" in asked.get_data(as_text=True)
    assert fresh(db, a).status is RegistrationStatus.PENDING  # nothing before the confirmation
    resp = client.post(f"/events/{event.slug}/registrations/bulk", data={**form, "confirm": "1"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    # Oldest first: Ann takes the last place, Ben and Cy go to the waiting list.
    assert [int(i) for i in results(page)] == [already.id, a.id, b.id, c.id]
    assert results(page) == {str(already.id): "refused", str(a.id): "done",
                             str(b.id): "done", str(c.id): "done"}
    assert "Only a pending registration can be approved." in page
    assert fresh(db, a).status is RegistrationStatus.CONFIRMED
    assert fresh(db, b).status is fresh(db, c).status is RegistrationStatus.WAITLISTED
    assert 'data-done="3"' in page and 'data-refused="1"' in page
    # Each approved person got their approval mail with a live manage link.
    for reg in (a, b, c):
        [mail] = outbox(db, to_address=reg.email, kind="registration_approved")
        assert links.registration_for_manage_token(LINK.search(mail.body_text).group(1)).id == reg.id


def test_bulk_decline_all_matching_the_filter(organizer, db, add_reg):
    event, client, _ = organizer()
    keep = add_reg(event, name="Confirmed Keep")
    p1 = add_reg(event, status=RegistrationStatus.PENDING)
    p2 = add_reg(event, status=RegistrationStatus.PENDING)
    form = {"scope": "all", "action": "decline", "filter": "status=pending"}
    asked = client.post(f"/events/{event.slug}/registrations/bulk", data=form)
    page = asked.get_data(as_text=True)
    assert "Decline 2 registrations?" in page
    # The confirmation carries the ids it counted: someone matching later is not declined.
    reposted = re.findall(r'name="(scope|id)" value="([^"]*)"', page)
    assert reposted == [("scope", "selected"), ("id", str(p1.id)), ("id", str(p2.id))]
    late = add_reg(event, status=RegistrationStatus.PENDING)
    page = client.post(f"/events/{event.slug}/registrations/bulk",
                       data={**form, "scope": "selected", "id": [str(p1.id), str(p2.id)],
                             "confirm": "1"}).get_data(as_text=True)
    assert results(page) == {str(p1.id): "done", str(p2.id): "done"}
    assert fresh(db, late).status is RegistrationStatus.PENDING
    assert fresh(db, p1).status is fresh(db, p2).status is RegistrationStatus.DECLINED
    assert fresh(db, keep).status is RegistrationStatus.CONFIRMED
    assert len(outbox(db, kind="registration_declined")) == 2


def test_bulk_decline_of_a_confirmed_person_promotes_with_a_fresh_link(organizer, db, add_reg):
    event, client, _ = organizer(capacity_in_person=1)
    held = add_reg(event, name="Holds The Place")
    waiting = add_reg(event, name="Next In Line", status=RegistrationStatus.WAITLISTED,
                      waitlisted_at=datetime.now(UTC))
    page = client.post(f"/events/{event.slug}/registrations/bulk",
                       data={"scope": "selected", "action": "decline", "id": str(held.id),
                             "confirm": "1"}).get_data(as_text=True)
    assert results(page) == {str(held.id): "done"}
    assert fresh(db, waiting).status is RegistrationStatus.CONFIRMED
    [mail] = outbox(db, to_address=waiting.email, kind="registration_promoted")
    token = LINK.search(mail.body_text).group(1)
    assert links.registration_for_manage_token(token).id == waiting.id


def test_bulk_move_category_and_modality(organizer, db, add_reg):
    event, client, _ = organizer(capacity_in_person=1)
    a = add_reg(event, modality=Modality.ONLINE)
    b = add_reg(event, modality=Modality.ONLINE)
    ids = [str(a.id), str(b.id)]
    client.post(f"/events/{event.slug}/registrations/bulk",
                data={"scope": "selected", "action": "category", "to_category": "vip", "id": ids,
                      "confirm": "1"})
    assert fresh(db, a).category is fresh(db, b).category is Category.VIP
    page = client.post(f"/events/{event.slug}/registrations/bulk",
                       data={"scope": "selected", "action": "modality",
                             "to_modality": "in_person", "id": ids, "confirm": "1"}
                       ).get_data(as_text=True)
    # One in-person place: the first moves, the second is refused and stays online.
    assert results(page) == {str(a.id): "done", str(b.id): "refused"}
    assert "In-person places are full." in page
    assert fresh(db, a).modality is Modality.IN_PERSON
    assert fresh(db, b).modality is Modality.ONLINE


def test_bulk_bad_input_and_the_cap(organizer, db, add_reg):
    event, client, _ = organizer()
    reg = add_reg(event)
    url = f"/events/{event.slug}/registrations/bulk"
    for form in ({"action": "approve", "scope": "selected"},  # nothing ticked
                 {"action": "explode", "id": str(reg.id)},
                 {"action": "category", "to_category": "emperor", "id": str(reg.id)},
                 {"action": "approve", "id": [str(i) for i in range(1, 1003)]}):
        resp = client.post(url, data={**form, "confirm": "1"})
        assert resp.status_code == 303, form
    flashed = client.get(f"/events/{event.slug}/registrations/").get_data(as_text=True)
    assert "at most 1000" in flashed
    assert fresh(db, reg).category is Category.PARTICIPANT


def test_write_to_the_selection_opens_the_message_page_for_those_ids(organizer, db, add_reg):
    event, client, _ = organizer()
    a = add_reg(event, name="Ann")
    add_reg(event, name="Ben")
    c = add_reg(event, name="Cy", status=RegistrationStatus.WAITLISTED)
    page = client.post(f"/events/{event.slug}/registrations/bulk",
                       data={"scope": "selected", "action": "write", "id": [str(a.id), str(c.id)]}
                       ).get_data(as_text=True)
    assert 'data-selection="2"' in page
    assert sorted(re.findall(r'name="id" value="(\d+)"', page)) == sorted([str(a.id), str(c.id)])
    resp = client.post(f"/events/{event.slug}/registrations/message",
                       data={"by_ids": "1", "id": [str(a.id), str(c.id)], "subject": "Hi",
                             "body": "Hi {name}", "confirm": "1"})
    assert resp.status_code == 302
    assert sorted(m.to_address for m in outbox(db)) == sorted([a.email, c.email])


def test_registrant_list_has_tick_boxes_and_all_matching(organizer, add_reg):
    event, client, _ = organizer()
    reg = add_reg(event, name="Ann")
    page = client.get(f"/events/{event.slug}/registrations/?status=confirmed").get_data(as_text=True)
    assert f'name="id" value="{reg.id}"' in page
    assert "All 1 matching this filter" in page
    assert 'name="filter" value="status=confirmed"' in page


# ------------------------------------------------------------------ API


def test_api_bulk_per_id_results_and_other_events_ids(app, client, db, make_event, make_user,
                                                      api_token, add_reg):
    event, other = make_event(), make_event()
    headers = api_token(make_user(organizer_of=event))
    pending = add_reg(event, status=RegistrationStatus.PENDING)
    cancelled = add_reg(event, status=RegistrationStatus.CANCELLED)
    foreign = add_reg(other, status=RegistrationStatus.PENDING)
    resp = client.post(f"/api/v1/events/{event.slug}/registrations/bulk", headers=headers,
                       json={"action": "decline", "ids": [foreign.id, cancelled.id, pending.id]})
    assert resp.status_code == 200, resp.json
    body = resp.get_json()
    assert body["done"] == 1 and body["refused"] == 2
    assert [(r["id"], r["result"], r["code"]) for r in body["results"]] == [
        (pending.id, "done", "done"), (cancelled.id, "refused", "not_active"),
        (foreign.id, "refused", "not_found")]
    assert body["results"][0]["status"] == "declined"
    assert fresh(db, foreign).status is RegistrationStatus.PENDING
    bad = client.post(f"/api/v1/events/{event.slug}/registrations/bulk", headers=headers,
                      json={"action": "category", "value": "emperor", "ids": [pending.id]})
    assert bad.status_code == 422 and "value" in bad.json["error"]["fields"]
    many = client.post(f"/api/v1/events/{event.slug}/registrations/bulk", headers=headers,
                       json={"action": "approve", "ids": list(range(1, 1002))})
    assert many.status_code == 422 and "ids" in many.json["error"]["fields"]
    none = client.post(f"/api/v1/events/{event.slug}/registrations/bulk", headers=headers,
                       json={"action": "approve"})
    assert none.status_code == 422


def test_api_bulk_by_filters(client, db, make_event, make_user, api_token, add_reg):
    event = make_event()
    headers = api_token(make_user(organizer_of=event))
    a = add_reg(event, category=Category.PRESS)
    b = add_reg(event)
    resp = client.post(f"/api/v1/events/{event.slug}/registrations/bulk", headers=headers,
                       json={"action": "category", "value": "staff",
                             "filters": {"category": "press"}})
    assert [r["id"] for r in resp.get_json()["results"]] == [a.id]
    assert fresh(db, a).category is Category.STAFF and fresh(db, b).category is Category.PARTICIPANT


def test_api_messages_preview_then_send(client, db, make_event, make_user, api_token, add_reg):
    event = make_event(title="Digital Roundtable")
    headers = api_token(make_user(organizer_of=event))
    add_reg(event, name="Ann")
    ben = add_reg(event, name="Ben", modality=Modality.ONLINE)
    url = f"/api/v1/events/{event.slug}/messages"
    body = {"subject": "Hi {name}", "body": "{name}: {modality} {manage_link}"}
    preview = client.post(url, headers=headers,
                          json={**body, "preview": True, "preview_id": ben.id}).get_json()
    assert preview["sent"] is False and preview["recipients"] == 2
    assert preview["preview"]["subject"] == "Digital Roundtable: Hi Ben"
    assert preview["preview"]["text"].startswith(f"Ben: Online http://localhost/r/{messaging.EXAMPLE_TOKEN}")
    assert outbox(db) == []
    bad = client.post(url, headers=headers, json={**body, "body": "{name.__class__}"})
    assert bad.status_code == 422
    assert "{name.__class__}" in bad.json["error"]["fields"]["body"][0]
    sent = client.post(url, headers=headers, json={**body, "filters": {"modality": "online"}})
    assert sent.get_json()["sent"] is True and sent.get_json()["recipients"] == 1
    [mail] = outbox(db)
    assert mail.to_address == ben.email
    assert links.registration_for_manage_token(LINK.search(mail.body_text).group(1)).id == ben.id


# ------------------------------------------------------------------ fresh links elsewhere


def test_focal_point_approval_mail_carries_a_fresh_manage_link(db, make_event, make_user):
    event = make_event()
    focal = make_user("focal@example.org")
    org = Organization(event_id=event.id, name="Engines NGO", kind=StakeholderType.CIVIL_SOCIETY,
                       max_registrations=2)
    db.session.add(org)
    db.session.flush()
    db.session.add(FocalPoint(organization_id=org.id, user_id=focal.id))
    reg = Registration(event_id=event.id, name="Dele Gate", email="dele@example.org",
                       organization_id=org.id, modality=Modality.IN_PERSON,
                       status=RegistrationStatus.PENDING, manage_token_hash=hash_token("first"),
                       badge_code=new_token(), join_token=new_token())
    db.session.add(reg)
    db.session.commit()
    delegations.approve(org, reg.id, focal)
    [mail] = outbox(db, kind="registration_approved")
    token = LINK.search(mail.body_text).group(1)
    assert links.registration_for_manage_token(token).id == reg.id
    assert links.registration_for_manage_token("first").id == reg.id  # still works
