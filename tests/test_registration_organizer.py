"""Organizer pages: the list and its filters, counts, approve/decline, add by hand,
categories, CSV export, speakers in one step, writing to a group, the outbox, erasing,
the public participant list, the console panel."""
from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.csvout import guard, unguard
from eventsapp.models import (
    Category,
    CheckIn,
    Modality,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from eventsapp.security import hash_token, new_token


@pytest.fixture
def add_reg(db):
    counter = {"n": 0}

    def make(event, **kw):
        counter["n"] += 1
        values = {"event_id": event.id, "name": f"Person {counter['n']}",
                      "email": f"person{counter['n']}@example.org", "modality": Modality.IN_PERSON,
                      "status": RegistrationStatus.CONFIRMED, "category": Category.PARTICIPANT,
                      "manage_token_hash": hash_token(new_token()), "badge_code": new_token(),
                      "join_token": new_token()}
        values.update(kw)
        if values["status"] is RegistrationStatus.WAITLISTED and "waitlisted_at" not in kw:
            values["waitlisted_at"] = datetime.now(UTC) + timedelta(seconds=counter["n"])
        reg = Registration(**values)
        db.session.add(reg)
        db.session.commit()
        return reg

    return make


@pytest.fixture
def organizer_client(make_event, make_user, login_as):
    def make(**event_kw):
        event = make_event(**event_kw)
        user = make_user(organizer_of=event)
        return event, login_as(user), user

    return make


def reload(db, reg):
    db.session.rollback()
    return db.session.get(Registration, reg.id, populate_existing=True)


def outbox(db, **where):
    db.session.rollback()
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for k, v in where.items():
        q = q.where(getattr(OutboxMessage, k) == v)
    return list(db.session.scalars(q))


# ------------------------------------------------------------------ list, filters, counts


def test_registrant_list_filters_and_counts(organizer_client, db, add_reg):
    event, client, _ = organizer_client(capacity_in_person=3)
    ada = add_reg(event, name="Ada Lovelace", organization="Engines Ltd")
    add_reg(event, name="Bob Online", modality=Modality.ONLINE)
    add_reg(event, name="Cy Waiting", status=RegistrationStatus.WAITLISTED)
    add_reg(event, name="Dee Press", category=Category.PRESS, status=RegistrationStatus.PENDING)
    db.session.add(CheckIn(registration_id=ada.id, event_id=event.id, day=date.today()))
    db.session.commit()
    base = f"/events/{event.slug}/registrations/"

    def names(query=""):
        page = client.get(base + query)
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        return {n for n in ("Ada Lovelace", "Bob Online", "Cy Waiting", "Dee Press") if n in text}

    assert names() == {"Ada Lovelace", "Bob Online", "Cy Waiting", "Dee Press"}
    assert names("?q=engines") == {"Ada Lovelace"}
    assert names("?q=%25") == set()  # LIKE wildcards are literal
    assert names("?modality=online") == {"Bob Online"}
    assert names("?status=waitlisted") == {"Cy Waiting"}
    assert names("?category=press") == {"Dee Press"}
    assert names("?checked_in=yes") == {"Ada Lovelace"}
    assert names("?checked_in=no") == {"Bob Online", "Cy Waiting", "Dee Press"}
    assert names("?status=bogus") == {"Ada Lovelace", "Bob Online", "Cy Waiting", "Dee Press"}
    page = client.get(base).get_data(as_text=True)
    row = page.split('data-modality="in_person"')[1].split("</tr>")[0]
    assert '<td data-count="confirmed">1</td>' in row
    assert '<td data-count="waitlisted">1</td>' in row and '<td data-count="pending">1</td>' in row
    assert "<td>3</td>" in row  # capacity


def test_registrant_list_query_count_does_not_grow_with_rows(organizer_client, db, add_reg,
                                                             count_queries):
    event, client, _ = organizer_client()
    add_reg(event)
    with count_queries() as few:
        client.get(f"/events/{event.slug}/registrations/")
    for _ in range(15):
        add_reg(event)
    with count_queries() as many:
        client.get(f"/events/{event.slug}/registrations/")
    assert many.count == few.count


def test_registrant_list_pages(organizer_client, db, monkeypatch):
    from eventsapp.registration import organizer_routes

    monkeypatch.setattr(organizer_routes, "PAGE_SIZE", 2)  # read by the view at each request
    event, client, _ = organizer_client()
    for i in range(5):
        db.session.add(Registration(
            event_id=event.id, name=f"Row {i}", email=f"row{i}@example.org",
            modality=Modality.IN_PERSON, status=RegistrationStatus.CONFIRMED,
            manage_token_hash=hash_token(new_token()),
            created_at=datetime.now(UTC) + timedelta(seconds=i)))
    db.session.commit()
    base = f"/events/{event.slug}/registrations/"

    def shown(query):
        text = client.get(base + query).get_data(as_text=True)
        return [f"Row {i}" for i in range(5) if f"Row {i}<" in text], text

    rows, text = shown("?page=2")
    assert rows == ["Row 2", "Row 3"] and "Page 2 of 3" in text
    assert shown("?page=99")[0] == ["Row 4"]  # past the end: the last page
    assert shown("?page=abc")[0] == ["Row 0", "Row 1"]  # not a number: the first
    assert shown("?page=-3")[0] == ["Row 0", "Row 1"]


# ------------------------------------------------------------------ approve, decline, category


def test_approve_confirms_or_waitlists_and_mails(organizer_client, db, add_reg):
    event, client, user = organizer_client(capacity_in_person=1, registration_requires_approval=True)
    first = add_reg(event, status=RegistrationStatus.PENDING)
    second = add_reg(event, status=RegistrationStatus.PENDING)
    base = f"/events/{event.slug}/registrations"
    assert client.post(f"{base}/{first.id}/approve").status_code == 302
    assert client.post(f"{base}/{second.id}/approve").status_code == 302
    first, second = reload(db, first), reload(db, second)
    assert first.status is RegistrationStatus.CONFIRMED and first.decided_by_id == user.id
    assert second.status is RegistrationStatus.WAITLISTED  # approved, but full
    assert [m.kind for m in outbox(db, to_address=first.email)] == ["registration_approved"]
    assert "waiting list" in outbox(db, to_address=second.email)[0].body_text
    again = client.post(f"{base}/{first.id}/approve", follow_redirects=True)
    assert "Only a pending registration" in again.get_data(as_text=True)


def test_decline_kills_secrets_mails_and_frees_the_place(organizer_client, db, add_reg):
    event, client, _ = organizer_client(capacity_in_person=1)
    confirmed = add_reg(event)
    waiting = add_reg(event, status=RegistrationStatus.WAITLISTED)
    asked = client.post(f"/events/{event.slug}/registrations/{confirmed.id}/decline")
    assert asked.status_code == 200 and reload(db, confirmed).status is RegistrationStatus.CONFIRMED
    client.post(f"/events/{event.slug}/registrations/{confirmed.id}/decline", data={"confirm": "1"})
    confirmed = reload(db, confirmed)
    assert confirmed.status is RegistrationStatus.DECLINED
    assert confirmed.badge_code is None and confirmed.join_token is None
    assert [m.kind for m in outbox(db, to_address=confirmed.email)] == ["registration_declined"]
    assert reload(db, waiting).status is RegistrationStatus.CONFIRMED


def test_change_category(organizer_client, db, add_reg):
    event, client, _ = organizer_client()
    reg = add_reg(event)
    client.post(f"/events/{event.slug}/registrations/{reg.id}/category", data={"category": "vip"})
    assert reload(db, reg).category is Category.VIP
    resp = client.post(f"/events/{event.slug}/registrations/{reg.id}/category",
                       data={"category": "emperor"}, follow_redirects=True)
    assert "Unknown category" in resp.get_data(as_text=True)
    assert reload(db, reg).category is Category.VIP


def test_organizer_cannot_touch_another_events_registration(organizer_client, make_event, db,
                                                            add_reg):
    event, client, _ = organizer_client()
    other = make_event()
    foreign = add_reg(other, status=RegistrationStatus.PENDING)
    base = f"/events/{event.slug}/registrations/{foreign.id}"
    assert client.get(base).status_code == 404
    assert client.post(base + "/approve").status_code == 404
    assert client.post(base + "/erase", data={"confirm": "y"}).status_code == 404
    assert reload(db, foreign).status is RegistrationStatus.PENDING


# ------------------------------------------------------------------ add by hand


def test_add_by_hand_respects_capacity_unless_over_capacity(organizer_client, db, add_reg):
    event, client, _ = organizer_client(capacity_in_person=1)
    add_reg(event)
    url = f"/events/{event.slug}/registrations/new"
    data = {"name": "Vip Person", "email": "vip@example.org", "modality": "in_person",
            "category": "vip"}
    refused = client.post(url, data=data)
    assert refused.status_code == 409 and "full" in refused.get_data(as_text=True)
    assert outbox(db) == []
    resp = client.post(url, data={**data, "over_capacity": "y"})
    assert resp.status_code == 302
    vip = db.session.scalar(sa.select(Registration).where(Registration.email == "vip@example.org"))
    assert vip.status is RegistrationStatus.CONFIRMED and vip.over_capacity
    assert vip.category is Category.VIP and vip.source == "organizer"
    [mail] = outbox(db, to_address="vip@example.org")
    assert mail.kind == "registration_confirmation" and "/r/" in mail.body_text
    dup = client.post(url, data={**data, "over_capacity": "y"})
    assert dup.status_code == 409 and "already registered" in dup.get_data(as_text=True).lower()


def test_add_by_hand_to_waiting_list(organizer_client, db, add_reg):
    event, client, _ = organizer_client(capacity_in_person=1)
    add_reg(event)
    client.post(f"/events/{event.slug}/registrations/new",
                data={"name": "W", "email": "w@example.org", "modality": "in_person",
                      "category": "participant", "if_full": "waitlist"})
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "w@example.org"))
    assert reg.status is RegistrationStatus.WAITLISTED


