"""Delivering the outbox over SMTP, with retries; nothing is ever lost.

A message is marked SENT only after the SMTP server accepted it. A failure (refused,
451, timeout, closed port) adds one to ``attempts``, records ``last_error`` and
schedules the next try with exponential backoff; after MAIL_MAX_ATTEMPTS, or at once for
a permanent refusal (5xx), the message is FAILED and stays visible to organizers.

Several processes may deliver at once (the request threads, one or more
``deliver-mail --loop`` workers): a worker claims a message by moving its
``next_attempt_at`` forward in a conditional UPDATE; only the worker whose UPDATE
matched sends it. If that worker dies, the claim expires and another one retries.

Without MAIL_SERVER the message's recipient, subject and kind (never its body: it holds
private links) are logged and it is marked SENT (development); the outbox keeps the body.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context

from ..db_tx import rowcount, transaction, use_case
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger("eventsapp.mail")

CLAIM_SECONDS = 300  # a claimed message is retried by others if not settled by then


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent {len(self.sent)}, to retry {len(self.retry)}, failed {len(self.failed)}"


def backoff(attempts: int, cfg: dict | None = None) -> timedelta:
    """Wait before the next try after ``attempts`` failures: base * 2^(n-1), capped."""
    cfg = cfg if cfg is not None else current_app.config
    base = float(cfg.get("MAIL_RETRY_BASE_SECONDS", 60))
    cap = float(cfg.get("MAIL_RETRY_MAX_SECONDS", 3600))
    return timedelta(seconds=min(cap, base * (2 ** max(0, attempts - 1))))


def build_message(msg: OutboxMessage, sender: str) -> EmailMessage:
    from .outbox import one_line

    em = EmailMessage()
    # Again here: rows queued before queue_mail cleaned headers may hold line breaks,
    # and EmailMessage refuses them (the message would fail on every retry).
    em["From"] = one_line(sender)
    em["To"] = one_line(msg.to_address)
    em["Subject"] = one_line(msg.subject)
    em["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    em["Message-ID"] = make_msgid(idstring=f"outbox{msg.id}", domain=domain)
    em.set_content(msg.body_text)
    if msg.body_html:
        em.add_alternative(msg.body_html, subtype="html")
    return em


def _claim(ids: list[int] | None, limit: int, now: datetime) -> list[OutboxMessage]:
    """Claim up to ``limit`` due messages (or the given ids, if due) for this worker."""
    q = sa.select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING,
                                          OutboxMessage.next_attempt_at <= now)
    if ids is not None:
        if not ids:
            return []
        q = q.where(OutboxMessage.id.in_(ids))
    # A fresh read (its own transaction): what was due when the caller began may be
    # claimed or sent by now.
    with transaction(write=False):
        candidates = list(db.session.scalars(q.order_by(OutboxMessage.next_attempt_at,
                                                        OutboxMessage.id).limit(limit)))
    claimed_ids = []
    lease = now + timedelta(seconds=CLAIM_SECONDS)
    for mid in candidates:
        # One short use case per claim, so others may claim the rest meanwhile; only the
        # worker whose UPDATE matched sends the message.
        with transaction():
            if rowcount(db.session.execute(
                    sa.update(OutboxMessage)
                    .where(OutboxMessage.id == mid, OutboxMessage.status == OutboxStatus.PENDING,
                           OutboxMessage.next_attempt_at <= now)
                    .values(next_attempt_at=lease)
                    .execution_options(synchronize_session=False))) == 1:
                claimed_ids.append(mid)
    if not claimed_ids:
        return []
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id.in_(claimed_ids))
                                   .order_by(OutboxMessage.id)
                                   .execution_options(populate_existing=True)))


class _Connection:
    """One SMTP connection for a batch, opened on first use."""

    def __init__(self, cfg: Mapping[str, Any]) -> None:
        self.cfg = cfg
        self.smtp: smtplib.SMTP | None = None

    def send(self, em: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        self.smtp.send_message(em)

    def _open(self) -> smtplib.SMTP:
        cfg = self.cfg
        host, port = cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25)
        timeout = float(cfg.get("MAIL_TIMEOUT", 20))
        smtp: smtplib.SMTP
        if cfg.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if cfg.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
        if cfg.get("MAIL_USERNAME"):
            smtp.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
        return smtp

    def reset(self) -> None:
        """After an error the connection may be unusable: open a new one next time."""
        self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # noqa: BLE001 - closing a broken connection
                try:
                    self.smtp.close()
                except Exception:
                    log.debug("closing the SMTP socket failed", exc_info=True)
            self.smtp = None


def _describe(exc: Exception) -> tuple[str, bool]:
    """(last_error text, permanent?) for a delivery exception."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(
            f"{addr}: {code} {resp.decode(errors='replace') if isinstance(resp, bytes) else resp}"
            for addr, (code, resp) in exc.recipients.items())
        return f"recipient refused: {text}", all(500 <= c < 600 for c in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"{exc.smtp_code} {err}", 500 <= exc.smtp_code < 600 and exc.smtp_code != 530
    return f"{type(exc).__name__}: {exc}", False


def deliver(ids: list[int] | None = None, *, limit: int = 100,
            now: datetime | None = None) -> DeliveryReport:
    """Deliver due messages (or only ``ids``); return what happened to each."""
    cfg = current_app.config
    now = now or utcnow()
    report = DeliveryReport()
    messages = _claim(ids, limit, now)
    if not messages:
        return report
    max_attempts = max(1, int(cfg.get("MAIL_MAX_ATTEMPTS", 8)))
    conn = _Connection(cfg) if cfg.get("MAIL_SERVER") else None
    try:
        for msg in messages:
            error, permanent = None, False
            try:
                em = build_message(msg, cfg.get("MAIL_FROM") or "eventsapp <no-reply@localhost>")
                if conn is None:
                    # Never the body: it holds manage, join and pledge update links.
                    log.info("mail %s (no MAIL_SERVER set, not sent): kind=%s to=%s subject=%r",
                             msg.id, msg.kind, msg.to_address, em["Subject"])
                else:
                    conn.send(em)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded, none is fatal
                error, permanent = _describe(exc)
                if conn is not None:
                    conn.reset()
            _settle(msg, error, permanent, max_attempts, report)
    finally:
        if conn is not None:
            conn.close()
    return report


def _settle(msg: OutboxMessage, error: str | None, permanent: bool, max_attempts: int,
            report: DeliveryReport) -> None:
    """Record one message's outcome in its own short use case (after the SMTP server
    accepted it, or refused it, never before)."""
    when = utcnow()
    values: dict = {"attempts": OutboxMessage.attempts + 1}
    if error is None:
        values.update(status=OutboxStatus.SENT, sent_at=when, last_error="")
        report.sent.append(msg.id)
    else:
        attempts = (msg.attempts or 0) + 1
        values["last_error"] = error[:2000]
        if permanent or attempts >= max_attempts:
            values["status"] = OutboxStatus.FAILED
            report.failed.append(msg.id)
            log.warning("mail %s to %s failed for good: %s", msg.id, msg.to_address, error)
        else:
            values["next_attempt_at"] = when + backoff(attempts)
            report.retry.append(msg.id)
            log.info("mail %s: attempt %s failed (%s), retrying later", msg.id, attempts, error)
    with transaction():
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == msg.id)
                           .values(**values).execution_options(synchronize_session=False))


