"""The pledge mails, rendered from templates/mail/pledge_*.txt (subject lines here).

Services call ``render`` inside their use case and queue the result in the outbox, so
a mail exists exactly when the change that caused it was committed.
"""
from __future__ import annotations

from flask import render_template
from flask_babel import gettext

from ..i18n import N_
from ..models import Pledge

SUBJECTS = {
    "announced": N_("Your pledge was announced: %(title)s"),
    "published": N_("Your pledge is published: %(title)s"),
    "declined": N_("Your pledge was declined: %(title)s"),
    "update_link": N_("Report progress on your pledge: %(title)s"),
    "update_link_reminder": N_("Reminder: Report progress on your pledge: %(title)s"),
    "reminder": N_("Reminder: report progress on your pledge: %(title)s"),
}
_TEMPLATES = {"update_link_reminder": "update_link"}


def render(kind: str, pledge: Pledge, **context) -> tuple[str, str]:
    """(subject, text) of the ``kind`` mail about ``pledge``."""
    template = _TEMPLATES.get(kind, kind)
    text = render_template(f"mail/pledge_{template}.txt", pledge=pledge, **context)
    return gettext(SUBJECTS[kind], title=pledge.title), text.rstrip("\n") + "\n"
