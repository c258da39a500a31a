"""Manage links that only their holder controls.

A registration has its first manage link (``Registration.manage_token_hash``) and up to
``LIVE_LINKS`` extra ones (``RegistrationLink``), all stored as SHA-256 only. Asking for
the link again (the "lost link" form, a second registration with the same address)
ADDS a link and mails it: whoever knows an address can send its holder fresh links,
but can never disable the link the holder has. Only the holder, from the manage page,
replaces every secret at once (``rotate_secrets``: "my link leaked").
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Event, Registration, utcnow
from ..models.registration import RegistrationLink
from ..security import hash_token, new_token

# Extra links kept alive per registration: adding one deletes the oldest beyond this,
# so repeated requests cannot flood the table (they are rate limited as well). The
# first link is not counted: requests by a stranger never expire it.
LIVE_LINKS = 5


def registration_for_manage_token(token: str | None) -> Registration | None:
    """The registration whose manage link (first or extra) is ``token``, or None
    (one query; both hashes are unique and indexed)."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    ids = sa.union_all(
        sa.select(Registration.id).where(Registration.manage_token_hash == digest),
        sa.select(RegistrationLink.registration_id).where(RegistrationLink.token_hash == digest),
    )
    return db.session.scalar(sa.select(Registration).where(Registration.id.in_(ids)))


def add_link(reg: Registration, *, now: datetime | None = None) -> str:
    """A new live manage link for ``reg`` (every earlier link keeps working, up to the
    ``LIVE_LINKS`` newest extra ones); returns the plain token, for the mail only."""
    token = new_token()
    db.session.add(RegistrationLink(registration_id=reg.id, token_hash=hash_token(token),
                                    created_at=now or utcnow()))
    db.session.flush()
    newest = (sa.select(RegistrationLink.id).where(RegistrationLink.registration_id == reg.id)
              .order_by(RegistrationLink.id.desc()).limit(LIVE_LINKS).subquery())
    db.session.execute(
        sa.delete(RegistrationLink).where(RegistrationLink.registration_id == reg.id,
                                          RegistrationLink.id.not_in(sa.select(newest.c.id)))
        .execution_options(synchronize_session=False))
    return token


def drop_links(reg: Registration) -> None:
    """Every extra manage link of ``reg`` stops working (its first link is the caller's)."""
    db.session.execute(sa.delete(RegistrationLink)
                       .where(RegistrationLink.registration_id == reg.id)
                       .execution_options(synchronize_session=False))


def replace_manage_links(reg: Registration) -> str:
    """One new manage link replaces all of ``reg``'s links; returns the plain token."""
    token = new_token()
    reg.manage_token_hash = hash_token(token)
    drop_links(reg)
    return token


def kill_manage_links(reg: Registration) -> None:
    """No manage link works any more (erased): the first one becomes a hash nobody
    knows the token of (the column is required and unique)."""
    reg.manage_token_hash = hash_token(new_token())
    drop_links(reg)


def rotate(reg: Registration, event: Event, *, now: datetime) -> str:
    """Replace every secret the manage page reveals; returns the new manage token.

    Manage links: all replaced by one. Join secret (online join links and the personal
    calendar feed): replaced, so the old links answer like a dead registration's. Badge
    code: replaced through the badge feature, which keeps the old code's hash so the
    door answers "replaced". Dead secrets (a cancelled registration's) stay dead.
    """
    from ..badges.services import replace_badge_code

    token = replace_manage_links(reg)
    if reg.join_token:
        reg.join_token = new_token()
    if reg.badge_code:
        replace_badge_code(reg)
    reg.secrets_rotated_at = now
    return token