def test_add_by_hand_bad_input(organizer_client, db):
    event, client, _ = organizer_client()
    resp = client.post(f"/events/{event.slug}/registrations/new",
                       data={"name": "", "email": "bad", "modality": "in_person"})
    assert resp.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


# ------------------------------------------------------------------ CSV


def test_csv_export_uses_the_filters_and_defuses_formulas(organizer_client, db, add_reg):
    event, client, _ = organizer_client()
    add_reg(event, name="=HYPERLINK(\"http://evil\",\"x\")", organization="+1+1",
            country="-2", position="@SUM(A1)", needs="\tTab")
    add_reg(event, name="Online Person", modality=Modality.ONLINE)
    resp = client.get(f"/events/{event.slug}/registrations/export.csv?modality=in_person")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "name", "email"]
    assert len(rows) == 2  # the online person is filtered out
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["name"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row["organization"] == "'+1+1" and row["country"] == "'-2"
    assert row["position"] == "'@SUM(A1)" and row["needs"] == "'\tTab"
    assert "badge" not in ",".join(rows[0])


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), (None, ""), (True, "yes"), (3, "3"),
])
def test_export_cells_go_through_the_one_guard(value, expected):
    assert guard(value) == expected


def test_csv_export_is_the_one_writers_output_and_guards_a_dde_payload(organizer_client, db,
                                                                        add_reg):
    event, client, _ = organizer_client()
    payload = "=cmd|' /C calc'!A0"
    add_reg(event, name=payload, organization="Ümlaut Org")
    resp = client.get(f"/events/{event.slug}/registrations/export.csv")
    raw = resp.get_data()
    assert raw.startswith("\ufeff".encode()) and raw.count("\ufeff".encode()) == 1
    assert b"\r\n" in raw and resp.headers["Cache-Control"] == "private, no-store"
    assert f'filename="{event.slug}-registrations.csv"' in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["name"] == "'" + payload and unguard(row["name"]) == payload
    assert row["organization"] == "Ümlaut Org"


