"""Who may do what: every permission rule of the application lives here.

Views declare what they need with the decorators below; services receive the acting
user and may call ``can()`` again for rules that depend on data.
"""
from __future__ import annotations

from enum import Enum
from functools import wraps

import sqlalchemy as sa
from flask import g, redirect, request, url_for
from flask_login import current_user

from .errors import Forbidden, NotFound, Unauthorized
from .extensions import db
from .models import Event, EventRole, EventRoleKind, User


class Need(str, Enum):
    VIEW = "view"          # published events for all; drafts for their organizers
    CHECKIN = "checkin"    # the door: check-in staff and organizers
    MANAGE = "manage"      # organizers of the event and administrators
    ADMIN = "admin"        # administrators only


def event_roles(user: User | None, event: Event) -> set[EventRoleKind]:
    """The roles a user holds on an event (memoised per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cache = g.setdefault("_event_roles", {})
    key = (user.id, event.id)
    if key not in cache:
        cache[key] = set(db.session.scalars(
            sa.select(EventRole.role).where(EventRole.user_id == user.id,
                                            EventRole.event_id == event.id)))
    return cache[key]


def can(user: User | None, need: Need, event: Event | None = None) -> bool:
    """Whether ``user`` has ``need`` (on ``event`` where the need is per event)."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    if authenticated and user.is_admin:
        return True
    if need is Need.ADMIN:
        return False
    if need is Need.VIEW:
        return event is None or event.published or can(user, Need.MANAGE, event)
    if not authenticated or event is None:
        return False
    roles = event_roles(user, event)
    if need is Need.MANAGE:
        return EventRoleKind.ORGANIZER in roles
    if need is Need.CHECKIN:
        return bool(roles & {EventRoleKind.ORGANIZER, EventRoleKind.CHECKIN_STAFF})
    return False


def managed_event_ids(user: User | None) -> set[int] | None:
    """Events the user organizes; None means all of them (an administrator)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if user.is_admin:
        return None
    return set(db.session.scalars(sa.select(EventRole.event_id).where(
        EventRole.user_id == user.id, EventRole.role == EventRoleKind.ORGANIZER)))


def acting_user() -> User | None:
    """The API token's user on API requests, the signed-in user elsewhere."""
    if request.path.startswith("/api/"):
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


def _deny(user: User | None):
    """Anonymous: sign in (HTML) or 401 (API). Signed in: 403."""
    if user is None:
        if request.path.startswith("/api/"):
            raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    raise Forbidden("You do not have permission to do that.")


def load_event(slug: str, need: Need = Need.VIEW, user: User | None = None) -> Event:
    """The event by slug, if ``user`` may ``need`` it; NotFound hides drafts from others."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or not can(user, Need.VIEW, event):
        raise NotFound("No such event.")
    if not can(user, need, event):
        raise Forbidden("You do not have permission to do that.")
    return event


def event_required(need: Need = Need.VIEW):
    """Decorator: turn the ``slug`` URL argument into ``event`` after checking ``need``."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, slug: str, **kwargs):
            user = acting_user()
            if need is not Need.VIEW and user is None:
                # Don't reveal whether the event exists before sign-in.
                return _deny(None)
            event = load_event(slug, need, user)
            g.event = event
            return view(*args, event=event, **kwargs)

        wrapper.required_need = need  # read by the permission test
        return wrapper

    return decorator


def login_required(view):
    """Signed-in users only (API: a valid token)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if acting_user() is None:
            return _deny(None)
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        user = acting_user()
        if user is None or not user.is_admin:
            return _deny(user)
        return view(*args, **kwargs)

    return wrapper


def require(user: User | None, need: Need, event: Event | None = None) -> None:
    """Raise Unauthorized/Forbidden unless ``user`` has ``need``; for use inside views."""
    if can(user, need, event):
        return
    if user is None:
        raise Unauthorized("Sign in first.")
    raise Forbidden("You do not have permission to do that.")
