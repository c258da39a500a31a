"""Mail delivery from the outbox to a real SMTP server (aiosmtpd): sent only once accepted,
retried with backoff when refused or unreachable, FAILED after MAIL_MAX_ATTEMPTS."""
from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventsapp.mail import delivery
from eventsapp.mail.outbox import queue_mail
from eventsapp.models import OutboxMessage, OutboxStatus
from tests.support.smtp import body_text, free_port


def messages(db):
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(db, to="ada@example.org", subject="Hello", event_id=None):
    msg = queue_mail(to=to, subject=subject, text="Plain body https://example.org/x",
                     html="<p>HTML body</p>", kind="test", event_id=event_id)
    db.session.commit()
    return msg.id


def register(client, event, email="ada@example.org", **kw):
    data = {"name": "Ada Lovelace", "email": email, "modality": "online", **kw}
    return client.post(f"/api/v1/events/{event.slug}/registrations", json=data)


def test_confirmation_is_received_by_a_real_smtp_server(app, client, db, make_event, smtp_server):
    app.config.update(smtp_server.config)
    event = make_event(title="Digital Roundtable")
    resp = register(client, event, modality="in_person")
    manage_url = resp.get_json()["manage_url"]
    [pending] = messages(db)
    assert pending.status is OutboxStatus.PENDING  # queued in the request's transaction
    report = delivery.deliver()
    assert report.sent == [pending.id]
    [msg] = smtp_server.to("ada@example.org")
    assert msg["Subject"] == "Your registration for Digital Roundtable is confirmed"
    assert msg["From"] == "Events <events@example.org>" and msg["Message-ID"]
    text = body_text(msg)
    assert manage_url in text and "badge" in text.lower()
    html = msg.get_body(preferencelist=("html",)).get_content()
    assert f'href="{manage_url}"' in html
    [sent] = messages(db)
    assert sent.status is OutboxStatus.SENT and sent.attempts == 1 and sent.sent_at
    assert delivery.deliver().sent == []  # never sent twice


def test_refused_mail_stays_pending_with_the_error_then_succeeds(app, db, smtp_server):
    app.config.update(smtp_server.config)
    mid = queue(db)
    smtp_server.fail_with = "451 4.3.0 Try again later"
    report = delivery.deliver()
    assert report.retry == [mid] and report.sent == []
    [msg] = messages(db)
    assert msg.status is OutboxStatus.PENDING and msg.attempts == 1
    assert "451" in msg.last_error and "Try again later" in msg.last_error
    assert msg.next_attempt_at > datetime.now(UTC) + timedelta(seconds=30)  # backoff
    assert delivery.deliver().retry == []  # not due yet
    smtp_server.fail_with = None
    later = datetime.now(UTC) + timedelta(hours=2)
    assert delivery.deliver(now=later).sent == [mid]
    [msg] = messages(db)
    assert msg.status is OutboxStatus.SENT and msg.attempts == 2 and msg.last_error == ""
    assert len(smtp_server.to("ada@example.org")) == 1


def test_unreachable_server_is_retried_and_nothing_is_lost(app, db, smtp_server):
    app.config.update({**smtp_server.config, "MAIL_PORT": free_port()})  # nobody listens
    mid = queue(db)
    report = delivery.deliver()
    assert report.retry == [mid]
    [msg] = messages(db)
    assert msg.status is OutboxStatus.PENDING and msg.attempts == 1
    assert "Connection" in msg.last_error or "refused" in msg.last_error.lower()
    app.config["MAIL_PORT"] = smtp_server.port
    assert delivery.deliver(now=datetime.now(UTC) + timedelta(hours=2)).sent == [mid]
    assert len(smtp_server.to("ada@example.org")) == 1