# ------------------------------------------------------------------ speakers


def test_register_speakers_in_one_step(organizer_client, db, make_person, make_session, make_user):
    event, client, _ = organizer_client(capacity_in_person=1)
    linked_user = make_user("linked@example.org", name="Linked Speaker")
    linked = make_person("Linked Speaker", "Org A", user_id=linked_user.id)
    typed = make_person("Typed Speaker", "Org B")
    silent = make_person("No Address", "Org C")
    make_session(event, people=[(linked, "moderator"), (typed, "panellist")])
    make_session(event, people=[(silent, "speaker"), (linked, "speaker")])
    page = client.get(f"/events/{event.slug}/registrations/speakers").get_data(as_text=True)
    assert "Linked Speaker" in page and 'value="linked@example.org"' in page
    resp = client.post(f"/events/{event.slug}/registrations/speakers",
                       data={f"email_{typed.id}": "typed@example.org", "over_capacity": "y"})
    assert resp.status_code == 302
    regs = {r.email: r for r in db.session.scalars(sa.select(Registration))}
    assert set(regs) == {"linked@example.org", "typed@example.org"}
    for reg in regs.values():
        assert reg.category is Category.SPEAKER and reg.status is RegistrationStatus.CONFIRMED
        assert reg.modality is Modality.IN_PERSON
    assert regs["linked@example.org"].user_id == linked_user.id
    assert sum(r.over_capacity for r in regs.values()) == 1  # capacity 1: the second is over
    assert {m.to_address for m in outbox(db)} == {"linked@example.org", "typed@example.org"}
    # Running it again registers nobody twice.
    client.post(f"/events/{event.slug}/registrations/speakers", data={"over_capacity": "y"})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 2


