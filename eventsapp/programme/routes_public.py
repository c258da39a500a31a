"""Reading the programme: pages, speakers, stars, calendars and interchange files."""
from __future__ import annotations

import json
import re
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import groupby

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..auth.forms import EmptyForm
from ..confirm import ask_first
from ..errors import NotFound
from ..extensions import db
from ..i18n import N_, current_language, event_title, valid_language
from ..models import Person, SessionType
from ..nav import register_nav
from ..permissions import (
    Need,
    PersonNeed,
    acting_user,
    can,
    event_required,
    load_person,
    login_required,
    person_is_public,
    require_user,
)
from ..security import safe_next
from ..timefmt import viewer_zone
from . import exports, frab, ical, photos, queries, services

bp = Blueprint("programme", __name__)

register_nav(N_("My schedule"), "programme.my_schedule", 30, signed_in_only=True)
register_nav(N_("My sessions"), "programme.my_sessions", 31, signed_in_only=True)


def by_day(event, sessions):
    return [(day, list(items)) for day, items in
            groupby(sessions, key=lambda s: event.local(s.starts_at).date())]


@bp.app_template_global()
def session_people(session):
    """The session's roles in display order (already loaded: no query)."""
    return sorted(session.roles, key=lambda r: (r.position, r.id))


_STAR_MARK = re.compile(r"<!--star:(\d+)-->")


@dataclass(frozen=True)
class _RoomChoice:
    id: int
    name: str


@dataclass(frozen=True)
class _ProgrammeBody:
    """The cached part of the programme page: the session list cut at each star button
    (``parts`` alternates HTML and session ids), the count and the room filter."""
    parts: tuple
    count: int
    rooms: tuple


@dataclass(frozen=True)
class _Starrable:
    id: int


def _programme_body(event, manage: bool, type_, room_id, vz) -> _ProgrammeBody:
    sessions = queries.programme_sessions(event, include_drafts=manage, type_=type_,
                                          room_id=room_id)
    rooms = tuple(_RoomChoice(r.id, r.name) for r in queries.event_rooms(event))
    html = render_template("programme/_programme_days.html", event=event,
                           days=by_day(event, sessions), vz=vz, type_=type_,
                           room_id=room_id)
    pieces = _STAR_MARK.split(html)
    parts = tuple(int(p) if i % 2 else p for i, p in enumerate(pieces))
    return _ProgrammeBody(parts, len(sessions), rooms)


