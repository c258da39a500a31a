"""Loading a pledge for a user: 404 for what they may not know exists, 403 for what they
see but may not change (the tenancy rule of README "Security")."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..db_tx import begin_write
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..models import Pledge, User
from ..permissions import can_manage_pledge, can_view_pledge


def lock_pledge(pledge_id: int) -> Pledge:
    """Start a write transaction holding the pledge's row."""
    begin_write()
    pledge = db.session.execute(
        sa.select(Pledge).where(Pledge.id == pledge_id).with_for_update()
        .execution_options(populate_existing=True)).scalar_one_or_none()
    if pledge is None:
        raise NotFound(_("No such pledge."))
    return pledge


def visible_pledge(user: User | None, pledge_id: int) -> Pledge:
    """The pledge if ``user`` may see it, else 404."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or not can_view_pledge(user, pledge):
        raise NotFound(_("No such pledge."))
    return pledge


def managed_pledge(user: User | None, pledge_id: int) -> Pledge:
    """The pledge if ``user`` manages it: 404 when they may not even see it, else 403."""
    pledge = visible_pledge(user, pledge_id)
    if not can_manage_pledge(user, pledge):
        raise Forbidden(_("Only the organizers of the pledge's event can do that."))
    return pledge