def test_register_speakers_bad_address_writes_nothing(organizer_client, db, make_person,
                                                      make_session):
    event, client, _ = organizer_client()
    a = make_person("A Speaker", "Org")
    b = make_person("B Speaker", "Org")
    make_session(event, people=[(a, "speaker"), (b, "speaker")])
    resp = client.post(f"/events/{event.slug}/registrations/speakers",
                       data={f"email_{a.id}": "a@example.org", f"email_{b.id}": "broken"})
    assert resp.status_code == 422 and "B Speaker" in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


# ------------------------------------------------------------------ write to a group, outbox


def test_write_to_confirmed_online_attendees(organizer_client, db, add_reg):
    event, client, _ = organizer_client()
    online = add_reg(event, modality=Modality.ONLINE)
    add_reg(event, modality=Modality.ONLINE, status=RegistrationStatus.CANCELLED)
    add_reg(event)  # in person
    resp = client.post(f"/events/{event.slug}/registrations/message",
                       data={"modality": "online", "status": "confirmed", "category": "",
                             "subject": "Stream test", "body": "Join the test at 10:00.",
                             "confirm": "1"})
    assert resp.status_code == 302
    mails = outbox(db, kind="organizer_message")
    assert [m.to_address for m in mails] == [online.email]
    assert "Stream test" in mails[0].subject and "10:00" in mails[0].body_text
    # Without a status filter: active registrations only (not the cancelled one).
    client.post(f"/events/{event.slug}/registrations/message",
                data={"modality": "online", "subject": "Again", "body": "Hello", "confirm": "1"})
    assert len(outbox(db, kind="organizer_message")) == 2
    empty = client.post(f"/events/{event.slug}/registrations/message",
                        data={"modality": "online", "subject": "", "body": ""})
    assert empty.status_code == 422


def test_outbox_page_shows_status_attempts_errors_but_no_bodies(organizer_client, db, add_reg):
    event, client, _ = organizer_client()
    db.session.add_all([
        OutboxMessage(event_id=event.id, kind="registration_confirmation", to_address="a@example.org",
                      subject="Confirmed", body_text="secret link /r/SECRET-TOKEN"),
        OutboxMessage(event_id=event.id, kind="registration_confirmation", to_address="b@example.org",
                      subject="Confirmed", body_text="x", status=OutboxStatus.FAILED, attempts=8,
                      last_error="451 Try again later"),
    ])
    db.session.commit()
    page = client.get(f"/events/{event.slug}/outbox").get_data(as_text=True)
    assert "a@example.org" in page and "451 Try again later" in page
    assert "SECRET-TOKEN" not in page
    assert '<strong data-outbox="failed">1</strong>' in page
    failed = outbox(db, status=OutboxStatus.FAILED)[0]
    client.post(f"/events/{event.slug}/outbox/{failed.id}/retry")
    assert outbox(db, id=failed.id)[0].status is OutboxStatus.PENDING


