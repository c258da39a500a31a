"""Pledge services: validation, entities, announcing, moderation, progress reports,
update links, overdue/inactive and reminders."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from eventsapp.errors import Conflict, Forbidden, NotFound, ValidationFailed
from eventsapp.models import (
    OutboxMessage,
    Pledge,
    PledgeReport,
    PledgeState,
    PledgingEntity,
    ProgressStatus,
)
from eventsapp.pledges import queries, reporting, services
from tests.support.pledges_support import entity, make_pledge, valid_raw


def _fields(exc_info) -> dict:
    return exc_info.value.fields


# ---------------------------------------------------------------- validation

@pytest.mark.parametrize("amount, message", [
    ("-5", "cannot be negative"),
    ("lots", "Enter an amount in US dollars"),
    ("NaN", ""),  # refused; the wording is inputs.Usd's
    ("Infinity", ""),
    ("1.005", "two decimal places"),
    ("1e30", "too large"),
])
def test_bad_amounts_get_clear_messages(app, amount, message):
    with pytest.raises(ValidationFailed) as exc:
        services.clean_pledge(valid_raw(amount_usd=amount))
    assert message in " ".join(_fields(exc)["amount_usd"])


def test_amounts_are_decimal(app):
    data = services.clean_pledge(valid_raw(amount_usd="USD 1,500,000.50"))
    assert data.amount_usd == Decimal("1500000.50") and isinstance(data.amount_usd, Decimal)
    assert services.clean_pledge(valid_raw(amount_usd="")).amount_usd is None


@pytest.mark.parametrize("key, value, field", [
    ("focus_area", "Happiness", "focus_area"),
    ("type", "bribe", "type"),
    ("sdgs", ["18"], "sdgs"),
    ("sdgs", ["0"], "sdgs"),
    ("sdgs", "nine", "sdgs"),
    ("regions", ["Atlantis"], "regions"),
    ("countries", "Narnia", "countries"),
    ("beneficiaries", ["aliens"], "beneficiaries"),
    ("entity_sector", "mafia", "entity_sector"),
    ("target_year", "soon", "target_year"),
    ("pillar", "affordability", None),  # a pillar of Access: fine
    ("pillar", "skills", "pillar"),  # a pillar of Adoption, not of Access
])
def test_unknown_vocabulary_values_name_the_field(app, key, value, field):
    raw = valid_raw(**{key: value})
    if field is None:
        services.clean_pledge(raw)
        return
    with pytest.raises(ValidationFailed) as exc:
        services.clean_pledge(raw)
    assert field in _fields(exc), _fields(exc)


def test_vocabulary_accepts_keys_and_labels(app):
    data = services.clean_pledge(valid_raw(type="Programmatic", focus_area="VALUE CREATION",
                                           pillar="Digital ecosystems", sdgs="SDG 5; 17",
                                           regions="Arab States", entity_sector="UN agency",
                                           countries="usa; Viet Nam; Malawi"))
    assert (data.type, data.focus_area, data.pillar) == ("programmatic", "value_creation", "ecosystems")
    assert data.sdgs == [5, 17] and data.regions == ["arab_states"]
    assert data.entities[0].sector == "un_agency" and data.entities[0].country == "KE"
    assert data.countries == ["US", "VN", "MW"]
    assert data.targets_ldc  # Malawi is a least developed country


def test_submissions_must_be_measurable_and_time_bound(app):
    with pytest.raises(ValidationFailed) as exc:
        services.clean_pledge(valid_raw(indicator="", target_year=""), require_smart=True)
    assert {"indicator", "target_year"} <= set(_fields(exc))
    with pytest.raises(ValidationFailed) as exc:
        services.clean_pledge(valid_raw(target_year=str(date.today().year - 1)), require_smart=True)
    assert "target_year" in _fields(exc)


def test_joint_pledge_entities_have_one_lead(app):
    data = services.clean_pledge(valid_raw(partners="Beta Bank | private sector | France\nGamma Uni | academia"))
    assert [(e.name, e.is_lead) for e in data.entities] == [
        ("Acme Telecom", True), ("Beta Bank", False), ("Gamma Uni", False)]
    with pytest.raises(ValidationFailed):
        services.clean_pledge({**valid_raw(), "entities": [
            {"name": "A", "sector": "other", "is_lead": True},
            {"name": "B", "sector": "other", "is_lead": True}]})
    with pytest.raises(ValidationFailed) as exc:
        services.clean_pledge(valid_raw(partners="acme telecom"))
    assert "named twice" in " ".join(_fields(exc)["partners"])


# ---------------------------------------------------------------- submission and entities

def test_entities_are_reused_by_name_whatever_the_case(app, db, make_user):
    user = make_user()
    existing = entity("ITU", )
    db.session.commit()
    p1 = services.submit_pledge(user, valid_raw(entity_name="itu", partners="New Partner | academia"))
    p2 = services.submit_pledge(user, valid_raw(title="Another", entity_name="New PARTNER"))
    names = db.session.scalars(sa.select(PledgingEntity.name).order_by(PledgingEntity.id)).all()
    assert names.count("ITU") == 1 and names.count("New Partner") == 1 and len(names) == 2
    assert p1.entities[0].entity_id == existing.id and p1.entities[0].is_lead
    assert p2.entities[0].entity.name == "New Partner"


def test_bad_submission_writes_nothing(app, db, make_user):
    user = make_user()
    with pytest.raises(ValidationFailed):
        services.submit_pledge(user, valid_raw(amount_usd="-1", entity_name="Fresh Entity"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PledgingEntity)) == 0


def test_submitted_pledges_do_not_count_until_published(app, db, make_user, panel):
    user, organizer = make_user(), make_user(organizer_of=panel["event"])
    pledge = services.submit_pledge(user, valid_raw(event=panel["event"].slug))
    assert pledge.state == PledgeState.SUBMITTED and pledge.event_id == panel["event"].id
    assert queries.event_counter(panel["event"]).pledges == 0
    services.moderate(organizer, pledge.id, "publish")
    c = queries.event_counter(panel["event"])
    assert (c.pledges, c.entities, c.amount_usd) == (1, 1, Decimal("2500000.00"))


def test_decline_needs_a_reason_and_mails_the_submitter(app, db, make_user, panel):
    user, organizer = make_user(email="pledger@example.org"), make_user(organizer_of=panel["event"])
    pledge = services.submit_pledge(user, valid_raw(event=panel["event"].slug))
    with pytest.raises(ValidationFailed) as exc:
        services.moderate(organizer, pledge.id, "decline", "  ")
    assert "reason" in _fields(exc)
    services.moderate(organizer, pledge.id, "decline", "Please name the schools.")
    pledge = db.session.get(Pledge, pledge.id)
    assert pledge.state == PledgeState.DECLINED and pledge.decline_reason == "Please name the schools."
    mail = db.session.scalars(sa.select(OutboxMessage)).all()
    assert len(mail) == 1 and mail[0].to_address == "pledger@example.org"
    assert "Please name the schools." in mail[0].body_text
    with pytest.raises(ValidationFailed):
        services.moderate(organizer, pledge.id, "approve-all")


def test_only_the_events_organizers_moderate(app, make_user, panel):
    pledge = services.submit_pledge(make_user(), valid_raw(event=panel["event"].slug))
    other_org = make_user(organizer_of=panel["other_event"])
    with pytest.raises((Forbidden, NotFound)):
        services.moderate(other_org, pledge.id, "publish")
    unattached = services.submit_pledge(make_user(), valid_raw())
    with pytest.raises((Forbidden, NotFound)):
        services.moderate(make_user(organizer_of=panel["event"]), unattached.id, "publish")
    admin = make_user(is_admin=True)
    assert services.moderate(admin, unattached.id, "publish").state == PledgeState.PUBLISHED


# ---------------------------------------------------------------- announcing

def test_announce_publishes_and_links_to_session_and_person(app, db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    pledge = services.submit_pledge(make_user(), valid_raw(event=panel["event"].slug))
    services.announce_pledge(organizer, pledge.id, panel["event"], panel["session"].id,
                             panel["panellist"].id)
    pledge = db.session.get(Pledge, pledge.id)
    assert pledge.state == PledgeState.PUBLISHED
    assert (pledge.session_id, pledge.announced_by_id) == (panel["session"].id, panel["panellist"].id)
    assert pledge.announced_at is not None and pledge.published_at is not None
    pledges, total = queries.session_pledges(panel["session"])
    assert [p.id for p in pledges] == [pledge.id] and total == Decimal("2500000.00")


def test_announce_rejects_a_session_of_another_event(app, db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    pledge = services.submit_pledge(make_user(), valid_raw(event=panel["event"].slug))
    with pytest.raises(ValidationFailed) as exc:
        services.announce_pledge(organizer, pledge.id, panel["event"], panel["other_session"].id, None)
    assert "not part of this event" in _fields(exc)["session_id"][0]
    assert db.session.get(Pledge, pledge.id).state == PledgeState.SUBMITTED


def test_announce_rejects_an_announcer_not_on_the_session(app, db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    pledge = services.submit_pledge(make_user(), valid_raw(event=panel["event"].slug))
    for person in (panel["outsider"], panel["other_session"].roles[0].person):
        with pytest.raises(ValidationFailed) as exc:
            services.announce_pledge(organizer, pledge.id, panel["event"], panel["session"].id, person.id)
        assert "one of this session's people" in _fields(exc)["announced_by_id"][0]
    with pytest.raises(ValidationFailed):  # the session has people: say who
        services.announce_pledge(organizer, pledge.id, panel["event"], panel["session"].id, None)
    assert db.session.get(Pledge, pledge.id).state == PledgeState.SUBMITTED


def test_desk_entry_with_a_bad_announcer_writes_nothing(app, db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    with pytest.raises(ValidationFailed):
        services.create_pledge(organizer, panel["event"], valid_raw(entity_name="Brand New Org"),
                               announcement={"session_id": panel["session"].id,
                                             "announced_by_id": panel["outsider"].id})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PledgingEntity)) == 0


def test_a_declined_pledge_cannot_be_announced(app, db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    pledge = services.submit_pledge(make_user(), valid_raw(event=panel["event"].slug))
    services.moderate(organizer, pledge.id, "decline", "No.")
    with pytest.raises(Conflict):
        services.announce_pledge(organizer, pledge.id, panel["event"], panel["session"].id,
                                 panel["moderator"].id)


# ---------------------------------------------------------------- progress reports

def test_status_is_the_latest_report(app, db, make_user, panel):
    pledger = make_user()
    pledge = make_pledge(panel["event"], submitted_by=pledger)
    services.file_report(pledger, pledge.id, {"status": "in_progress", "percent_complete": "40",
                                              "reported_on": "2024-05-01", "amount_disbursed_usd": "1000"})
    services.file_report(pledger, pledge.id, {"status": "planning", "reported_on": "2023-01-01"})
    pledge = db.session.get(Pledge, pledge.id)
    assert pledge.last_report_on == date(2024, 5, 1)
    assert pledge.progress_status == ProgressStatus.IN_PROGRESS  # the later date wins
    services.file_report(pledger, pledge.id, {"status": "completed", "reported_on": "2024-05-01"})
    pledge = db.session.get(Pledge, pledge.id)
    assert pledge.progress_status == ProgressStatus.COMPLETED  # same day: filed last wins
    assert [r.percent_complete for r in pledge.reports][-1] == 100


@pytest.mark.parametrize("raw, field", [
    ({"status": "winning"}, "status"),
    ({"status": "planning", "percent_complete": "140"}, "percent_complete"),
    ({"status": "planning", "amount_disbursed_usd": "-3"}, "amount_disbursed_usd"),
    ({"status": "planning", "reported_on": "yesterday"}, "reported_on"),
    ({"status": "planning", "reported_on": (date.today() + timedelta(days=2)).isoformat()}, "reported_on"),
])
def test_bad_reports_are_refused_and_write_nothing(app, db, make_user, panel, raw, field):
    pledger = make_user()
    pledge = make_pledge(panel["event"], submitted_by=pledger)
    with pytest.raises(ValidationFailed) as exc:
        services.file_report(pledger, pledge.id, raw)
    assert field in _fields(exc)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PledgeReport)) == 0
    assert db.session.get(Pledge, pledge.id).last_report_on is None


def test_only_the_submitter_or_organizers_report(app, make_user, panel):
    pledge = make_pledge(panel["event"], submitted_by=make_user())
    with pytest.raises(Forbidden):
        services.file_report(make_user(), pledge.id, {"status": "planning"})
    organizer = make_user(organizer_of=panel["event"])
    assert services.file_report(organizer, pledge.id, {"status": "planning"}).id


def test_update_link_is_hashed_mailed_and_revocable(app, db, make_user, panel):
    organizer = make_user(organizer_of=panel["event"])
    pledge = make_pledge(panel["event"])
    services.send_update_link(organizer, pledge.id, "contact@example.org", "https://ev.example")
    mail = db.session.scalars(sa.select(OutboxMessage)).one()
    link = next(w for w in mail.body_text.split() if "/pledges/update/" in w)
    token = link.rsplit("/", 1)[1]
    assert mail.to_address == "contact@example.org" and link.startswith("https://ev.example/")
    assert len(token) >= 22  # 128+ bits, URL-safe
    stored = db.session.get(Pledge, pledge.id).update_token_hash
    assert stored and token not in stored and len(stored) == 64
    services.file_report_with_link(token, {"status": "in_progress", "percent_complete": "10"})
    report = db.session.scalars(sa.select(PledgeReport)).one()
    assert report.via_update_link and report.submitted_by_id is None

    # Forged links and rotated (revoked) links are refused, and write nothing.
    with pytest.raises(NotFound):
        services.file_report_with_link(token + "x", {"status": "planning"})
    services.send_update_link(organizer, pledge.id, "contact@example.org", "https://ev.example")
    with pytest.raises(NotFound):
        services.file_report_with_link(token, {"status": "planning"})
    services.revoke_update_link(organizer, pledge.id)
    assert db.session.get(Pledge, pledge.id).update_token_hash is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PledgeReport)) == 1


# ---------------------------------------------------------------- overdue, inactive, reminders

def test_overdue_and_inactive_follow_the_last_report(app, db, make_event):
    event = make_event()
    today = date.today()
    long_ago = datetime.now(UTC) - timedelta(days=3 * 365)
    fresh = make_pledge(event, published_at=long_ago, last_report_on=today - timedelta(days=30))
    overdue = make_pledge(event, published_at=long_ago, last_report_on=today - timedelta(days=400))
    inactive = make_pledge(event, published_at=long_ago, last_report_on=today - timedelta(days=800))
    never_new = make_pledge(event)
    never_old = make_pledge(event, published_at=datetime.now(UTC) - timedelta(days=500))
    got = {p.id: reporting.activity_of(p) for p in (fresh, overdue, inactive, never_new, never_old)}
    assert got == {fresh.id: "active", overdue.id: "overdue", inactive.id: "inactive",
                   never_new.id: "active", never_old.id: "overdue"}
    # SQL agrees with Python.
    sql = dict(db.session.execute(sa.select(Pledge.id, queries.activity_case()).where(
        Pledge.event_id == event.id)).all())
    assert sql == got
    assert {p.id for p in reporting.overdue_pledges(event)} == {overdue.id, inactive.id, never_old.id}
    d = queries.dashboard(queries.Filters(event_id=event.id))
    assert (d.activity_row("active").pledges, d.activity_row("overdue").pledges,
            d.activity_row("inactive").pledges) == (2, 2, 1)


def test_reminders_go_through_the_outbox(app, db, make_user, make_event):
    event = make_event()
    organizer = make_user(organizer_of=event)
    pledger = make_user(email="has-account@example.org")
    old = datetime.now(UTC) - timedelta(days=500)
    with_account = make_pledge(event, published_at=old, submitted_by=pledger)
    with_contact = make_pledge(event, published_at=old)
    with_contact.contact_email = "contact@example.org"
    no_address = make_pledge(event, published_at=old)
    fresh = make_pledge(event, submitted_by=pledger)
    db.session.commit()
    result = reporting.send_reminders(
        organizer, [with_account.id, with_contact.id, no_address.id, fresh.id], "https://ev.example")
    assert {p.id for p in result.sent} == {with_account.id, with_contact.id}
    assert [p.id for p in result.skipped] == [no_address.id]
    mails = {m.to_address: m for m in db.session.scalars(sa.select(OutboxMessage))}
    assert set(mails) == {"has-account@example.org", "contact@example.org"}
    assert f"/pledges/{with_account.id}/report" in mails["has-account@example.org"].body_text
    assert "/pledges/update/" in mails["contact@example.org"].body_text
    assert db.session.get(Pledge, with_contact.id).update_token_hash
    assert db.session.get(Pledge, with_account.id).last_reminded_at is not None
    # Someone else's organizer reminds nobody.
    stranger = make_user(organizer_of=make_event())
    assert reporting.send_reminders(stranger, [with_account.id], "https://x").sent == []
