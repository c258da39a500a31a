"""Online participation pages: personal join links, the watch page, the personal
calendar feed, "mail me my links", the organizer's online page and console panel,
and the template globals behind the event, session and manage page slots."""
from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ..auth.forms import EmptyForm
from ..console.panels import register_panel
from ..errors import DomainError
from ..extensions import limiter
from ..forms_util import apply_errors, form_input
from ..i18n import N_, event_title
from ..inputs import load
from ..models import Event, ProgrammeSession, Registration, utcnow
from ..permissions import (
    Need,
    acting_user,
    can,
    confirmed_registration,
    event_required,
    registration_entitled,
)
from ..ratelimits import configured
from ..registration.mails import registrant_language
from ..timefmt import viewer_zone
from . import attendance, services
from .forms import OnlineSettingsForm, SessionLinksForm
from .ical import personal_calendar
from .schemas import OnlineSettingsSchema, SessionLinksSchema

bp = Blueprint("online", __name__)


def _private(resp):
    """Pages addressed by a secret: never cached by others, never indexed."""
    resp = make_response(resp)
    resp.headers["Cache-Control"] = "private, no-store"
    resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def _zone(event: Event) -> str:
    return viewer_zone() or event.timezone


# ---------------------------------------------------------------- by join secret


@bp.route("/join/<secret>/<int:session_id>")
def join(secret: str, session_id: int):
    """Inside the window: record the join and go to the stream. Outside: wait or replay."""
    outcome = services.open_join(secret, session_id, utcnow())
    if outcome.redirect_to:
        return _private(redirect(outcome.redirect_to, 302))
    event, session = outcome.event, outcome.session
    now = utcnow()
    return _private(render_template(
        "online/join_wait.html", o=outcome, event=event, session=session, zone=_zone(event),
        secret=secret, seconds_to_open=max(0, int((outcome.opens_at - now).total_seconds())),
        passcode=services.passcode_for(event, session)))


@bp.route("/join/<secret>/watch")
def watch(secret: str):
    """Today's sessions in the viewer's zone, live now, next, with join buttons."""
    registration = services.check_entitled(services.registration_for_join_secret(secret))
    view = services.watch_view(registration, utcnow(), _zone(registration.event))
    return _private(render_template("online/watch.html", v=view, event=view.event,
                                    secret=secret, passcode_for=services.passcode_for))


@bp.route("/join/<secret>/calendar.ics")
def calendar(secret: str):
    """The personal feed: every published session with the registrant's join link."""
    registration = services.check_entitled(services.registration_for_join_secret(secret))
    event = registration.event
    base = current_app.config.get("BASE_URL", "").rstrip("/") or request.url_root.rstrip("/")
    # In the registrant's language: calendar apps fetch the feed without their cookie.
    with force_locale(registrant_language(registration)):
        body = personal_calendar(
            event_title=event_title(event), event_slug=event.slug, event_zone=event.timezone,
            venue=event.venue_name, sessions=services.published_sessions(event.id),
            join_url=lambda sid: f"{base}/join/{secret}/{sid}",
            watch_url=f"{base}/join/{secret}/watch",
            host=(request.host or "eventsapp").split(":")[0], now=utcnow())
    resp = make_response(body)
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = f'inline; filename="{event.slug}-my-sessions.ics"'
    resp = _private(resp)
    return resp


# ---------------------------------------------------------------- by manage token


def _manage_registration(token: str) -> Registration:
    return services.check_entitled(services.registration_for_manage_token(token))


@bp.route("/r/<token>/watch")
def manage_watch(token: str):
    """From the manage page to the watch page (addressed by the join secret)."""
    registration = _manage_registration(token)
    return _private(redirect(url_for("online.watch", secret=registration.join_token)))


@bp.route("/r/<token>/calendar.ics")
def manage_calendar(token: str):
    """The feed lives at the join secret's address: subscribing never hands the manage
    link (which can cancel the registration) to a calendar provider."""
    registration = _manage_registration(token)
    return _private(redirect(url_for("online.calendar", secret=registration.join_token)))


def _mail_limit_key() -> str:
    return "online-mail:" + (request.view_args or {}).get("token", "")[:64]