def _with_stars(event, body: _ProgrammeBody, user) -> str:
    """The session list with this viewer's own star buttons (none when signed out)."""
    if not getattr(user, "is_authenticated", False):
        return "".join(body.parts[0::2])
    ids = body.parts[1::2]
    buttons = render_template("programme/_star_buttons.html", event=event,
                              items=[_Starrable(i) for i in ids],
                              starred=queries.starred_ids(user),
                              star_form=EmptyForm()).split("<!--/star-->")
    out = []
    for i, part in enumerate(body.parts):
        out.append(buttons[i // 2] if i % 2 else part)
    return "".join(out)


@bp.route("/events/<slug>/programme")
@event_required(Need.VIEW)
def programme(event):
    user = acting_user()
    manage = can(user, Need.MANAGE, event)
    type_ = request.args.get("type") or None
    if type_ not in {t.value for t in SessionType}:
        type_ = None
    room_id = request.args.get("room", type=int) or None
    vz = viewer_zone()
    # The list depends on the version, drafts (organizers only), filters, zone and
    # language; everything personal (stars, CSRF, navigation) is rendered per request.
    body = exports.cached("programme-page", event,
                          lambda: _programme_body(event, manage, type_, room_id, vz),
                          variant=(manage, type_, room_id, vz, current_language()))
    return render_template(
        "programme/programme.html", event=event, rooms=body.rooms, types=SessionType,
        type_=type_, room_id=room_id, can_manage=manage, count=body.count,
        sessions_html=Markup(_with_stars(event, body, user)))


@bp.route("/events/<slug>/sessions/<int:session_id>")
@event_required(Need.VIEW)
def session_page(event, session_id: int):
    user = acting_user()
    manage = can(user, Need.MANAGE, event)
    session = queries.session_in_event(event, session_id, include_drafts=manage)
    if session is None:
        raise NotFound(_("No such session."))
    return render_template("programme/session.html", event=event, session=session,
                           can_manage=manage, starred=queries.starred_ids(user),
                           star_form=EmptyForm())


@bp.route("/events/<slug>/speakers")
@event_required(Need.VIEW)
def speakers(event):
    manage = can(acting_user(), Need.MANAGE, event)
    return render_template("programme/speakers.html", event=event,
                           speakers=queries.speakers(event, include_drafts=manage),
                           can_manage=manage)


def _speaker(event, person_id: int, manage: bool):
    person = db.session.get(Person, person_id)
    sessions = queries.speaker_sessions(event, person_id, include_drafts=manage) if person else []
    if person is None or not sessions:
        raise NotFound(_("No such speaker at this event."))
    return person, sessions


@bp.route("/events/<slug>/speakers/<int:person_id>")
@event_required(Need.VIEW)
def speaker_page(event, person_id: int):
    manage = can(acting_user(), Need.MANAGE, event)
    person, sessions = _speaker(event, person_id, manage)
    return render_template("programme/speaker.html", event=event, person=person,
                           sessions=sessions, can_manage=manage)


@bp.route("/people/<int:person_id>/photo")
def person_photo(person_id: int):
    user = acting_user()
    person = load_person(user, person_id, PersonNeed.VIEW)
    path = photos.path_of(person.photo_filename) if person.photo_filename else None
    if path is None:
        raise NotFound(_("No photo."))
    public = person_is_public(person)
    resp = send_file(path, mimetype=photos.mimetype_of(path.name), max_age=3600,
                     download_name=f"person-{person.id}.{path.suffix.lstrip('.')}")
    if not public:
        # A draft's speaker, shown to its organizers: no shared cache may keep it.
        resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["Content-Disposition"] = "inline"
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return resp


# ------------------------------------------------------------------ stars

def _back(event, session_id):
    return redirect(safe_next(request.form.get("next"),
                              url_for("programme.session_page", slug=event.slug,
                                      session_id=session_id)))


@bp.route("/events/<slug>/sessions/<int:session_id>/star", methods=["POST"])
@event_required(Need.VIEW)
@login_required
def star(event, session_id: int):
    session = queries.session_in_event(event, session_id,
                                       include_drafts=can(acting_user(), Need.MANAGE, event))
    if session is None:
        raise NotFound(_("No such session."))
    if EmptyForm().validate_on_submit():
        services.star(require_user(), session)
        flash(_("Added to your schedule."), "success")
    return _back(event, session_id)


@bp.route("/events/<slug>/sessions/<int:session_id>/unstar", methods=["POST"])
@event_required(Need.VIEW)
@login_required
def unstar(event, session_id: int):
    session = queries.session_in_event(event, session_id, include_drafts=True)
    if session is None:
        raise NotFound(_("No such session."))
    if EmptyForm().validate_on_submit():
        services.unstar(require_user(), session)
        flash(_("Removed from your schedule."), "info")
    return _back(event, session_id)


@bp.route("/my/schedule")
@login_required
def my_schedule():
    user = acting_user()
    sessions = queries.my_schedule(user)
    feed = None
    if user.feed_token:
        feed = exports.absolute_url("programme.personal_feed", token=user.feed_token)
    return render_template("programme/my_schedule.html", sessions=sessions, feed_url=feed,
                           star_form=EmptyForm(), starred={s.id for s in sessions})


@bp.route("/my/schedule/feed", methods=["POST"])
@login_required
def reset_feed():
    if EmptyForm().validate_on_submit():
        user = acting_user()
        if user is not None and user.feed_token:  # the first address replaces nothing
            page = ask_first(
                _("Make a new calendar feed address?"),
                [_("The old address stops working: calendars subscribed to it no longer "
                   "update."),
                 _("Subscribe again with the new address.")],
                _("Make a new address"), url_for("programme.my_schedule") + "#feed")
            if page is not None:
                return page
        services.reset_feed_token(acting_user())
        flash(_("Your calendar feed has a new secret address; the old one no longer works."),
              "success")
    return redirect(url_for("programme.my_schedule") + "#feed")


@bp.route("/my/sessions")
@login_required
def my_sessions():
    return render_template("programme/my_sessions.html",
                           sessions=queries.my_sessions(acting_user()))


# ------------------------------------------------------------------ calendars and files

def _ics(name: str, sessions, zone: str | None) -> bytes:
    return ical.build_calendar(name, sessions, host=exports.host(),
                               session_url=exports.session_url, zone=zone)


def _event_export(event, kind: str, build, mimetype: str, filename: str):
    hit = exports.not_modified(kind, event)
    if hit is not None:
        return hit
    data = exports.cached(kind, event, build)
    return exports.file_response(data, mimetype, filename, kind=kind, event=event,
                                 private=not event.published,
                                 attachment=not mimetype.startswith("application/json"))


@bp.route("/events/<slug>/programme.ics")
@event_required(Need.VIEW)
def event_ics(event):
    # The calendar is named with the event's title in the viewer's language (and its
    # session types are in it): one cached copy and one ETag per language.
    resp = _event_export(
        event, f"ics-{current_language()}",
        lambda: _ics(event_title(event), queries.programme_sessions(event), event.timezone),
        "text/calendar", f"{event.slug}.ics")
    resp.vary.update(("Accept-Language", "Cookie"))
    return resp


@bp.route("/events/<slug>/sessions/<int:session_id>.ics")
@event_required(Need.VIEW)
def session_ics(event, session_id: int):
    session = queries.session_in_event(event, session_id, include_drafts=False)
    if session is None:
        raise NotFound(_("No such session."))
    data = _ics(f"{session.label}: {session.title}", [session], event.timezone)
    return exports.file_response(data, "text/calendar", f"{event.slug}-session-{session.id}.ics",
                                 private=not event.published)


@bp.route("/events/<slug>/speakers/<int:person_id>.ics")
@event_required(Need.VIEW)
def speaker_ics(event, person_id: int):
    person, sessions = _speaker(event, person_id, False)
    data = _ics(f"{person.name} · {event_title(event)}", sessions, event.timezone)
    return exports.file_response(data, "text/calendar",
                                 f"{event.slug}-speaker-{person.id}.ics",
                                 private=not event.published)


@bp.route("/calendar/<token>.ics")
def personal_feed(token: str):
    """The starred sessions of the feed's owner; the secret URL is the only key."""
    user = services.user_for_feed(token)
    if user is None:
        abort(404)
    # A calendar app fetches the feed without the owner's cookie: the texts are in the
    # language the account chose, else the request's.
    language = valid_language(user.language)
    with force_locale(language) if language else nullcontext():
        data = _ics(_("My schedule (%(name)s)", name=user.name), queries.feed_sessions(user),
                    None)
    resp = exports.file_response(data, "text/calendar", "my-schedule.ics", private=True,
                                 attachment=False)
    resp.headers["X-Robots-Tag"] = "noindex"
    return resp


@bp.route("/events/<slug>/schedule.xml")
@event_required(Need.VIEW)
def schedule_xml(event):
    return _event_export(
        event, "xml",
        lambda: frab.export_xml(event, queries.programme_sessions(event), host=exports.host(),
                                session_url=exports.session_url),
        "application/xml", f"{event.slug}-schedule.xml")


@bp.route("/events/<slug>/schedule.json")
@event_required(Need.VIEW)
def schedule_json(event):
    def build():
        doc = frab.export_json(event, queries.programme_sessions(event), host=exports.host(),
                               session_url=exports.session_url)
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    return _event_export(event, "json", build, "application/json", f"{event.slug}-schedule.json")
