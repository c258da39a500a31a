"""The pledge mails, rendered from templates/mail/pledge_*.txt (subject lines here).

Services call ``render`` inside their use case and queue the result in the outbox, so
a mail exists exactly when the change that caused it was committed.
"""
from __future__ import annotations

from contextlib import nullcontext

from flask import render_template
from flask_babel import force_locale, gettext

from ..i18n import N_, valid_language
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


def submitter_language(pledge: Pledge) -> str | None:
    """The language the submitting account chose, if any (mails to the submitter)."""
    user = pledge.submitted_by
    return valid_language(user.language) if user is not None else None


def render(kind: str, pledge: Pledge, *, language: str | None = None,
           **context) -> tuple[str, str]:
    """(subject, text) of the ``kind`` mail about ``pledge``, in ``language`` (the
    recipient's, when known) else the current request's."""
    template = _TEMPLATES.get(kind, kind)
    with force_locale(language) if language else nullcontext():
        text = render_template(f"mail/pledge_{template}.txt", pledge=pledge, **context)
        subject = gettext(SUBJECTS[kind], title=pledge.title)
    return subject, text.rstrip("\n") + "\n"
