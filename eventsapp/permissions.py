"""Who may do what: every permission rule of the application lives here.

Views declare what they need with the decorators below; services receive the acting
user and may call ``can()`` again for rules that depend on data.
"""
from __future__ import annotations

from enum import Enum
from functools import wraps
from typing import TypeGuard

import sqlalchemy as sa
from flask import g, redirect, request, url_for
from flask_babel import gettext as _
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
    if _authenticated(user) and user.is_admin:
        return True
    if need is Need.ADMIN:
        return False
    if need is Need.VIEW:
        return event is None or event.published or can(user, Need.MANAGE, event)
    if not _authenticated(user) or event is None:
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
            raise Unauthorized(_("Send an API token as 'Authorization: Bearer <token>'."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    raise Forbidden(_("You do not have permission to do that."))


def load_event(slug: str, need: Need = Need.VIEW, user: User | None = None) -> Event:
    """The event by slug, if ``user`` may ``need`` it; NotFound hides drafts from others."""
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or not can(user, Need.VIEW, event):
        raise NotFound(_("No such event."))
    if not can(user, need, event):
        raise Forbidden(_("You do not have permission to do that."))
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
        raise Unauthorized(_("Sign in first."))
    raise Forbidden(_("You do not have permission to do that."))


# ---------------------------------------------------------------- online participation
# Who may see a session's stream link (and passcode) and its recording.


def confirmed_registration(user: User | None, event: Event):
    """The signed-in user's confirmed registration for ``event`` (memoised per request)."""
    from .models import Registration, RegistrationStatus

    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cache = g.setdefault("_confirmed_registration", {})
    key = (user.id, event.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            sa.select(Registration).where(
                Registration.event_id == event.id, Registration.user_id == user.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.join_token.is_not(None))
            .order_by(Registration.id).limit(1))
    return cache[key]


def registration_entitled(registration, event_id: int) -> bool:
    """A registration opens an event's streams while it is confirmed and its secret lives."""
    from .models import RegistrationStatus

    return (registration is not None and registration.event_id == event_id
            and registration.status == RegistrationStatus.CONFIRMED
            and registration.join_token is not None)


def is_session_speaker(user: User | None, session) -> bool:
    """Whether the user is linked to a person with a role on ``session``."""
    from .models import Person, SessionRole

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.scalar(
        sa.select(sa.literal(1)).select_from(SessionRole)
        .join(Person, Person.id == SessionRole.person_id)
        .where(SessionRole.session_id == session.id, Person.user_id == user.id)
        .limit(1)) is not None


def can_see_stream(user: User | None, session, registration=None) -> bool:
    """Confirmed registrants of the event (signed in, or by their secret), the session's
    speakers, the event's organizers and administrators."""
    event = session.event
    if registration_entitled(registration, event.id):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if can(user, Need.MANAGE, event):
        return True
    if confirmed_registration(user, event) is not None:
        return True
    return is_session_speaker(user, session)


def can_see_recording(user: User | None, session, registration=None) -> bool:
    """Everyone when the event's recordings are public, else those who see the stream."""
    return bool(session.event.recordings_public) or can_see_stream(user, session, registration)


# ---------------------------------------------------------------- focal points
# A focal point is an account that an event's organizers designate for one organization
# of the event (a member state, a company, an NGO ...). It sees and decides that
# organization's registrations (its delegation) and registers delegates for it, on no
# other organization: an organization it is not a focal point of is answered 404, so ids
# of other organizations are not revealed. Organizers of the event (and administrators)
# act on every organization of the event; a focal point has no other right on the event.


def focal_organization_ids(user: User | None) -> set[int]:
    """The organizations ``user`` is a focal point of, across events (memoised per request)."""
    from .models import FocalPoint

    if not _authenticated(user):
        return set()
    cache = g.setdefault("_focal_organizations", {})
    if user.id not in cache:
        cache[user.id] = set(db.session.scalars(
            sa.select(FocalPoint.organization_id).where(FocalPoint.user_id == user.id)))
    return cache[user.id]


def is_focal_point(user: User | None, organization) -> bool:
    """Whether ``user`` is a focal point of ``organization``."""
    return organization is not None and organization.id in focal_organization_ids(user)


def is_focal_point_for(user: User | None, registration) -> bool:
    """Whether ``user`` is a focal point of the organization ``registration`` is made on
    behalf of (who may read its documents and decide it, beside organizers)."""
    org_id = getattr(registration, "organization_id", None)
    return org_id is not None and org_id in focal_organization_ids(user)


def can_act_for(user: User | None, organization) -> bool:
    """Decide and add registrations of ``organization``: its focal points (while the
    event is published), the organizers of its event, administrators."""
    if not _authenticated(user):
        return False
    if can(user, Need.MANAGE, organization.event):
        return True
    # A focal point acts on published events only (a draft is its organizers' alone).
    return bool(organization.event.published) and is_focal_point(user, organization)


def load_organization_for(user: User | None, organization_id: int, event: Event | None = None):
    """The organization by id if ``user`` may act for it (and, when given, it belongs to
    ``event``); else NotFound, whether it exists or not."""
    from .models import Organization

    org = db.session.get(Organization, organization_id)
    if org is None or (event is not None and org.event_id != event.id) \
            or not can_act_for(user, org):
        raise NotFound(_("No such organization."))
    return org


# ---------------------------------------------------------------- pledges

def _authenticated(user: User | None) -> TypeGuard[User]:
    return user is not None and getattr(user, "is_authenticated", False)


def can_manage_pledge(user: User | None, pledge) -> bool:
    """Organizers of the pledge's event moderate and edit it; pledges not tied to an
    event are organized by administrators."""
    if not _authenticated(user):
        return False
    if pledge.event_id is None:
        return bool(user.is_admin)
    return can(user, Need.MANAGE, pledge.event)


def can_view_pledge(user: User | None, pledge) -> bool:
    """Published pledges (of a visible event) are public; others are seen by their
    submitter and by those who manage them."""
    from .models import PledgeState

    if pledge.state == PledgeState.PUBLISHED and (pledge.event_id is None or pledge.event.published):
        return True
    if _authenticated(user) and pledge.submitted_by_id == user.id:
        return True
    return can_manage_pledge(user, pledge)


def can_report_on_pledge(user: User | None, pledge) -> bool:
    """Progress reports: the submitting account and the pledge's organizers."""
    if not _authenticated(user):
        return False
    return pledge.submitted_by_id == user.id or can_manage_pledge(user, pledge)


def can_create_events(user: User | None) -> bool:
    """Administrators, and users who organize at least one event, create events."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return db.session.scalar(sa.select(EventRole.id).where(
        EventRole.user_id == user.id, EventRole.role == EventRoleKind.ORGANIZER).limit(1)) is not None


# ---------------------------------------------------------------- people (speaker profiles)
# A profile is one record shared by every event where it has a role, so the rights on it
# follow from those events, and they must hold for all of them where a change would show
# in another organizer's programme:
# - use it (put it on a session, see it in the "add existing person" list, read it while
#   it is not public): organizers of at least one of its events; a profile with no role
#   yet, only the account that created it;
# - edit, delete, link to an account: organizers of EVERY one of its events (a profile
#   shared with an event someone does not organize is theirs to change only through an
#   administrator); a profile with no role yet, only its creator;
# - public: a role on a published session of a published event.
# Administrators do all. Anyone else gets 404 for the id (its existence is not revealed).


class PersonNeed(str, Enum):
    VIEW = "view"
    USE = "use"
    EDIT = "edit"


def _person_event_ids(person_id: int) -> set[int]:
    from .models import ProgrammeSession, SessionRole

    return set(db.session.scalars(
        sa.select(ProgrammeSession.event_id)
        .join(SessionRole, SessionRole.session_id == ProgrammeSession.id)
        .where(SessionRole.person_id == person_id)))


def _orphan_of(user: User, person, event_ids: set[int]) -> bool:
    """A profile with no role belongs to whoever created it (None: administrators only)."""
    return not event_ids and person.created_by_id is not None and person.created_by_id == user.id


def can_use_person(user: User | None, person) -> bool:
    """Whether ``user`` may put ``person`` on a session of an event they manage."""
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    event_ids = _person_event_ids(person.id)
    if _orphan_of(user, person, event_ids):
        return True
    return bool(event_ids & (managed_event_ids(user) or set()))


def can_edit_person(user: User | None, person) -> bool:
    """Whether ``user`` may change, delete or link ``person`` to an account: organizers of
    every event where the person has a role (else a change would show in, and linking
    an account would open, another organizer's event)."""
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    event_ids = _person_event_ids(person.id)
    if not event_ids:
        return _orphan_of(user, person, event_ids)
    return event_ids <= (managed_event_ids(user) or set())


def person_is_public(person) -> bool:
    """A role on a published session of a published event makes a profile public."""
    from .models import ProgrammeSession, SessionRole

    return db.session.scalar(
        sa.select(sa.literal(1)).select_from(SessionRole)
        .join(ProgrammeSession, ProgrammeSession.id == SessionRole.session_id)
        .join(Event, Event.id == ProgrammeSession.event_id)
        .where(SessionRole.person_id == person.id, ProgrammeSession.published.is_(True),
               Event.published.is_(True))
        .limit(1)) is not None


def can_view_person(user: User | None, person) -> bool:
    """The public, and those who may use the profile (drafts' speakers stay private)."""
    return person_is_public(person) or can_use_person(user, person)


def usable_people_clause(user: User | None):
    """SQL condition on ``Person``: the profiles ``user`` may use (same rule as
    ``can_use_person``, for lists and for checking many ids in one query)."""
    from .models import Person, ProgrammeSession, SessionRole

    if not _authenticated(user):
        return sa.false()
    if user.is_admin:
        return sa.true()
    managed = managed_event_ids(user) or set()
    in_managed = (sa.select(SessionRole.person_id)
                  .join(ProgrammeSession, ProgrammeSession.id == SessionRole.session_id)
                  .where(ProgrammeSession.event_id.in_(managed or {-1})))
    has_role = sa.exists().where(SessionRole.person_id == Person.id)
    return sa.or_(Person.id.in_(in_managed),
                  sa.and_(~has_role, Person.created_by_id == user.id))


def load_person(user: User | None, person_id: int, need: PersonNeed = PersonNeed.VIEW):
    """The person by id if ``user`` may ``need`` it. Not usable (or unknown): NotFound,
    so another event's speaker ids are not revealed; usable but shared with events the
    user does not organize, for EDIT: Forbidden."""
    from .models import Person

    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    if need is PersonNeed.VIEW:
        if not can_view_person(user, person):
            raise NotFound(_("No such person."))
        return person
    if not can_use_person(user, person):
        raise NotFound(_("No such person."))
    if need is PersonNeed.EDIT and not can_edit_person(user, person):
        raise Forbidden(_("This person also speaks at events you do not organize: "
                          "ask an administrator to change the profile."))
    return person


# ---------------------------------------------------------------- the acting user, required

def require_user() -> User:
    """The acting user (API token's, else signed-in), for views that pass it to services
    needing a ``User``; Unauthorized when there is none. ``login_required`` and
    ``event_required`` already turn anonymous requests away (HTML: to the sign-in page),
    so behind them this only narrows ``User | None``; elsewhere it is the check."""
    user = acting_user()
    if user is None:
        raise Unauthorized(_("Sign in first."))
    return user