def test_gives_up_after_max_attempts_and_permanent_errors_fail_at_once(app, db, smtp_server):
    app.config.update({**smtp_server.config, "MAIL_MAX_ATTEMPTS": 3})
    smtp_server.fail_with = "451 busy"
    mid = queue(db)
    when = datetime.now(UTC)
    for attempt in range(1, 4):
        when += timedelta(days=1)
        delivery.deliver(now=when)
        [msg] = messages(db)
        assert msg.attempts == attempt
    assert msg.status is OutboxStatus.FAILED and "451" in msg.last_error
    assert delivery.deliver(now=when + timedelta(days=1)).failed == []  # left alone
    # A FAILED message can be put back by an organizer, and then goes through.
    smtp_server.fail_with = None
    assert delivery.retry_now(mid)
    assert delivery.deliver().sent == [mid]

    smtp_server.fail_with = "550 5.1.1 No such user"
    mid2 = queue(db, to="ghost@example.org")
    assert delivery.deliver().failed == [mid2]
    assert messages(db)[-1].status is OutboxStatus.FAILED and messages(db)[-1].attempts == 1


def test_backoff_grows_and_is_capped(app):
    cfg = {"MAIL_RETRY_BASE_SECONDS": 60, "MAIL_RETRY_MAX_SECONDS": 3600}
    waits = [delivery.backoff(n, cfg).total_seconds() for n in range(1, 9)]
    assert waits[:4] == [60, 120, 240, 480] and waits[-1] == 3600
    assert waits == sorted(waits)


def test_one_bad_message_does_not_block_the_others(app, db, smtp_server):
    app.config.update(smtp_server.config)
    smtp_server.refuse_rcpt.add("ghost@example.org")
    ok1 = queue(db, to="one@example.org")
    bad = queue(db, to="ghost@example.org")
    ok2 = queue(db, to="two@example.org")
    report = delivery.deliver()
    assert set(report.sent) == {ok1, ok2} and report.failed == [bad]  # 550: permanent
    assert "550" in messages(db)[1].last_error
    assert smtp_server.to("one@example.org") and smtp_server.to("two@example.org")


def test_without_mail_server_the_log_shows_recipient_subject_and_kind_never_the_body(
        app, db, caplog):
    app.config["MAIL_SERVER"] = ""
    secret_link = "https://events.example.org/r/Zq3vX9bT2mK7pL4wR8nY1cF6"
    msg = queue_mail(to="ada@example.org", subject="Logged subject",
                     text=f"Manage your registration: {secret_link}",
                     html=f'<a href="{secret_link}">manage</a>', kind="registration_confirmed")
    db.session.commit()
    with caplog.at_level(logging.DEBUG):
        assert delivery.deliver().sent == [msg.id]
    assert "Logged subject" in caplog.text and "ada@example.org" in caplog.text
    assert "registration_confirmed" in caplog.text
    assert "Zq3vX9bT2mK7pL4wR8nY1cF6" not in caplog.text
    assert "Manage your registration" not in caplog.text and "/r/" not in caplog.text


def test_subject_with_line_breaks_is_delivered_on_one_line(app, db, smtp_server):
    app.config.update(smtp_server.config)
    msg = queue_mail(to="ada@example.org",
                     subject="High-Level Panel 3:\r\nBcc: eve@example.org\n\tAccess\x00 for all\u2028",
                     text="Body", kind="test")
    db.session.commit()
    assert delivery.deliver().sent == [msg.id]
    [received] = smtp_server.to("ada@example.org")
    assert received["Subject"] == "High-Level Panel 3: Bcc: eve@example.org Access for all"
    assert received["Bcc"] is None
    assert smtp_server.envelopes[0][1] == ["ada@example.org"]
    raw = received.as_string()
    subject_line = next(line for line in raw.splitlines() if line.startswith("Subject:"))
    assert subject_line == "Subject: High-Level Panel 3: Bcc: eve@example.org Access for all"


def test_recipient_with_a_line_break_is_one_line(db):
    msg = queue_mail(to="ada@example.org\r\nBcc: eve@example.org", subject="x", text="y",
                     kind="test")
    assert "\r" not in msg.to_address and "\n" not in msg.to_address


def test_a_stored_message_with_a_broken_subject_is_still_delivered(app, db, smtp_server):
    """Rows written before queue_mail cleaned headers must not fail on every retry."""
    app.config.update(smtp_server.config)
    row = OutboxMessage(to_address="old@example.org", subject="Old\r\nsubject",
                        body_text="Body", kind="test")
    db.session.add(row)
    db.session.commit()
    assert delivery.deliver().sent == [row.id]
    [received] = smtp_server.to("old@example.org")
    assert received["Subject"] == "Old subject"


