"""Pledge mails come from templates/mail/pledge_*.txt."""
from __future__ import annotations

import pytest

from eventsapp.pledges import mails
from tests.support.pledges_support import make_pledge


@pytest.mark.parametrize("kind", sorted(mails.SUBJECTS))
def test_every_pledge_mail_renders(app, panel, kind):
    pledge = make_pledge(panel["event"], title="Fibre <for> \"all\"")
    pledge.decline_reason = "Name the schools."
    with app.test_request_context():
        subject, text = mails.render(kind, pledge, event=panel["event"],
                                     link="https://example.org/x")
    assert subject.endswith("Fibre <for> \"all\"") and "Fibre <for> \"all\"" in text  # not escaped
    assert text.endswith("\n") and "{{" not in text
    if kind in ("update_link", "update_link_reminder", "reminder"):
        assert "https://example.org/x" in text
    if kind == "declined":
        assert "Name the schools." in text