@bp.route("/r/<token>/join-links", methods=["POST"])
@limiter.limit(configured("ONLINE_LINKS_MAIL_RATE_LIMIT", "10 per hour"),
               key_func=_mail_limit_key)
def mail_links(token: str):
    """Mail me my links: every session's personal join link, to the registration's address."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    base = current_app.config.get("BASE_URL", "").rstrip("/") or request.url_root.rstrip("/")
    registration = services.mail_my_links(token, base)
    flash(_("Your session links are on their way to %(email)s.", email=registration.email), "success")
    return _private(redirect(f"/r/{token}"))


# ---------------------------------------------------------------- organizers


def _organizer_page(event: Event, settings_form=None, status: int = 200):
    report = attendance.attendance(event)
    form = settings_form or OnlineSettingsForm(obj=event)
    return render_template("online/organizer.html", event=event, report=report,
                           online_form=form, stream_for=services.stream_for), status


@bp.route("/events/<slug>/online/")
@event_required(Need.MANAGE)
def organizer(event: Event):
    """Online settings, per-session links and attendance beside in-person check-ins."""
    return _organizer_page(event)


@bp.route("/events/<slug>/online/settings", methods=["POST"])
@event_required(Need.MANAGE)
def update_settings(event: Event):
    form = OnlineSettingsForm()
    if form.validate_on_submit():
        try:
            data = load(OnlineSettingsSchema(), form_input(OnlineSettingsSchema()))
            services.update_online_settings(acting_user(), event, data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Online settings saved."), "success")
            return redirect(url_for("online.organizer", slug=event.slug))
    return _organizer_page(event, settings_form=form, status=422)


@bp.route("/events/<slug>/online/sessions/<int:session_id>", methods=["GET", "POST"])
@event_required(Need.MANAGE)
def session_links(event: Event, session_id: int):
    session = services.get_session(event, session_id)
    form = SessionLinksForm(obj=session)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                data = load(SessionLinksSchema(), form_input(SessionLinksSchema()))
                services.update_session_links(acting_user(), event, session_id, data)
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                flash(_("Session links saved."), "success")
                return redirect(url_for("online.organizer", slug=event.slug) + "#links")
        status = 422
    return render_template("online/session_links.html", event=event, session=session,
                           form=form), status


def _panel_context(event: Event) -> dict:
    return {"online_report": attendance.attendance(event),
            "online_form": OnlineSettingsForm(obj=event)}


register_panel("online", N_("Online participation"), "online/_console_panel.html", 40,
               _panel_context)


# ---------------------------------------------------------------- template slots


def _register_url(event: Event) -> str:
    """The registration form of the event (the event page if there is none)."""
    try:
        return url_for("registration.register", slug=event.slug)
    except BuildError:
        return url_for("events.event_page", slug=event.slug)


@bp.app_template_global()
def online_session_stream(event: Event, session: ProgrammeSession):
    """For the session page: what this viewer may see of the stream and recording."""
    view = services.session_stream_view(acting_user(), event, session, utcnow())
    return {"v": view, "register_url": _register_url(event)}


@bp.app_template_global()
def online_event_actions(event: Event):
    """For the event page: the signed-in registrant's watch page."""
    user = acting_user()
    registration = confirmed_registration(user, event)
    return {"watch_secret": registration.join_token if registration else None,
            "manage": can(user, Need.MANAGE, event),
            "offers_online": event.offers_online or bool(event.stream_url)}


@bp.app_template_global()
def online_manage(registration: Registration):
    """For the manage page: the registrant's personal links (None when they do not work)."""
    if registration is None or not registration_entitled(registration, registration.event_id):
        return None
    event = registration.event
    sessions = services.published_sessions(event.id)
    return {"sessions": sessions, "secret": registration.join_token, "zone": _zone(event),
            "now": utcnow(), "window": timedelta(minutes=event.join_opens_minutes_before or 0)}


@bp.app_template_global()
def online_duration(seconds: int) -> str:
    """'3 d 4 h', '2 h 05 min', '4 min 09 s': what a countdown shows before JavaScript."""
    seconds = max(0, int(seconds))
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    if d:
        return _("%(d)s d %(h)s h", d=d, h=h)
    if h:
        return _("%(h)s h %(m)s min", h=h, m=f"{m:02d}")
    return _("%(m)s min %(s)s s", m=m, s=f"{s:02d}")
