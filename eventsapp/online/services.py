"""Online participation use cases.

Every rule that depends on the clock takes ``now`` (an aware UTC datetime) as an
argument; routes pass ``utcnow()``, tests pass a frozen instant.

Who may see a stream link is decided in ``eventsapp.permissions`` (``can_see_stream``,
``can_see_recording``); this module applies those rules and the join window.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..db_tx import transaction, use_case
from ..errors import DomainError, Forbidden, NotFound
from ..extensions import db
from ..i18n import N_, event_title
from ..inputs import Url
from ..mail.outbox import queue_mail
from ..models import (
    Event,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    SessionJoin,
    User,
)
from ..permissions import (
    Need,
    can,
    can_see_recording,
    can_see_stream,
    confirmed_registration,
    is_session_speaker,
)
from ..registration.mails import registrant_language
from ..timefmt import format_event_time
from .schemas import MAX_JOIN_OPENS_MINUTES

BEFORE, OPEN, ENDED = "before", "open", "ended"

# Secrets are token_urlsafe() output: refuse anything else before touching the database.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Gone(DomainError):
    """A link that used to work: the registration was cancelled or declined."""

    status, code = 410, "gone"


# ---------------------------------------------------------------- pure rules


@dataclass(frozen=True)
class StreamLink:
    url: str
    passcode: str | None


_URL = Url()


def is_http_url(url: str | None) -> bool:
    """Only links the input rule (``inputs.Url``) accepts are ever linked to or redirected
    to: stored values are checked again on the way out."""
    try:
        return bool(url) and _URL.deserialize(url) is not None
    except ValidationError:
        return False


def stream_for(event: Event, session: ProgrammeSession) -> StreamLink | None:
    """The session's own link, else the event's default; None when neither is usable.

    A passcode belongs to its link: the event's passcode is not given for a session
    that has a link of its own.
    """
    if session.stream_url:
        url, passcode = session.stream_url, session.stream_passcode
    elif event.stream_url:
        url, passcode = event.stream_url, session.stream_passcode or event.stream_passcode
    else:
        return None
    if not is_http_url(url):
        return None
    return StreamLink(url.strip(), (passcode or None))


def join_opens_at(event: Event, session: ProgrammeSession) -> datetime:
    minutes = event.join_opens_minutes_before
    minutes = 15 if minutes is None else max(0, min(int(minutes), MAX_JOIN_OPENS_MINUTES))
    return session.starts_at - timedelta(minutes=minutes)


def join_state(event: Event, session: ProgrammeSession, now: datetime) -> str:
    """BEFORE the window, OPEN from ``join_opens_at`` to the session's end, then ENDED."""
    if now < join_opens_at(event, session):
        return BEFORE
    if now < session.ends_at:
        return OPEN
    return ENDED


def valid_id(value: int) -> bool:
    return 0 < value < 2**31


def valid_secret(secret: str | None) -> bool:
    return bool(secret and _SECRET_RE.match(secret))


# ---------------------------------------------------------------- registrations by secret


def registration_for_join_secret(secret: str) -> Registration | None:
    """The registration whose join secret this is (one indexed query), or None."""
    if not valid_secret(secret):
        return None
    row = db.session.execute(
        sa.select(Registration, Event).join(Event, Event.id == Registration.event_id)
        .where(Registration.join_token == secret)).first()
    return row[0] if row else None


def registration_for_manage_token(token: str) -> Registration | None:
    """The registration of a manage link (same lookup as the registration feature's)."""
    from ..registration.links import registration_for_manage_token as lookup

    # The same lookup, so every live link (the first and the extra ones) works here too.
    return lookup(token) if valid_secret(token) else None


_INVALID_LINK = N_("This link is not valid: it may be mistyped, or its registration was "
                   "cancelled. Your current links are on your registration's manage page.")


def check_entitled(registration: Registration | None) -> Registration:
    """Raise the clear error for a link that does not (or no longer) open anything."""
    if registration is None:
        raise NotFound(_(_INVALID_LINK))
    if registration.status in (RegistrationStatus.CANCELLED, RegistrationStatus.DECLINED) \
            or registration.erased_at is not None or registration.join_token is None:
        raise Gone(_("This registration was cancelled, so its session links no longer work."))
    if registration.status is not RegistrationStatus.CONFIRMED:
        raise Forbidden(_("Your registration is not confirmed yet (%(status)s). "
                          "Your session links will work once it is confirmed.",
                          status=registration.status.label))
    return registration


# ---------------------------------------------------------------- personal join link


@dataclass
class JoinOutcome:
    registration: Registration
    event: Event
    session: ProgrammeSession
    state: str
    opens_at: datetime
    stream: StreamLink | None
    redirect_to: str | None = None  # set when the join was recorded
    recording_url: str | None = None