# ------------------------------------------------------------------ privacy


def test_participant_list_shows_only_consenting_confirmed(client, make_event, add_reg):
    event = make_event()
    add_reg(event, name="Listed Person", organization="Listed Org", country="Rwanda",
            consent_listed=True)
    add_reg(event, name="Shy Person", consent_listed=False)
    add_reg(event, name="Waiting Listed", consent_listed=True, status=RegistrationStatus.WAITLISTED)
    add_reg(event, name="Gone Listed", consent_listed=True, status=RegistrationStatus.CANCELLED)
    page = client.get(f"/events/{event.slug}/participants").get_data(as_text=True)
    assert "Listed Person" in page and "Listed Org" in page and "Rwanda" in page
    for hidden in ("Shy Person", "Waiting Listed", "Gone Listed", "@example.org"):
        assert hidden not in page


def test_erase_anonymizes_but_keeps_counting(organizer_client, db, add_reg):
    event, client, _ = organizer_client(capacity_in_person=2)
    reg = add_reg(event, name="Forget Me", organization="Secret Org", position="Boss",
                  country="Nowhere", needs="Wheelchair", consent_listed=True, email="forget@example.org")
    db.session.add(OutboxMessage(event_id=event.id, kind="registration_confirmation",
                                 to_address="forget@example.org", subject="x", body_text="Forget Me"))
    db.session.commit()
    url = f"/events/{event.slug}/registrations/{reg.id}/erase"
    asked = client.post(url, data={})  # must be confirmed: the page says what will happen
    assert asked.status_code == 200 and "cannot be undone" in asked.get_data(as_text=True)
    assert reload(db, reg).name == "Forget Me"
    assert client.post(url, data={"confirm": "1"}).status_code == 302
    reg = reload(db, reg)
    assert reg.name == "Erased" and reg.email.endswith("@erased.invalid")
    assert reg.organization == reg.position == reg.country == reg.needs == ""
    assert not reg.consent_listed and reg.erased_at and reg.badge_code is None
    assert reg.status is RegistrationStatus.CONFIRMED  # still counted
    assert outbox(db, to_address="forget@example.org") == []
    cap = client.get(f"/api/v1/events/{event.slug}").get_json()["capacity"]["in_person"]
    assert cap["confirmed"] == 1
    page = client.get(f"/events/{event.slug}/registrations/").get_data(as_text=True)
    assert "Forget Me" not in page and "Secret Org" not in page
    # The address can register afresh.
    other = add_reg(event, email="forget@example.org")
    assert other.id != reg.id


# ------------------------------------------------------------------ console, permissions


def test_console_panel_shows_counts_and_links(organizer_client, add_reg):
    event, client, _ = organizer_client(capacity_in_person=5)
    add_reg(event)
    add_reg(event, status=RegistrationStatus.PENDING)
    page = client.get(f"/events/{event.slug}/console/").get_data(as_text=True)
    assert 'id="panel-registration"' in page
    panel = page.split('id="panel-registration"')[1].split("</section>")[0]
    assert f"/events/{event.slug}/registrations/" in panel
    assert f"/events/{event.slug}/outbox" in panel
    assert '<td data-count="confirmed">1</td>' in panel and '<td data-count="pending">1</td>' in panel


def test_organizer_pages_are_not_for_attendees(client, make_event, make_user, login_as):
    event = make_event()
    attendee = login_as(make_user())
    for path in ("registrations/", "registrations/export.csv", "outbox", "registrations/new"):
        assert attendee.get(f"/events/{event.slug}/{path}").status_code == 403
