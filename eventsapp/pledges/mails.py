"""The pledge mails, rendered from templates/mail/pledge_*.txt (subject lines here).

Services call ``render`` inside their use case and queue the result in the outbox, so
a mail exists exactly when the change that caused it was committed.
"""
from __future__ import annotations

from flask import render_template

from ..models import Pledge

SUBJECTS = {
    "announced": "Your pledge was announced: {title}",
    "published": "Your pledge is published: {title}",
    "declined": "Your pledge was declined: {title}",
    "update_link": "Report progress on your pledge: {title}",
    "update_link_reminder": "Reminder: Report progress on your pledge: {title}",
    "reminder": "Reminder: report progress on your pledge: {title}",
}
_TEMPLATES = {"update_link_reminder": "update_link"}


def render(kind: str, pledge: Pledge, **context) -> tuple[str, str]:
    """(subject, text) of the ``kind`` mail about ``pledge``."""
    template = _TEMPLATES.get(kind, kind)
    text = render_template(f"mail/pledge_{template}.txt", pledge=pledge, **context)
    return SUBJECTS[kind].format(title=pledge.title), text.rstrip("\n") + "\n"