def test_two_workers_never_send_the_same_message_twice(app, db, smtp_server):
    app.config.update(smtp_server.config)
    ids = [queue(db, to=f"p{i}@example.org") for i in range(20)]
    barrier = threading.Barrier(4)
    reports = []

    def worker():
        with app.app_context():
            barrier.wait()
            reports.append(delivery.deliver())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    sent = [mid for r in reports for mid in r.sent]
    assert sorted(sent) == sorted(ids)  # each exactly once
    assert len(smtp_server.messages) == 20


class TestAfterRequest:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "MAIL_DELIVER_AFTER_REQUEST": True}

    def test_mail_is_delivered_right_after_the_request(self, app, client, db, make_event,
                                                       smtp_server):
        app.config.update(smtp_server.config)
        event = make_event()
        assert register(client, event).status_code == 201
        [msg] = smtp_server.wait_for("ada@example.org")
        assert "/r/" in body_text(msg)

    def test_a_failing_server_never_fails_the_request(self, app, client, db, make_event,
                                                      smtp_server):
        app.config.update(smtp_server.config)
        smtp_server.fail_with = "451 later"
        event = make_event()
        assert register(client, event).status_code == 201
        deadline = datetime.now() + timedelta(seconds=10)
        while datetime.now() < deadline and not (messages(db) and messages(db)[0].attempts):
            threading.Event().wait(0.02)
        [msg] = messages(db)
        assert msg.status is OutboxStatus.PENDING and msg.attempts == 1  # the worker retries

    def test_rolled_back_mail_is_not_delivered(self, app, client, db, make_event, smtp_server):
        app.config.update(smtp_server.config)
        event = make_event()
        resp = register(client, event, email="broken")  # 422: the transaction is rolled back
        assert resp.status_code == 422
        assert messages(db) == [] and smtp_server.messages == []


def test_worker_command_delivers_the_outbox(app, db, smtp_server):
    app.config.update(smtp_server.config)
    queue(db)
    result = app.test_cli_runner().invoke(args=["deliver-mail"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert len(smtp_server.to("ada@example.org")) == 1


def test_worker_loop_retries_until_the_server_accepts(app, db, smtp_server):
    app.config.update({**smtp_server.config, "MAIL_RETRY_BASE_SECONDS": 0.05,
                       "MAIL_RETRY_MAX_SECONDS": 0.05})
    smtp_server.fail_with = "451 later"
    queue(db)
    stop = threading.Event()
    thread = threading.Thread(target=delivery.run_worker, args=(app,),
                              kwargs={"loop": True, "interval": 0.05, "stop": stop})
    thread.start()
    try:
        deadline = datetime.now() + timedelta(seconds=10)
        while smtp_server.refused < 2 and datetime.now() < deadline:
            threading.Event().wait(0.02)
        smtp_server.fail_with = None
        assert smtp_server.wait_for("ada@example.org")
    finally:
        stop.set()
        thread.join(10)
    [msg] = messages(db)
    assert msg.status is OutboxStatus.SENT and msg.attempts >= 3


def test_registration_mails_of_every_kind_render(app, db, make_event):
    """Confirmation, waiting list, promotion, pending, approval, decline, cancellation."""
    from eventsapp.models import Modality, Registration, RegistrationStatus
    from eventsapp.registration import mails

    event = make_event(title="Kinds Event")
    reg = Registration(event_id=event.id, name="Ada", email="ada@example.org",
                       modality=Modality.IN_PERSON, status=RegistrationStatus.CONFIRMED,
                       manage_token_hash="x")
    for kind in mails.SUBJECTS:
        msg = mails.send(kind, reg, event, token="TOKEN123" if kind != "promoted" else None)
        assert msg.subject.endswith("Kinds Event") or "Kinds Event" in msg.subject
        assert "Kinds Event" in msg.body_text and "{{" not in msg.body_text
        assert msg.body_html and "<p>" in msg.body_html
    db.session.rollback()
    assert re.search(r"/r/TOKEN123", mails.send("confirmation", reg, event, token="TOKEN123").body_text)
    db.session.rollback()