@cache
def _join_statement() -> sa.Select:
    """Registration by join secret, its event and the published session asked for (bind
    parameters ``secret`` and ``session_id``); built once, the join rush runs it."""
    return (sa.select(Registration, Event, ProgrammeSession)
            .join(Event, Event.id == Registration.event_id)
            .outerjoin(ProgrammeSession,
                       sa.and_(ProgrammeSession.event_id == Registration.event_id,
                               ProgrammeSession.id == sa.bindparam("session_id"),
                               ProgrammeSession.published.is_(True)))
            .where(Registration.join_token == sa.bindparam("secret")))


@cache
def _join_insert() -> sa.Insert:
    table = SessionJoin.__table__
    assert isinstance(table, sa.Table)  # typed FromClause; a declarative model's is a Table
    return sa.insert(table)


def open_join(secret: str, session_id: int, now: datetime) -> JoinOutcome:
    """Open a personal join link: inside the window record the join and return where to
    redirect; outside it, what the waiting (or ended) page shows.

    Fast path, for the join rush: one SELECT (registration, event and session together),
    then one INSERT in its own use case; both statements are built once. The read is an
    ordinary read: only the join writes (on SQLite with the write lock taken up front).
    """
    if not valid_secret(secret):
        check_entitled(None)
    if not valid_id(session_id):
        session_id = 0  # no such row, on every backend (ids beyond 32 bits overflow)
    row = db.session.execute(_join_statement(),
                             {"secret": secret, "session_id": session_id}).first()
    if row is None:
        raise NotFound(_(_INVALID_LINK))
    registration = check_entitled(row[0])
    event, session = row[1], row[2]
    if session is None:
        raise NotFound(_("This session is not in the programme of your event. Use the links "
                         "on your watch page."))
    state = join_state(event, session, now)
    stream = stream_for(event, session)
    out = JoinOutcome(registration, event, session, state, join_opens_at(event, session), stream)
    if state == OPEN and stream is not None:
        # Plain values first: committing the read transaction expires the loaded objects.
        values = {"session_id": session.id, "registration_id": registration.id,
                  "user_id": registration.user_id, "joined_at": now}
        # The join is its own use case: on SQLite it ends the read transaction and takes
        # the write lock up front (the INSERT then waits, never fails); on PostgreSQL it
        # is one COMMIT of the read, then BEGIN, INSERT, COMMIT.
        with transaction():
            db.session.connection().execute(_join_insert(), values)
        out.redirect_to = stream.url
    elif state == ENDED and session.recording_url and is_http_url(session.recording_url):
        out.recording_url = session.recording_url
    return out


# ---------------------------------------------------------------- watch page


@dataclass
class WatchItem:
    session: ProgrammeSession
    state: str
    opens_at: datetime
    live: bool
    has_stream: bool
    recording_url: str | None
    seconds_to_open: int


@dataclass
class WatchView:
    registration: Registration
    event: Event
    zone: str
    now: datetime
    today: date
    items: list[WatchItem]
    live: list[WatchItem]
    next: WatchItem | None
    todays: list[WatchItem]
    days: list[tuple[date, list[WatchItem]]]


def published_sessions(event_id: int) -> list[ProgrammeSession]:
    return list(db.session.scalars(
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.event_id == event_id, ProgrammeSession.published.is_(True))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)))


def watch_view(registration: Registration, now: datetime, zone: str | None = None) -> WatchView:
    """Live now, next, today's sessions (in the viewer's zone) and the whole programme."""
    event = registration.event
    zone = zone or event.timezone
    tz = ZoneInfo(zone)
    items = []
    for s in published_sessions(event.id):
        state = join_state(event, s, now)
        opens = join_opens_at(event, s)
        rec = s.recording_url if state == ENDED and is_http_url(s.recording_url) else None
        items.append(WatchItem(s, state, opens, s.starts_at <= now < s.ends_at,
                               stream_for(event, s) is not None, rec,
                               max(0, int((opens - now).total_seconds()))))
    today = now.astimezone(tz).date()
    days: list[tuple[date, list[WatchItem]]] = []
    for it in items:
        d = it.session.starts_at.astimezone(tz).date()
        if days and days[-1][0] == d:
            days[-1][1].append(it)
        else:
            days.append((d, [it]))
    upcoming = [it for it in items if it.session.starts_at > now]
    return WatchView(
        registration=registration, event=event, zone=zone, now=now, today=today, items=items,
        live=[it for it in items if it.live], next=upcoming[0] if upcoming else None,
        todays=[it for it in items if it.session.starts_at.astimezone(tz).date() == today],
        days=days)


def passcode_for(event: Event, session: ProgrammeSession) -> str | None:
    link = stream_for(event, session)
    return link.passcode if link else None


# ---------------------------------------------------------------- session page slot


@dataclass
class SessionStreamView:
    has_stream: bool
    entitled: bool
    state: str
    opens_at: datetime
    stream_url: str | None = None  # only for organizers, admins and the session's speakers
    passcode: str | None = None
    join_secret: str | None = None  # a signed-in registrant's personal link
    recording_url: str | None = None
    recording_for_registrants: bool = False  # a recording exists but is not for this viewer
    online_offered: bool = True