@use_case
def retry_now(message_id: int, event_id: int | None = None) -> bool:
    """Put a FAILED or waiting message back at the front of the queue (organizer action)."""
    q = sa.update(OutboxMessage).where(OutboxMessage.id == message_id,
                                       OutboxMessage.status != OutboxStatus.SENT)
    if event_id is not None:
        q = q.where(OutboxMessage.event_id == event_id)
    return rowcount(db.session.execute(
        q.values(status=OutboxStatus.PENDING, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False))) == 1


def run_worker(app: Flask, *, loop: bool, interval: float = 10.0,
               stop: threading.Event | None = None) -> DeliveryReport:
    """Deliver everything due; with ``loop``, keep doing it every ``interval`` seconds."""
    total = DeliveryReport()
    stop = stop or threading.Event()
    while True:
        with app.app_context():
            try:
                r = deliver(limit=200)
            except Exception:
                log.exception("mail delivery round failed")
                db.session.rollback()
                r = DeliveryReport()
        total.sent += r.sent
        total.retry += r.retry
        total.failed += r.failed
        if not loop:
            return total
        if r.sent or r.retry or r.failed:
            continue  # more may be due right away
        if stop.wait(interval):
            return total


# ------------------------------------------------------------ right after a request


def note_queued(msg: OutboxMessage) -> None:
    """Remember a message queued during this request, to try delivering it right after."""
    if has_app_context():
        g.setdefault("_eventsapp_queued_mail", []).append(msg)


def _committed_ids() -> list[int]:
    out = []
    for msg in g.pop("_eventsapp_queued_mail", []):
        state = sa.inspect(msg)
        # Persistent with an identity: it was flushed and not rolled back.
        if state.persistent and state.identity:
            out.append(state.identity[0])
    return out


def _background(app: Flask, ids: list[int]) -> None:
    try:
        with app.app_context():
            try:
                deliver(ids)
            finally:
                db.session.remove()
    except Exception:
        log.exception("background mail delivery failed; the worker will retry")



def init_app(app: Flask) -> None:
    """After each request that queued mail, deliver it in a background thread.

    Best effort, never blocking or failing the request: whatever fails here stays
    PENDING and the ``deliver-mail --loop`` worker retries it. Off in tests unless
    MAIL_DELIVER_AFTER_REQUEST is set, so tests decide when delivery happens.
    """
    if app.extensions.get("eventsapp_mail_delivery"):
        return
    app.extensions["eventsapp_mail_delivery"] = True

    @app.after_request
    def _deliver_after_request(response):
        try:
            ids = _committed_ids()
        except Exception:
            log.exception("could not collect queued mail")
            return response
        enabled = app.config.get("MAIL_DELIVER_AFTER_REQUEST")
        if enabled is None:
            enabled = not app.testing
        if ids and enabled:
            threading.Thread(target=_background, args=(app, ids), daemon=True,
                             name="mail-after-request").start()
        return response

    import click

    @app.cli.command("deliver-mail")
    @click.option("--loop", is_flag=True, help="Keep running: deliver and retry every --interval.")
    @click.option("--interval", default=10.0, show_default=True, help="Seconds between rounds.")
    def deliver_mail(loop: bool, interval: float) -> None:
        """Deliver the mail outbox over SMTP (retries with backoff; --loop for production)."""
        report = run_worker(app, loop=loop, interval=interval)
        click.echo(f"Mail: {report}")
