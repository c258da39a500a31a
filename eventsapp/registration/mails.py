"""The registration mails, rendered from templates/mail/ and written to the outbox.

Services call these inside their transaction, so a mail exists exactly when the change
that caused it was committed. Links are absolute (BASE_URL): mail has no request.
"""
from __future__ import annotations

import re

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..i18n import DEFAULT_LANGUAGE, N_, current_language, event_title, valid_language
from ..mail.outbox import queue_mail
from ..models import Event, Modality, Organization, OutboxMessage, Registration, User

SUBJECTS = {
    "confirmation": N_("Your registration for %(title)s is confirmed"),
    "waitlisted": N_("You are on the waiting list for %(title)s"),
    "promoted": N_("A place is yours: %(title)s"),
    "offered": N_("A place is offered to you: %(title)s"),
    "offer_expired": N_("The place offered to you has expired: %(title)s"),
    "pending": N_("Your registration for %(title)s is awaiting approval"),
    "approved": N_("Your registration for %(title)s is approved"),
    "declined": N_("Your registration for %(title)s was declined"),
    "cancelled": N_("Your registration for %(title)s is cancelled"),
    "modality_changed": N_("Your registration for %(title)s has changed"),
    "manage_link": N_("Your link to manage your registration for %(title)s"),
    "links_replaced": N_("Your new links for %(title)s: the old ones no longer work"),
    "visa_approved": N_("Your letter of invitation for %(title)s is ready"),
    "visa_declined": N_("Your request for a letter of invitation for %(title)s"),
}


def registrant_language(reg: Registration) -> str:
    """The language the registrant registered in (else the current one)."""
    return valid_language(reg.language) or current_language()


def base_url() -> str:
    return current_app.config.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")


def manage_url(token: str) -> str:
    return f"{base_url()}/r/{token}"


def event_urls(event: Event) -> dict:
    base = base_url()
    return {
        "event_url": f"{base}/events/{event.slug}",
        "calendar_url": f"{base}/events/{event.slug}/programme.ics",
        "lost_link_url": f"{base}/events/{event.slug}/register/link",
    }


_URL = re.compile(r"https?://[^\s<>\"]+")


def text_to_html(text: str) -> str:
    """A plain HTML version of a text mail: paragraphs, clickable links, all escaped."""
    parts = []
    for para in text.strip().split("\n\n"):
        escaped = str(escape(para))
        linked = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        parts.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return render_template("mail/layout.html", body=Markup("\n".join(parts)))


def render(kind: str, reg: Registration, event: Event, *, token: str | None = None,
           **extra) -> dict:
    """The ``kind`` mail about ``reg``, in the registrant's language, as ``queue_mail``'s
    arguments, without queueing it (the registration rush renders its mails before
    taking the event lock)."""
    context = dict(reg=reg, event=event, kind=kind, manage_url=manage_url(token) if token else None,
                   in_person=reg.modality is Modality.IN_PERSON, **event_urls(event), **extra)
    # In the registrant's language, whoever's request this is (an organizer's decision,
    # someone else's cancellation that promotes them).
    with force_locale(registrant_language(reg)):
        text = render_template(f"mail/registration_{kind}.txt", **context)
        subject = _(SUBJECTS[kind], title=event_title(event))
        html = text_to_html(text)
    return {"to": reg.email, "subject": subject, "text": text,
            "html": html, "kind": f"registration_{kind}", "event_id": event.id}


def send(kind: str, reg: Registration, event: Event, *, token: str | None = None,
         **extra) -> OutboxMessage:
    """Queue the ``kind`` mail about ``reg``; ``token`` is the plain manage secret when
    this transaction knows it (creation, a fresh link), else None."""
    return queue_mail(**render(kind, reg, event, token=token, **extra))


FOCAL_POINT_SUBJECT = N_("You are a focal point of %(org)s for %(title)s")


def send_focal_point_designated(user: User, org: Organization, event: Event) -> OutboxMessage:
    """Tell an account it has been designated a focal point of ``org``: in the account's
    language (else English), with the link to "My delegations"."""
    context = dict(user=user, org=org, event=event, **event_urls(event),
                   delegations_url=f"{base_url()}/my/delegations#org-{org.id}")
    with force_locale(valid_language(user.language) or DEFAULT_LANGUAGE):
        text = render_template("mail/focal_point_designated.txt", **context)
        subject = _(FOCAL_POINT_SUBJECT, org=org.name, title=event_title(event))
        html = text_to_html(text)
    return queue_mail(to=user.email, subject=subject, text=text, html=html,
                      kind="focal_point_designated", event_id=event.id)