def session_stream_view(user: User | None, event: Event, session: ProgrammeSession,
                        now: datetime) -> SessionStreamView:
    """What the session page shows about the stream and recording to ``user``."""
    link = stream_for(event, session)
    state = join_state(event, session, now)
    view = SessionStreamView(has_stream=link is not None, entitled=False, state=state,
                             opens_at=join_opens_at(event, session),
                             online_offered=event.offers_online or link is not None)
    registration = confirmed_registration(user, event)
    view.entitled = can_see_stream(user, session, registration)
    if view.entitled:
        if registration is not None:
            view.join_secret = registration.join_token
        if link is not None:
            view.passcode = link.passcode
            if registration is None or can(user, Need.MANAGE, event) \
                    or is_session_speaker(user, session):
                view.stream_url = link.url
    if state == ENDED and is_http_url(session.recording_url):
        if can_see_recording(user, session, registration):
            view.recording_url = session.recording_url
        else:
            view.recording_for_registrants = True
    return view


# ---------------------------------------------------------------- mail me my links


def join_links_mail(registration: Registration, base_url: str) -> None:
    """Queue a mail with every session's personal join link (inside the caller's use
    case), in the registrant's language."""
    with force_locale(registrant_language(registration)):
        _join_links_mail(registration, base_url)


def _join_links_mail(registration: Registration, base_url: str) -> None:
    check_entitled(registration)
    event = registration.event
    base = base_url.rstrip("/")
    secret = registration.join_token
    zone = event.timezone
    lines = [_("Hello %(name)s,", name=registration.name), "",
             ngettext("Your personal links for %(event)s. They are yours alone: do not "
                      "forward them. Each opens the session's stream from %(num)d minute "
                      "before it starts.",
                      "Your personal links for %(event)s. They are yours alone: do not "
                      "forward them. Each opens the session's stream from %(num)d minutes "
                      "before it starts.", event.join_opens_minutes_before,
                      event=event_title(event)), "",
             _("Watch page (live now, next, join buttons): %(url)s",
               url=f"{base}/join/{secret}/watch"),
             _("Calendar feed with these links: %(url)s",
               url=f"{base}/join/{secret}/calendar.ics"), ""]
    sessions = published_sessions(event.id)
    for s in sessions:
        when = format_event_time(s.starts_at, zone, "%a %-d %b %H:%M")  # mail's language
        lines.append(f"{when} ({zone}) · {s.label}: {s.title}")
        lines.append(f"  {base}/join/{secret}/{s.id}")
    if not sessions:
        lines.append(_("The programme has no sessions yet; your watch page will list them."))
    queue_mail(to=registration.email, subject=_("Your session links: %(event)s", event=event_title(event)),
               text="\n".join(lines), kind="online_links", event_id=event.id)


@use_case
def mail_my_links(manage_token: str, base_url: str) -> Registration:
    """Queue the links mail for the registration of a manage link."""
    registration = check_entitled(registration_for_manage_token(manage_token))
    join_links_mail(registration, base_url)
    return registration


# ---------------------------------------------------------------- organizer settings


@use_case
def update_online_settings(user: User | None, event: Event, data: dict) -> Event:
    """Default stream link and passcode, join window and recordings' visibility (``data``
    loaded by ``OnlineSettingsSchema``)."""
    if not can(user, Need.MANAGE, event):
        raise Forbidden(_("Only the event's organizers change its online settings."))
    event.stream_url = data["stream_url"]
    event.stream_passcode = data["stream_passcode"] or None
    event.join_opens_minutes_before = data["join_opens_minutes_before"]
    event.recordings_public = data["recordings_public"]
    return event


def get_session(event: Event, session_id: int) -> ProgrammeSession:
    if not valid_id(session_id):
        raise NotFound(_("No such session in this event."))
    session = db.session.scalar(sa.select(ProgrammeSession).where(
        ProgrammeSession.id == session_id, ProgrammeSession.event_id == event.id))
    if session is None:
        raise NotFound(_("No such session in this event."))
    return session


@use_case
def update_session_links(user: User | None, event: Event, session_id: int,
                         data: dict) -> ProgrammeSession:
    """A session's own stream link and passcode, and its recording link (``data`` loaded
    by ``SessionLinksSchema``)."""
    if not can(user, Need.MANAGE, event):
        raise Forbidden(_("Only the event's organizers change session links."))
    session = get_session(event, session_id)
    recording = data["recording_url"]
    public_change = recording != session.recording_url
    session.stream_url = data["stream_url"]
    session.stream_passcode = data["stream_passcode"] or None
    session.recording_url = recording
    if public_change:
        # The recording link shows on the (cacheable) session page.
        event.programme_version = (event.programme_version or 0) + 1
    return session
