"""Destructive actions ask first, with or without JavaScript.

A POST to such an action (a new badge code, deleting a session, cancelling a
registration...) that does not carry ``confirm=1`` changes nothing: the view answers the
confirmation page instead (``templates/confirm.html``, 200), which says what will happen.
Its Confirm button posts the same fields again, with a fresh CSRF token and
``confirm=1``; its other button goes back. The view calls ``ask_first`` once it has
checked the request (CSRF, access, the object exists) and before it changes anything:

    if (page := ask_first(question, consequences, confirm_label, back)) is not None:
        return page

The JSON API never asks: its callers decided before they called.
"""
from __future__ import annotations

from collections.abc import Sequence

from flask import make_response, render_template, request
from werkzeug.wrappers import Response

from .models import Event

FIELD = "confirm"
# "1" from the confirmation page; "y"/"on" from a ticked box named ``confirm``.
YES = frozenset({"1", "y", "yes", "on", "true"})
# Never sent back: the page renders its own token, and ``confirm`` is what it adds.
NOT_REPOSTED = frozenset({"csrf_token", FIELD})


def confirmed() -> bool:
    """Did this POST come with ``confirm=1`` (the confirmation page's button)?"""
    return (request.form.get(FIELD) or "").strip().lower() in YES


def ask_first(question: str, consequences: Sequence[str], confirm_label: str, back: str, *,
              event: Event | None = None,
              repost: Sequence[tuple[str, str]] | None = None) -> Response | None:
    """None when the POST is confirmed; else the confirmation page: ``question`` as its
    heading, ``consequences`` listed under "What will happen", a ``confirm_label``
    button that re-posts this request's fields (or ``repost``, e.g. the ids a filter
    selected, so the confirmation applies to what it counted) with ``confirm=1``, and a
    way ``back``."""
    if confirmed():
        return None
    fields = [(name, value) for name, value in (
        repost if repost is not None else request.form.items(multi=True))
        if name not in NOT_REPOSTED]
    action = request.path + (f"?{request.query_string.decode('latin-1')}"
                             if request.query_string else "")
    resp = make_response(render_template(
        "confirm.html", question=question, consequences=list(consequences),
        confirm_label=confirm_label, back=back, action=action, fields=fields, event=event))
    # It carries a CSRF token, and may sit behind a private link (/r/<token>/...).
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp
